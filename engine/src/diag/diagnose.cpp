#include "smtpwb/diagnose.hpp"

#include "smtpwb/hints.hpp"
#include "smtpwb/log.hpp"

namespace smtpwb::diag {

SessionResult& finish(const ConnectionSettings& settings, SessionResult& result) {
  try {
    result.hints = HintCatalogue::builtin().match(settings, result);
  } catch (const std::exception& e) {  // a broken catalogue must not take the caller down
    log::note(std::string("hint catalogue: ") + e.what());
  }
  return result;
}

SessionResult finished(const ConnectionSettings& settings, SessionResult result) {
  finish(settings, result);
  return result;
}

SessionResult diagnose_session(const ConnectionSettings& settings, const TestRequest& request, SessionOptions options) {
  return finished(settings, run_session(settings, request, std::move(options)));
}

}  // namespace smtpwb::diag
