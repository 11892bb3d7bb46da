#include "tls/answers_tls.hpp"

namespace smtpwb::net {

bool answers_tls(Stream& stream, const TlsClientConfig& config, std::chrono::milliseconds wait, std::string* text_answer) {
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
  } catch (const ClientCertificateError&) {  // the session's TLS step names the file's problem
  } catch (const NetError&) {
  } catch (const TimedOut&) {
  }
  return false;
}

}  // namespace smtpwb::net
