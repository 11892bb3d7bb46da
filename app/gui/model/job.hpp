#pragma once
// One background job of the window (a test session, Probe TLS, Find settings, an OAuth sign-in), in the
// manner of ImHex's task manager: started once, cancelled through a flag the work polls, progress the
// views read each frame, and a wake-up of the UI loop whenever something new arrives, so an idle window
// never polls. `wake` is the only call that leaves a job's threads for the window (it posts an empty GLFW
// event); nothing here calls ImGui.
#include <atomic>
#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "smtpwb/probe_runner.hpp"

namespace smtpwb::gui {

using JobProgress = ProbeProgress;  // {done, total}; {0, 0} for a job with nothing to count
using Wake = std::function<void()>;

class Job {
 public:
  virtual ~Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  virtual void start() = 0;   // once, right after construction
  virtual void cancel() = 0;  // the work stops within one poll slice; finished() follows
  virtual bool finished() const = 0;
  virtual JobProgress progress() const = 0;
  bool running() const { return !finished(); }

 protected:
  explicit Job(Wake wake) : wake_(std::move(wake)) {}
  void wake() const {  // from any thread
    if (wake_) wake_();
  }

 private:
  Wake wake_;
};

// Work on the job's own thread, with a result slot of type Slot. The work polls cancel_flag() (engine
// calls take it as a const std::atomic<bool>&) and reports with set_progress() and update(), each of which
// wakes the window; the job is finished when the work returns, or throws (failure() says what).
template <class Slot>
class TaskJob final : public Job {
 public:
  using Work = std::function<void(TaskJob&)>;

  TaskJob(Wake wake, Work work, Slot initial = {})
      : Job(std::move(wake)), work_(std::move(work)), slot_(std::move(initial)) {}
  ~TaskJob() override { cancel(); }  // thread_, the last member, joins before the rest goes

  void start() override {
    if (!thread_.joinable()) thread_ = std::jthread([this] { run(); });
  }
  void cancel() override { cancel_.store(true); }
  bool finished() const override { return finished_.load(); }
  JobProgress progress() const override {
    std::lock_guard lock(mutex_);
    return progress_;
  }
  // ---- the UI's side: copies, so no lock is held while the views draw ----
  Slot snapshot() const {
    std::lock_guard lock(mutex_);
    return slot_;
  }
  template <std::invocable<const Slot&> F>
  auto read(F&& f) const {
    std::lock_guard lock(mutex_);
    return std::forward<F>(f)(slot_);
  }
  std::string failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }
  // ---- the work's side ----
  const std::atomic<bool>& cancel_flag() const { return cancel_; }
  bool cancel_requested() const { return cancel_.load(); }
  void set_progress(std::size_t done, std::size_t total) {
    {
      std::lock_guard lock(mutex_);
      progress_ = {done, total};
    }
    wake();
  }
  template <std::invocable<Slot&> F>
  void update(F&& f) {
    {
      std::lock_guard lock(mutex_);
      std::forward<F>(f)(slot_);
    }
    wake();
  }

 private:
  void run() {
    try {
      work_(*this);
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("unknown error");
    }
    finished_.store(true);
    wake();
  }
  void fail(std::string why) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(why);
  }

  Work work_;
  mutable std::mutex mutex_;
  Slot slot_;
  JobProgress progress_;
  std::string failure_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  std::jthread thread_;
};

// An engine object that runs threads of its own (Session, TlsProbe, PortFinder), built in place. start()
// hands it a hook that wakes the window when one of its rows starts or ends, when it takes one (a
// session wakes the window through its EventQueue instead); the engine's destructor cancels and joins.
template <class Engine>
class EngineJob final : public Job {
 public:
  template <class... Args>
  explicit EngineJob(Wake wake, Args&&... args) : Job(std::move(wake)), engine_(std::forward<Args>(args)...) {}
  ~EngineJob() override { engine_.cancel(); }

  void start() override {
    if constexpr (requires(Engine& e) { e.start(std::function<void()>{}); }) engine_.start([this] { wake(); });
    else engine_.start();
  }
  void cancel() override { engine_.cancel(); }
  bool finished() const override { return engine_.finished(); }
  JobProgress progress() const override {
    if constexpr (requires(const Engine& e) { { e.progress() } -> std::convertible_to<JobProgress>; }) return engine_.progress();
    else return {};
  }
  Engine& engine() { return engine_; }
  const Engine& engine() const { return engine_; }

 private:
  Engine engine_;
};

}  // namespace smtpwb::gui
