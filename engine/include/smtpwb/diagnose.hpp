#pragma once
// What the diagnostics layer adds to a finished session: the hints matched from the result. The SMTP
// layer never matches hints, so every caller that shows or exports a result passes it through here.
#include "smtpwb/result.hpp"
#include "smtpwb/session.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::diag {

// Fills result.hints from the built-in catalogue; a broken catalogue is logged, never thrown.
SessionResult& finish(const ConnectionSettings& settings, SessionResult& result);
// For callers that hold the result by value.
SessionResult finished(const ConnectionSettings& settings, SessionResult result);
// run_session, then finish: a result as `check` and the window show it (for tests and tools).
SessionResult diagnose_session(const ConnectionSettings& settings, const TestRequest& request, SessionOptions options = {});

}  // namespace smtpwb::diag
