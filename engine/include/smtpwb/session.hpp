#pragma once
// A session runs one test on its own thread and reports through an EventQueue.
#include <atomic>
#include <memory>
#include <thread>

#include "smtpwb/event_queue.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"
#include "smtpwb/step_gate.hpp"

namespace smtpwb {

struct SessionOptions {
  // Extra trust anchors (PEM file) in addition to settings.ca_file; used by the demo server.
  std::string extra_ca_file;
  // Step mode: when set, the session pauses before every client command (see StepGate).
  std::shared_ptr<StepGate> step_gate;
  // An OAuth 2.0 access token (secret) for XOAUTH2/OAUTHBEARER: from the OAuth flow or given directly.
  std::string oauth_access_token;
  // The mail account XOAUTH2/OAUTHBEARER authenticate as; empty: settings.username. (With Gmail OAuth the
  // dialog's username field holds the Application Id, so the GUI passes the account here.)
  std::string oauth_user;
  // The informational lookups (reverse DNS of the server, MX of the mail domain). A monitoring probe
  // reports none of them, so it leaves them out: no extra DNS queries and threads per probe.
  bool look_up_dns_facts = true;
};

class Session {
 public:
  Session(ConnectionSettings settings, TestRequest request, std::shared_ptr<EventQueue> events,
          SessionOptions options = {});
  ~Session();  // cancels and joins
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  void cancel() { cancel_.store(true); }
  bool finished() const { return finished_.load(); }
  void wait();
  // Valid once finished() is true (or after wait()).
  const SessionResult& result() const { return result_; }
  // Moves the result out, for a consumer that keeps it (the transcript is not copied); result() is empty
  // afterwards. Valid once finished() is true (or after wait()).
  SessionResult take_result() { return std::move(result_); }

  // Live values for progress display.
  Phase current_phase() const { return phase_.load(); }

 private:
  void run();

  ConnectionSettings settings_;
  TestRequest request_;
  std::shared_ptr<EventQueue> events_;
  SessionOptions options_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  std::atomic<Phase> phase_{Phase::Resolve};
  SessionResult result_;
  std::thread thread_;
};

// Runs a session to completion on the calling thread's behalf (blocking); for tests and tools.
SessionResult run_session(const ConnectionSettings& settings, const TestRequest& request,
                          SessionOptions options = {});

}  // namespace smtpwb
