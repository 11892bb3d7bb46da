#include "smtp/recorder.hpp"

namespace smtpwb::smtp {

Recorder::Recorder(SessionResult& result, std::atomic<Phase>* live_phase)
    : result_(result), live_phase_(live_phase), t0_(net::Clock::now()) {}

double Recorder::elapsed_ms() const {
  return std::chrono::duration<double, std::milli>(net::Clock::now() - t0_).count();
}

void Recorder::emit(Dir dir, std::string text, bool in_tls, std::optional<Phase> as) {
  Event e;
  e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(net::Clock::now() - t0_).count();
  e.dir = dir;
  e.phase = as.value_or(phase_);
  e.in_tls = in_tls;
  e.text = std::move(text);
  for (const auto& sink : sinks_) sink(e);
  result_.transcript.push_back(std::move(e));
}

void Recorder::begin_phase(Phase p) {
  end_phase();
  phase_ = p;
  if (live_phase_) live_phase_->store(p);
  phase_start_ = elapsed_ms();
  in_phase_ = true;
  if (on_phase_) on_phase_();
}

void Recorder::end_phase() {
  if (!in_phase_) return;
  result_.phases.push_back({phase_, phase_start_, elapsed_ms() - phase_start_});
  in_phase_ = false;
}

Failure Recorder::failure(FailureCategory c, std::string message, const Reply* reply, FailureCause cause) const {
  Failure f;
  f.category = c;
  f.message = std::move(message);
  f.phase = phase_;
  f.cause = cause;
  if (reply) {
    f.reply_code = reply->code;
    f.enhanced_code = reply->enhanced;
    for (std::size_t i = 0; i < reply->lines.size(); ++i)
      f.reply_text += (i ? "\n" : "") + std::to_string(reply->code) + (i + 1 < reply->lines.size() ? "-" : " ") + reply->lines[i];
  }
  return f;
}

void Recorder::fail(FailureCategory c, std::string message, const Reply* reply) const {
  throw Failed{failure(c, std::move(message), reply)};
}

void Recorder::fail_because(FailureCause cause, FailureCategory c, std::string message) const {
  throw Failed{failure(c, std::move(message), nullptr, cause)};
}

}  // namespace smtpwb::smtp
