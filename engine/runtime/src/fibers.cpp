#include "kessai/runtime/fibers.hpp"

#include <ucontext.h>

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kessai/runtime/log.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace kessai::runtime {

namespace asio = boost::asio;

namespace {

// A payment's deepest path (JSON, libpqxx, Beast, the log) uses a few tens of KiB; the rest of the stack is
// address space, not memory, until touched. AddressSanitizer's frames are several times larger.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kStackBytes = 1024 * 1024;
#else
constexpr std::size_t kStackBytes = 256 * 1024;
#endif
// Stacks kept for the next fibers of a loop, so a busy loop does not map and unmap one per request.
constexpr std::size_t kSpareStacksMax = 512;

std::size_t page_bytes() {
  static const std::size_t bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

// A stack with an inaccessible guard page below it: an overflow faults instead of writing over a neighbour.
struct Stack {
  void* base = nullptr;  // the mapping, guard page first
  std::size_t mapped = 0;

  void* bottom() const { return static_cast<char*>(base) + page_bytes(); }
  std::size_t usable() const { return mapped - page_bytes(); }
};

Stack map_stack() {
  const std::size_t mapped = kStackBytes + page_bytes();
  void* base =
      ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  if (::mprotect(base, page_bytes(), PROT_NONE) != 0) {
    ::munmap(base, mapped);
    throw std::bad_alloc();
  }
  return {base, mapped};
}

void unmap_stack(const Stack& stack) {
  ::munmap(stack.base, stack.mapped);
}

// AddressSanitizer must be told when the stack changes under it; without it, it reports false errors
// once an exception unwinds on a fiber.
void start_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] std::size_t size) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

void finish_switch([[maybe_unused]] void* fake_stack_save, [[maybe_unused]] const void** bottom_old,
                   [[maybe_unused]] std::size_t* size_old) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#endif
}

struct Loop;

// What the pool counts, shared by its loops.
struct Accounting {
  std::size_t fibers_max = 0;
  std::mutex mutex{};
  std::condition_variable all_ended{};
  std::size_t running = 0;
  bool stopping = false;

  void ended() {
    std::lock_guard lock(mutex);
    if (--running == 0) all_ended.notify_all();
  }
};

struct Fiber {
  ucontext_t context{};
  Loop* loop = nullptr;
  std::function<void()> job{};
  Stack stack{};
  bool finished = false;
  void* fake_stack = nullptr;  // AddressSanitizer's, while suspended
};

struct Loop {
  explicit Loop(Accounting& counts) : accounting(counts) {}

  Accounting& accounting;
  asio::io_context io{1};
  ucontext_t scheduler{};  // where a fiber returns to when it suspends or ends
  std::vector<Stack> spare_stacks{};
  void* fake_stack = nullptr;
  const void* thread_stack_bottom = nullptr;  // the loop thread's own stack, for AddressSanitizer
  std::size_t thread_stack_size = 0;
  std::thread thread{};
};

thread_local Fiber* t_current = nullptr;

void fiber_entry(unsigned high, unsigned low);

// Runs fiber until it suspends or ends; on the loop's thread only.
void switch_to(Fiber* fiber) {
  Loop& loop = *fiber->loop;
  t_current = fiber;
  start_switch(&loop.fake_stack, fiber->stack.bottom(), fiber->stack.usable());
  ::swapcontext(&loop.scheduler, &fiber->context);
  finish_switch(loop.fake_stack, nullptr, nullptr);
  t_current = nullptr;
}

// Back to the loop; returns when the fiber is resumed.
void switch_back(Fiber* fiber) {
  Loop& loop = *fiber->loop;
  start_switch(&fiber->fake_stack, loop.thread_stack_bottom, loop.thread_stack_size);
  ::swapcontext(&fiber->context, &loop.scheduler);
  finish_switch(fiber->fake_stack, &loop.thread_stack_bottom, &loop.thread_stack_size);
}

void fiber_entry(unsigned high, unsigned low) {
  auto* fiber = reinterpret_cast<Fiber*>((static_cast<std::uintptr_t>(high) << 32) | low);
  Loop& loop = *fiber->loop;
  finish_switch(nullptr, &loop.thread_stack_bottom, &loop.thread_stack_size);
  try {
    fiber->job();
  } catch (const std::exception& error) {
    log::error("fiber_failed", {{"error", error.what()}});
  } catch (...) {
    log::error("fiber_failed", {{"error", "an exception not derived from std::exception"}});
  }
  fiber->job = nullptr;  // what it captured goes now, on its own stack
  fiber->finished = true;
  start_switch(nullptr, loop.thread_stack_bottom, loop.thread_stack_size);
  ::setcontext(&loop.scheduler);
}

// Runs fiber until it suspends or ends, and frees it once ended; on its loop's thread.
void resume(Fiber* fiber) {
  switch_to(fiber);
  if (!fiber->finished) return;
  Loop& loop = *fiber->loop;
  if (loop.spare_stacks.size() < kSpareStacksMax) {
    loop.spare_stacks.push_back(fiber->stack);
  } else {
    unmap_stack(fiber->stack);
  }
  delete fiber;
  loop.accounting.ended();
}

void start(Fiber* fiber) {
  Loop& loop = *fiber->loop;
  if (!loop.spare_stacks.empty()) {
    fiber->stack = loop.spare_stacks.back();
    loop.spare_stacks.pop_back();
  } else {
    fiber->stack = map_stack();
  }
  ::getcontext(&fiber->context);
  fiber->context.uc_stack.ss_sp = fiber->stack.bottom();
  fiber->context.uc_stack.ss_size = fiber->stack.usable();
  fiber->context.uc_link = nullptr;
  const auto address = reinterpret_cast<std::uintptr_t>(fiber);
  // makecontext passes int arguments only: the pointer goes in two halves.
  ::makecontext(&fiber->context, reinterpret_cast<void (*)()>(&fiber_entry), 2,
                static_cast<unsigned>(address >> 32), static_cast<unsigned>(address & 0xffffffffu));
  resume(fiber);
}

}  // namespace

struct FiberPool::Impl {
  Accounting accounting{};
  std::vector<std::unique_ptr<Loop>> loops{};
  std::atomic<std::size_t> next_loop{0};
  std::once_flag stopped{};
};

FiberPool::FiberPool(std::size_t threads, std::size_t fibers_max) : impl_(std::make_unique<Impl>()) {
  assert(threads >= 1 && fibers_max >= 1);
  impl_->accounting.fibers_max = fibers_max;
  for (std::size_t i = 0; i < threads; ++i) impl_->loops.push_back(std::make_unique<Loop>(impl_->accounting));
  for (auto& loop : impl_->loops) {
    loop->thread = std::thread([loop = loop.get()] {
      auto work = asio::make_work_guard(loop->io);
      loop->io.run();
    });
  }
}

FiberPool::~FiberPool() {
  shutdown();
  for (auto& loop : impl_->loops) {
    for (const Stack& stack : loop->spare_stacks) unmap_stack(stack);
  }
}

bool FiberPool::try_spawn(std::function<void()> job) {
  Accounting& counts = impl_->accounting;
  {
    std::lock_guard lock(counts.mutex);
    if (counts.stopping || counts.running >= counts.fibers_max) return false;
    ++counts.running;
  }
  Loop& loop = *impl_->loops[impl_->next_loop.fetch_add(1, std::memory_order_relaxed) % impl_->loops.size()];
  auto* fiber = new Fiber{};
  fiber->loop = &loop;
  fiber->job = std::move(job);
  asio::post(loop.io, [fiber] {
    try {
      start(fiber);
    } catch (const std::bad_alloc&) {
      log::error("fiber_failed", {{"error", "no memory for a fiber's stack"}});
      Accounting& owner = fiber->loop->accounting;
      delete fiber;
      owner.ended();
    }
  });
  return true;
}

void FiberPool::shutdown() {
  Accounting& counts = impl_->accounting;
  {
    std::unique_lock lock(counts.mutex);
    counts.stopping = true;
    counts.all_ended.wait(lock, [&] { return counts.running == 0; });
  }
  // Once, and a concurrent caller waits until the threads are joined.
  std::call_once(impl_->stopped, [this] {
    for (auto& loop : impl_->loops) loop->io.stop();
    for (auto& loop : impl_->loops) loop->thread.join();
  });
}

std::size_t FiberPool::running() const {
  std::lock_guard lock(impl_->accounting.mutex);
  return impl_->accounting.running;
}

namespace fiber {

bool active() {
  return t_current != nullptr;
}

asio::io_context* loop() {
  return t_current ? &t_current->loop->io : nullptr;
}

void suspend(const std::function<void(Resume)>& start) {
  Fiber* self = t_current;
  if (!self) {
    struct Waiter {
      std::mutex mutex;
      std::condition_variable resumed;
      bool done = false;
    };
    auto waiter = std::make_shared<Waiter>();
    start([waiter] {
      std::lock_guard lock(waiter->mutex);
      waiter->done = true;
      waiter->resumed.notify_one();
    });
    std::unique_lock lock(waiter->mutex);
    waiter->resumed.wait(lock, [&] { return waiter->done; });
    return;
  }
  assert(!std::current_exception() && "a fiber must not wait inside a catch handler");
  // Posted, never run inline: the loop has one thread, which is running this fiber now, so the fiber is
  // suspended before its resumption can run, however early the Resume is called.
  start([self] { asio::post(self->loop->io, [self] { resume(self); }); });
  switch_back(self);
}

void sleep_for(std::chrono::milliseconds delay) {
  Fiber* self = t_current;
  if (!self) {
    std::this_thread::sleep_for(delay);
    return;
  }
  asio::steady_timer timer(self->loop->io, delay);
  suspend([&timer](Resume resume) { timer.async_wait([resume](const auto&) { resume(); }); });
}

}  // namespace fiber

}  // namespace kessai::runtime
