#pragma once
// Runs one job per row on its own thread, with live progress (done/total, per-row state as atomics) and a
// cancel flag every job polls. Shared by the TLS version probe and the port finder; the GUI reads the
// atomics when start()'s hook wakes it, and the rows once finished().
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace smtpwb {

enum class ProbeRowState : unsigned char { Waiting, Running, Done };

struct ProbeProgress {
  std::size_t done = 0;
  std::size_t total = 0;
};

template <class Row>
class ProbeRunner {
 public:
  using Job = std::function<Row(std::size_t index, const std::atomic<bool>& cancel)>;

  // rows: what results() shows before each job is done; job(i) computes row i.
  ProbeRunner(std::vector<Row> rows, Job job)
      : rows_(std::move(rows)), job_(std::move(job)), states_(new std::atomic<ProbeRowState>[rows_.size()]) {
    for (std::size_t i = 0; i < rows_.size(); ++i) states_[i].store(ProbeRowState::Waiting);
  }
  ~ProbeRunner() {
    cancel();
    wait();
  }
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  // on_row_change runs on the row's thread each time a row starts and once it is done (after progress()
  // counts it), so a consumer can wake up instead of polling; it must be cheap and thread-safe.
  void start(std::function<void()> on_row_change = {}) {
    if (!threads_.empty()) return;
    on_row_change_ = std::move(on_row_change);
    for (std::size_t i = 0; i < rows_.size(); ++i) threads_.emplace_back([this, i] { run(i); });
  }
  void cancel() { cancel_.store(true); }
  bool finished() const { return done_.load() == rows_.size(); }
  void wait() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  ProbeProgress progress() const { return {done_.load(), rows_.size()}; }
  ProbeRowState state(std::size_t i) const { return i < rows_.size() ? states_[i].load() : ProbeRowState::Waiting; }
  std::vector<Row> results() const {
    std::lock_guard lock(mutex_);
    return rows_;
  }

 private:
  void run(std::size_t i) {
    states_[i].store(ProbeRowState::Running);
    notify();
    Row row = job_(i, cancel_);
    {
      std::lock_guard lock(mutex_);
      rows_[i] = std::move(row);
    }
    states_[i].store(ProbeRowState::Done);
    done_.fetch_add(1);
    notify();
  }
  void notify() const {
    if (on_row_change_) on_row_change_();
  }

  std::vector<Row> rows_;
  Job job_;
  std::function<void()> on_row_change_;
  std::unique_ptr<std::atomic<ProbeRowState>[]> states_;
  std::atomic<bool> cancel_{false};
  std::atomic<std::size_t> done_{0};
  mutable std::mutex mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace smtpwb
