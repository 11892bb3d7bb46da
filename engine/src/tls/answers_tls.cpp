#include "tls/answers_tls.hpp"

namespace smtpwb::net {

bool answers_tls(Stream& stream, const std::string& server_name, std::chrono::milliseconds wait, std::string* text_answer) {
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
    if (e.peer_spoke_plaintext && text_answer) *text_answer = e.plaintext_sample;
    return e.no_common_version;
  } catch (const TrustStoreError&) {
  } catch (const NetError&) {
  } catch (const TimedOut&) {
  }
  return false;
}

}  // namespace smtpwb::net
