#pragma once
// The exit status of `check` and of the window's --run-test, a front-end policy: 0 success, 1 unexpected
// errors and 2 usage errors (as most command-line tools do), then one status per failure category so that
// scripts can branch on the cause.
#include "smtpwb/result.hpp"

namespace smtpwb::app {

inline int exit_status(FailureCategory c) {
  switch (c) {
    case FailureCategory::Config: return 2;
    case FailureCategory::Dns: return 3;
    case FailureCategory::Connect: return 4;
    case FailureCategory::Timeout: return 5;
    case FailureCategory::Proxy: return 6;
    case FailureCategory::Tls: return 7;
    case FailureCategory::Certificate: return 8;
    case FailureCategory::Auth: return 9;
    case FailureCategory::Smtp: return 10;
    case FailureCategory::Cancelled: return 11;
    case FailureCategory::Internal: return 1;
  }
  return 1;
}

}  // namespace smtpwb::app
