#pragma once
// A fixed set of threads for blocking work (database, processor calls), with a bounded queue so an
// overload is refused at once instead of piling up memory and latency.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kessai::runtime {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t queue_max);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the job is not run.
  bool try_post(std::function<void()> job);
  void shutdown();

 private:
  void run();
  const std::size_t queue_max_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kessai::runtime
