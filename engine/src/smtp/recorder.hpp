#pragma once
// What a session records as it goes: transcript events, handed to every sink (the result's collector, the
// event queue, the log), phases with their timings, and failures worded with the reply that caused them.
// The session and the probes record through it; a probe's recorder has no sinks.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/net/io.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/smtp/reply.hpp"

namespace smtpwb::smtp {

// Thrown to end the dialogue with this failure.
struct Failed {
  Failure failure;
};

using EventSink = std::function<void(const Event&)>;

class Recorder {
 public:
  // live_phase, when given, follows the current phase for progress display on another thread.
  explicit Recorder(SessionResult& result, std::atomic<Phase>* live_phase = nullptr);

  void add_sink(EventSink sink) { sinks_.push_back(std::move(sink)); }
  // Called when a phase begins: a phase can change without a transcript line (a slow greeting, a long
  // handshake), and a window showing the live phase would otherwise have to poll.
  void on_phase(std::function<void()> hook) { on_phase_ = std::move(hook); }
  // `as`: the phase a pipelined command belongs to, when it is sent before its phase begins.
  void emit(Dir dir, std::string text, bool in_tls = false, std::optional<Phase> as = std::nullopt);
  void info(std::string text) { emit(Dir::Info, std::move(text)); }
  void tls_info(std::string text) { emit(Dir::Tls, std::move(text)); }
  void error(std::string text) { emit(Dir::Error, std::move(text)); }

  void begin_phase(Phase p);
  void end_phase();
  void mark_done() { phase_ = Phase::Done; }  // after end_phase(): the closing lines belong to no phase
  Phase phase() const { return phase_; }
  double elapsed_ms() const;

  // A failure in the current phase; with the reply that caused it (code, enhanced code, full text).
  Failure failure(FailureCategory c, std::string message, const Reply* reply = nullptr,
                  FailureCause cause = FailureCause::None) const;
  [[noreturn]] void fail(FailureCategory c, std::string message, const Reply* reply = nullptr) const;
  // A failure with no reply to explain it: `cause` says how the dialogue broke (Failure::cause).
  [[noreturn]] void fail_because(FailureCause cause, FailureCategory c, std::string message) const;

  SessionResult& result() { return result_; }

 private:
  SessionResult& result_;
  std::atomic<Phase>* live_phase_;
  std::vector<EventSink> sinks_;
  std::function<void()> on_phase_;
  net::Clock::time_point t0_;
  Phase phase_ = Phase::Resolve;
  double phase_start_ = 0;
  bool in_phase_ = false;
};

}  // namespace smtpwb::smtp
