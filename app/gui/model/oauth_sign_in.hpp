#pragma once
// OAuth sign-in off the UI thread: the authorization-code flow (open the URL in the browser, wait for
// the loopback redirect, exchange the code), or a refresh from a stored refresh token. The window polls
// state() each frame; cancel() ends the wait within one poll slice.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "smtpwb/oauth.hpp"

namespace smtpwb::gui {

class OAuthSignIn {
 public:
  enum class State { Starting, WaitingForBrowser, Exchanging, Done, Failed };

  // `open_url` gets the authorization URL once the loopback listener is ready (the window opens the
  // browser with it); `wake` is called when the state changes.
  static std::unique_ptr<OAuthSignIn> sign_in(oauth::Client client, std::function<void(const std::string&)> open_url,
                                              std::function<void()> wake);
  static std::unique_ptr<OAuthSignIn> refresh(oauth::Client client, std::string refresh_token, std::function<void()> wake);
  ~OAuthSignIn();  // cancels and joins
  OAuthSignIn(const OAuthSignIn&) = delete;
  OAuthSignIn& operator=(const OAuthSignIn&) = delete;

  void cancel() { cancel_.store(true); }
  State state() const { return state_.load(); }
  bool finished() const { return state() == State::Done || state() == State::Failed; }
  bool is_refresh() const { return !refresh_token_.empty(); }
  std::string url() const;
  std::string error() const;
  oauth::Tokens tokens() const;  // valid when Done

 private:
  OAuthSignIn(oauth::Client client, std::string refresh_token, std::function<void(const std::string&)> open_url,
              std::function<void()> wake);
  void run();
  void set(State s);

  oauth::Client client_;
  std::string refresh_token_;
  std::function<void(const std::string&)> open_url_;
  std::function<void()> wake_;
  std::atomic<State> state_{State::Starting};
  std::atomic<bool> cancel_{false};
  mutable std::mutex mutex_;
  std::string url_, error_;
  oauth::Tokens tokens_;
  std::thread thread_;
};

// How long the window waits for the user to finish signing in, in the browser.
inline constexpr int kSignInMinutes = 5;

}  // namespace smtpwb::gui
