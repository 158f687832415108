#pragma once
// Request fibers: code written as plain blocking calls, run on a few threads without a thread per request.
//
// A FiberPool runs each job on a fiber of its own (a small stack, switched in user space) on one of a few
// threads, each an event loop. Where the job waits — for a group commit, for a processor's answer — it
// calls fiber::suspend: the fiber is put aside and its thread runs other fibers until the wait ends, then
// the fiber goes on where it stopped, on the same thread. A payment that waits four times so costs four
// switches in user space instead of eight between kernel threads.
//
// A fiber stays on its thread from start to end, so thread-local state is safe to use on it. What a job
// does between waits must not block for long (a query on a pooled connection, a sleep): that holds up
// every other fiber of its thread. Code that may run on a fiber or on an ordinary thread asks
// fiber::active(); fiber::suspend works on both (off a fiber it blocks the calling thread).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace kessai::runtime {

// Ends a wait begun by fiber::suspend. Call it exactly once, from any thread.
using Resume = std::function<void()>;

class FiberPool {
 public:
  // threads: event-loop threads (at least 1); fibers_max: fibers running or waiting at once, beyond which
  // try_spawn refuses.
  FiberPool(std::size_t threads, std::size_t fibers_max);
  // shutdown(), then frees the loops. Objects whose I/O runs on these loops (HttpClient connections made
  // on a fiber) must be destroyed first.
  ~FiberPool();
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // Runs job on a new fiber. False, and the job is not run, when fibers_max fibers run already or the
  // pool is stopping. An exception leaving the job is logged and dropped.
  bool try_spawn(std::function<void()> job);
  // Refuses new fibers, waits for the running ones to end, stops the threads. Idempotent.
  void shutdown();
  // Fibers started and not yet ended.
  std::size_t running() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

namespace fiber {

// True when the caller runs on a FiberPool's fiber.
bool active();

// Waits until the Resume handed to start is called. start runs at once, on the caller's thread; it may
// call the Resume itself (the wait then ends at once) or hand it to whatever ends the wait. On a fiber
// the fiber is suspended and its thread runs others meanwhile; off a fiber the calling thread blocks.
// Hold no lock across it that another fiber of the same thread may need, and never call it inside a catch
// handler: the C++ runtime keeps the exceptions being handled per thread, and two fibers of one thread
// waiting in handlers would end (or rethrow) each other's (asserted).
void suspend(const std::function<void(Resume)>& start);

// Pauses the caller: on a fiber, by suspending it on a timer of its loop (the thread runs other fibers
// meanwhile); off a fiber, by sleeping the thread.
void sleep_for(std::chrono::milliseconds delay);

// The event loop of the calling fiber, for asynchronous I/O that should complete on it; nullptr off a
// fiber.
boost::asio::io_context* loop();

}  // namespace fiber

}  // namespace kessai::runtime
