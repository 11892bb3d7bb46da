#include "smtpwb/step_gate.hpp"

#include <chrono>
#include <utility>

namespace smtpwb {

void StepGate::step() {
  {
    std::lock_guard lock(mutex_);
    order_ = Order::Step;
    waiting_.store(false);  // until the session pauses again, so a second order cannot overwrite this one
  }
  cv_.notify_all();
}

void StepGate::continue_all() {
  {
    std::lock_guard lock(mutex_);
    continue_all_ = true;
    order_ = Order::Step;
    waiting_.store(false);
  }
  cv_.notify_all();
}

void StepGate::send_line(std::string line) {
  {
    std::lock_guard lock(mutex_);
    order_ = Order::Line;
    line_ = std::move(line);
    waiting_.store(false);
  }
  cv_.notify_all();
}

std::string StepGate::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

std::optional<std::string> StepGate::wait(const std::string& display, const std::function<bool()>& cancelled,
                                          const std::function<void()>& wake) {
  std::unique_lock lock(mutex_);
  if (continue_all_) return std::nullopt;
  pending_ = display;
  order_ = Order::None;
  waiting_.store(true);
  lock.unlock();
  if (wake) wake();
  lock.lock();
  while (order_ == Order::None) {
    if (cancelled()) {
      waiting_.store(false);
      return std::nullopt;  // the caller's next cancellable wait reports the cancellation
    }
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  waiting_.store(false);
  pending_.clear();
  if (order_ == Order::Line) return std::exchange(line_, {});
  return std::nullopt;
}

}  // namespace smtpwb
