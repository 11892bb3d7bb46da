#pragma once
// Step mode: a gate the session passes before every client command. The UI thread steps, continues or
// injects a raw command line; the session thread waits in short slices so Cancel still works at once.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace smtpwb {

class StepGate {
 public:
  // ---- UI side ----
  void step();                                   // send the pending command
  void continue_all();                           // stop pausing for the rest of the session
  void send_line(std::string line);              // send this raw command first, then pause again
  bool waiting() const { return waiting_.load(); }
  std::string pending() const;                   // what the session is about to send (display form)

  // ---- session side ----
  // Returns a raw line the user typed (send it, read the reply, call again), or nullopt to go on.
  // Returns nullopt at once when `cancelled()` becomes true; the caller then notices the cancellation.
  std::optional<std::string> wait(const std::string& display, const std::function<bool()>& cancelled,
                                  const std::function<void()>& wake);

 private:
  enum class Order { None, Step, Line };
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> waiting_{false};
  bool continue_all_ = false;
  Order order_ = Order::None;
  std::string line_;
  std::string pending_;
};

}  // namespace smtpwb
