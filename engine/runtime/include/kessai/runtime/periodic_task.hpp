#pragma once
// Runs a function on its own thread every interval until destroyed; a throw is logged, never fatal.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "kessai/runtime/log.hpp"

namespace kessai::runtime {

class PeriodicTask {
 public:
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> work)
      : name_(std::move(name)), interval_(interval), work_(std::move(work)), thread_([this] { run(); }) {}
  ~PeriodicTask() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      try {
        work_();
      } catch (const std::exception& error) {
        log::warn("periodic_task_failed", {{"task", name_}, {"error", error.what()}});
      }
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  }

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses exists
};

}  // namespace kessai::runtime
