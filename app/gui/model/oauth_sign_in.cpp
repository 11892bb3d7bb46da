#include "model/oauth_sign_in.hpp"

namespace smtpwb::gui {

namespace {
using Step = SignInState::Step;

void set_step(SignInJob& job, Step step) {
  job.update([step](SignInState& s) { s.step = step; });
}

oauth::Tokens sign_in(oauth::Flow& flow, SignInJob& job) {
  std::string url = flow.start();
  job.update([&url](SignInState& s) {
    s.url = std::move(url);
    s.step = Step::WaitingForBrowser;
  });
  std::string code = flow.wait_for_redirect(job.cancel_flag(), net::Deadline::in(std::chrono::minutes(kSignInMinutes)));
  set_step(job, Step::Exchanging);
  return flow.exchange(code, job.cancel_flag());
}

// Runs on the job's thread: every outcome, failures included, ends up in the job's state.
void run(const oauth::Client& client, const std::string& refresh_token, SignInJob& job) {
  const bool refresh = !refresh_token.empty();
  std::string failure;
  try {
    oauth::Flow flow(client);
    oauth::Tokens tokens;
    if (refresh) {
      set_step(job, Step::Exchanging);
      tokens = flow.refresh(refresh_token, job.cancel_flag());
    } else {
      tokens = sign_in(flow, job);
    }
    return job.update([&tokens](SignInState& s) {
      s.tokens = std::move(tokens);
      s.step = Step::Done;
    });
  } catch (const oauth::OAuthError& e) {
    failure = e.what();
  } catch (const net::Cancelled&) {
    failure = "cancelled";
  } catch (const net::TimedOut&) {
    failure = refresh ? "the token endpoint did not answer in time"
                      : "no answer from the browser within " + std::to_string(kSignInMinutes) + " minutes";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  job.update([&failure](SignInState& s) {
    s.error = std::move(failure);
    s.step = Step::Failed;
  });
}

std::unique_ptr<SignInJob> start(oauth::Client client, std::string refresh_token, Wake wake) {
  SignInState initial;
  initial.refresh = !refresh_token.empty();
  auto job = std::make_unique<SignInJob>(
      std::move(wake),
      [client = std::move(client), token = std::move(refresh_token)](SignInJob& j) { run(client, token, j); },
      std::move(initial));
  job->start();
  return job;
}
}  // namespace

std::unique_ptr<SignInJob> start_sign_in(oauth::Client client, Wake wake) {
  return start(std::move(client), {}, std::move(wake));
}

std::unique_ptr<SignInJob> start_refresh(oauth::Client client, std::string refresh_token, Wake wake) {
  return start(std::move(client), std::move(refresh_token), std::move(wake));
}

}  // namespace smtpwb::gui
