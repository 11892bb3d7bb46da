#pragma once
// Runs one job per row on its own thread, with live progress (done/total, per-row state as atomics) and a
// cancel flag every job polls. Shared by the TLS version probe and the port finder; the GUI reads the
// atomics each frame and the rows once finished().
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

  void start() {
    if (!threads_.empty()) return;
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
    Row row = job_(i, cancel_);
    {
      std::lock_guard lock(mutex_);
      rows_[i] = std::move(row);
    }
    states_[i].store(ProbeRowState::Done);
    done_.fetch_add(1);
  }

  std::vector<Row> rows_;
  Job job_;
  std::unique_ptr<std::atomic<ProbeRowState>[]> states_;
  std::atomic<bool> cancel_{false};
  std::atomic<std::size_t> done_{0};
  mutable std::mutex mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace smtpwb
