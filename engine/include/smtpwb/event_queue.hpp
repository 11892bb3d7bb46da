#pragma once
// One-way hand-over of events from a session thread to the consumer: the producer appends under a
// short lock; the consumer swaps the whole batch out (once per frame) and works outside the lock.
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "smtpwb/event.hpp"

namespace smtpwb {

class EventQueue {
 public:
  // wake is called (from the producer thread) when a batch becomes non-empty, e.g. glfwPostEmptyEvent.
  explicit EventQueue(std::function<void()> wake = {}, std::size_t capacity = 1u << 16)
      : wake_(std::move(wake)), capacity_(capacity) {}

  void push(Event e) {
    bool was_empty;
    {
      std::lock_guard lock(mutex_);
      if (pending_.size() >= capacity_) {
        ++dropped_;  // the consumer is not keeping up; the session's own transcript keeps everything
        return;
      }
      was_empty = pending_.empty();
      pending_.push_back(std::move(e));
    }
    if (was_empty && wake_) wake_();
  }

  // Wakes the consumer without an event, e.g. when a session starts waiting for the user.
  void wake() const {
    if (wake_) wake_();
  }

  // Moves every pending event into out (cleared first); returns how many were dropped since last time.
  std::size_t drain(std::vector<Event>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    out.swap(pending_);
    auto d = dropped_;
    dropped_ = 0;
    return d;
  }

 private:
  std::function<void()> wake_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::vector<Event> pending_;
  std::size_t dropped_ = 0;
};

}  // namespace smtpwb
