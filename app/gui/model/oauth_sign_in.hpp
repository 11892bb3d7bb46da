#pragma once
// OAuth sign-in off the UI thread, as a Job: the authorization-code flow (the loopback listener, the
// authorization URL the window opens in the browser, the wait for the redirect, the code exchange), or a
// refresh from a stored refresh token. Each step wakes the window; cancel() ends a wait within one poll
// slice.
#include <memory>
#include <string>

#include "model/job.hpp"
#include "smtpwb/oauth.hpp"

namespace smtpwb::gui {

struct SignInState {
  enum class Step { Starting, WaitingForBrowser, Exchanging, Done, Failed };
  Step step = Step::Starting;
  bool refresh = false;  // a refresh from a stored token, not a sign-in in the browser
  std::string url;       // the authorization URL, once the listener is ready (a sign-in only)
  std::string error;     // why it failed
  oauth::Tokens tokens;  // valid when Done
};

using SignInJob = TaskJob<SignInState>;

// Both are started; the caller keeps the job and reads its state when woken.
std::unique_ptr<SignInJob> start_sign_in(oauth::Client client, Wake wake);
std::unique_ptr<SignInJob> start_refresh(oauth::Client client, std::string refresh_token, Wake wake);

// How long the window waits for the user to finish signing in, in the browser.
inline constexpr int kSignInMinutes = 5;

}  // namespace smtpwb::gui
