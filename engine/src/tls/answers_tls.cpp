#include "tls/answers_tls.hpp"

namespace smtpwb::net {

bool answers_tls(Stream& stream, const std::string& server_name, std::chrono::milliseconds wait) {
  TlsClientConfig config;
  config.server_name = server_name;
  config.verify = false;
  TlsFacts scratch;
  try {
    stream.start_tls_client(config, Deadline::in(wait), scratch);
    return true;
  } catch (const CertificateError&) {
    return true;
  } catch (const TlsError& e) {
    return e.no_common_version;
  } catch (const TrustStoreError&) {
  } catch (const NetError&) {
  } catch (const TimedOut&) {
  }
  return false;
}

}  // namespace smtpwb::net
