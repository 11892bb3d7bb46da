#pragma once
// A fixed number of worker threads taking jobs from a bounded queue: whatever the number of scrapes
// in flight, at most `workers` probes (and their threads) run at once.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace smtpwb::app {

class WorkerPool {
 public:
  WorkerPool(int workers, std::size_t max_queued);
  ~WorkerPool();  // takes no new job, lets the queued and running ones finish, joins the workers
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job; false when the queue is full (the caller answers "busy").
  bool submit(std::function<void()> job);
  std::size_t queued() const;  // submitted, not yet taken by a worker

 private:
  void work();
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace smtpwb::app
