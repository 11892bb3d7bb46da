#pragma once
// Blocking lookups (getaddrinfo, getnameinfo, res_nquery) that honour a deadline and cancel: the call
// runs on a detached thread the caller stops waiting for when it must.
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "smtpwb/net/io.hpp"

namespace smtpwb::net {

// A blocking call on a detached worker thread. The caller waits in slices (deadline, cancel) and may
// leave early; the shared state outlives it until the call returns (glibc cannot interrupt either lookup).
template <class T>
class Background {
 public:
  static Background start(std::function<T()> call) {
    Background b;
    b.shared_ = std::make_shared<Shared>();
    std::thread([s = b.shared_, call = std::move(call)] {
      std::optional<T> value;
      std::exception_ptr error;
      try {
        value = call();
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard lock(s->mutex);
      s->value = std::move(value);
      s->error = error;
      s->done = true;
      s->ready.notify_all();
    }).detach();
    return b;
  }
  bool started() const { return shared_ != nullptr; }
  T get(Deadline deadline, const CancelFlag& cancel, const std::string& what) const {
    std::unique_lock lock(shared_->mutex);
    while (!shared_->ready.wait_for(lock, kSlice, [&] { return shared_->done; })) {
      if (cancel.load()) throw Cancelled();
      if (deadline.passed()) throw TimedOut(what.empty() ? "no answer in time" : "no answer in time " + what);
    }
    if (shared_->error) std::rethrow_exception(shared_->error);
    return *shared_->value;
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable ready;
    bool done = false;
    std::optional<T> value;
    std::exception_ptr error;
  };
  std::shared_ptr<Shared> shared_;
};

}  // namespace smtpwb::net
