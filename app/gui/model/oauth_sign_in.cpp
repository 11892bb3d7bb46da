#include "model/oauth_sign_in.hpp"

namespace smtpwb::gui {

OAuthSignIn::OAuthSignIn(oauth::Client client, std::string refresh_token, std::function<void(const std::string&)> open_url,
                         std::function<void()> wake)
    : client_(std::move(client)), refresh_token_(std::move(refresh_token)), open_url_(std::move(open_url)), wake_(std::move(wake)) {}

std::unique_ptr<OAuthSignIn> OAuthSignIn::sign_in(oauth::Client client, std::function<void(const std::string&)> open_url,
                                                  std::function<void()> wake) {
  std::unique_ptr<OAuthSignIn> job(new OAuthSignIn(std::move(client), {}, std::move(open_url), std::move(wake)));
  job->thread_ = std::thread([j = job.get()] { j->run(); });
  return job;
}

std::unique_ptr<OAuthSignIn> OAuthSignIn::refresh(oauth::Client client, std::string refresh_token, std::function<void()> wake) {
  std::unique_ptr<OAuthSignIn> job(new OAuthSignIn(std::move(client), std::move(refresh_token), {}, std::move(wake)));
  job->thread_ = std::thread([j = job.get()] { j->run(); });
  return job;
}

OAuthSignIn::~OAuthSignIn() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

std::string OAuthSignIn::url() const {
  std::lock_guard lock(mutex_);
  return url_;
}

std::string OAuthSignIn::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

oauth::Tokens OAuthSignIn::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

void OAuthSignIn::set(State s) {
  state_.store(s);
  if (wake_) wake_();
}

void OAuthSignIn::run() {
  std::string failure;
  try {
    oauth::Flow flow(client_);
    oauth::Tokens tokens;
    if (is_refresh()) {
      set(State::Exchanging);
      tokens = flow.refresh(refresh_token_, cancel_);
    } else {
      std::string url = flow.start();
      {
        std::lock_guard lock(mutex_);
        url_ = url;
      }
      set(State::WaitingForBrowser);
      if (open_url_) open_url_(url);
      std::string code = flow.wait_for_redirect(cancel_, net::Deadline::in(std::chrono::minutes(kSignInMinutes)));
      set(State::Exchanging);
      tokens = flow.exchange(code, cancel_);
    }
    std::lock_guard lock(mutex_);
    tokens_ = std::move(tokens);
  } catch (const oauth::OAuthError& e) {
    failure = e.what();
  } catch (const net::Cancelled&) {
    failure = "cancelled";
  } catch (const net::TimedOut&) {
    failure = is_refresh() ? "the token endpoint did not answer in time"
                           : "no answer from the browser within " + std::to_string(kSignInMinutes) + " minutes";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    {
      std::lock_guard lock(mutex_);
      error_ = failure;
    }
    return set(State::Failed);
  }
  set(State::Done);
}

}  // namespace smtpwb::gui
