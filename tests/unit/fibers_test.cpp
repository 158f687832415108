// Request fibers (kessai/runtime/fibers.hpp): jobs on fibers, suspend and resume from other threads, many
// fibers on few threads, fibers_max, exceptions, shutdown, stack and thread-local use, and HttpClient doing
// its I/O on the fibers' loops against a loopback HttpServer (port 0). Long waits are bounded only so that a
// bug fails a test instead of hanging it; short ones check that something has not happened yet.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kessai/runtime/fibers.hpp"
#include "kessai/runtime/http_client.hpp"
#include "kessai/runtime/http_server.hpp"

using namespace kessai;
namespace fiber = runtime::fiber;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 10s;  // how long a test waits for what must happen before calling it a failure

bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class Countdown {
 public:
  explicit Countdown(std::size_t count) : left_(count) {}
  void count_down() {
    std::lock_guard lock(mutex_);
    if (left_ > 0 && --left_ == 0) zero_.notify_all();
  }
  bool wait(std::chrono::milliseconds within = kWait) {
    std::unique_lock lock(mutex_);
    return zero_.wait_for(lock, within, [&] { return left_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  std::size_t left_ = 0;
};

// The Resumes of suspended fibers, kept for the test to call. Once closed (a test ending), a fiber that
// suspends again is resumed at once.
class Waiters {
 public:
  // As fiber::suspend's start.
  void add(runtime::Resume resume) {
    {
      std::lock_guard lock(mutex_);
      if (!closed_) {
        waiting_.push_back(std::move(resume));
        changed_.notify_all();
        return;
      }
    }
    resume();
  }
  void suspend() {
    fiber::suspend([this](runtime::Resume resume) { add(std::move(resume)); });
  }
  bool wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return waiting_.size() >= count; });
  }
  std::vector<runtime::Resume> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
  }
  // The latest count waiters, or all.
  void resume(std::size_t count = std::numeric_limits<std::size_t>::max()) {
    std::vector<runtime::Resume> chosen;
    {
      std::lock_guard lock(mutex_);
      for (; count > 0 && !waiting_.empty(); --count, waiting_.pop_back())
        chosen.push_back(std::move(waiting_.back()));
    }
    for (auto& resume : chosen) resume();
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    resume();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<runtime::Resume> waiting_;
  bool closed_ = false;
};

// A FiberPool for one test, declared after what its fibers use. When the test ends early (a failed
// REQUIRE) it resumes the fibers still waiting; fibers that never end (a lost Resume) leave the pool behind
// instead of hanging the test run in its shutdown.
class TestPool {
 public:
  TestPool(std::size_t threads, std::size_t fibers_max, Waiters* waiters = nullptr)
      : pool_(std::make_unique<runtime::FiberPool>(threads, fibers_max)), waiters_(waiters) {}
  ~TestPool() {
    if (waiters_ != nullptr) waiters_->close();
    if (!eventually([&] { return pool_->running() == 0; })) (void)pool_.release();
  }
  runtime::FiberPool* operator->() { return pool_.get(); }

 private:
  std::unique_ptr<runtime::FiberPool> pool_;
  Waiters* waiters_ = nullptr;
};

// A plain std::thread whose end the test awaits for a bounded time; one that hangs is left detached.
class PlainThread {
 public:
  explicit PlainThread(std::function<void()> work) {
    auto done = std::make_shared<std::promise<void>>();
    finished_ = done->get_future();
    thread_ = std::thread([work = std::move(work), done] {
      work();
      done->set_value();
    });
  }
  ~PlainThread() {
    if (thread_.joinable()) ended(0ms) ? thread_.join() : thread_.detach();
  }
  bool ended(std::chrono::milliseconds within = kWait) {
    return finished_.wait_for(within) == std::future_status::ready;
  }

 private:
  std::future<void> finished_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("fibers: a job runs on a fiber with an event loop, and the test's thread is no fiber", "[fibers]") {
  CHECK_FALSE(fiber::active());
  CHECK(fiber::loop() == nullptr);
  bool active = false;
  bool has_loop = false;
  Countdown ran(1);
  TestPool pool(2, 4);
  REQUIRE(pool->try_spawn([&] {
    active = fiber::active();
    has_loop = fiber::loop() != nullptr;
    ran.count_down();
  }));
  REQUIRE(ran.wait());
  CHECK(active);
  CHECK(has_loop);
}

TEST_CASE("fibers: a suspended fiber resumed from another thread goes on, on the thread it started on",
          "[fibers]") {
  constexpr std::size_t kFibers = 20;
  Waiters waiters;
  Countdown finished(kFibers);
  std::mutex mutex;
  std::vector<std::pair<std::thread::id, std::thread::id>> threads;  // before and after the suspend
  TestPool pool(2, kFibers, &waiters);
  for (std::size_t i = 0; i < kFibers; ++i) {
    REQUIRE(pool->try_spawn([&] {
      const auto before = std::this_thread::get_id();
      waiters.suspend();
      const auto after = std::this_thread::get_id();
      std::lock_guard lock(mutex);
      threads.emplace_back(before, after);
      finished.count_down();
    }));
  }
  REQUIRE(waiters.wait_for(kFibers));
  CHECK_FALSE(finished.wait(20ms));  // none goes on before its Resume
  PlainThread resumer([&] { waiters.resume(); });
  REQUIRE(resumer.ended());
  REQUIRE(finished.wait());
  std::lock_guard lock(mutex);
  for (const auto& [before, after] : threads) {
    CHECK(before == after);
    CHECK(before != std::this_thread::get_id());
  }
}

TEST_CASE(
    "fibers: 1,000 fibers on 2 threads wait 3 times each, resumed in any order, and waiting holds no thread",
    "[fibers]") {
  constexpr std::size_t kFibers = 1000;
  Waiters waiters;
  Countdown finished(kFibers);
  Countdown extra_ran(1);
  std::atomic<int> moved{0};
  TestPool pool(2, kFibers + 1, &waiters);
  for (std::size_t i = 0; i < kFibers; ++i) {
    REQUIRE(pool->try_spawn([&] {
      const auto thread = std::this_thread::get_id();
      for (int wait = 0; wait < 3; ++wait) {
        waiters.suspend();
        if (std::this_thread::get_id() != thread) ++moved;
      }
      finished.count_down();
    }));
  }
  std::mt19937 random(20260401);
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    REQUIRE(waiters.wait_for(kFibers));
    if (round == 0) {
      CHECK(pool->running() == kFibers);
      // Every fiber waits; the threads must still be free to run a new one.
      REQUIRE(pool->try_spawn([&] { extra_ran.count_down(); }));
      REQUIRE(extra_ran.wait());
    }
    std::vector<runtime::Resume> resumes = waiters.take();
    std::shuffle(resumes.begin(), resumes.end(), random);
    PlainThread resumer([&] {
      for (auto& resume : resumes) resume();
    });
    REQUIRE(resumer.ended());
  }
  REQUIRE(finished.wait());
  CHECK(moved == 0);
  CHECK(eventually([&] { return pool->running() == 0; }));
}

TEST_CASE("fibers: a start that calls the Resume itself ends the wait at once", "[fibers]") {
  constexpr std::size_t kFibers = 100;
  Countdown finished(kFibers);
  std::atomic<int> wrong{0};
  TestPool pool(2, kFibers);
  for (std::size_t i = 0; i < kFibers; ++i) {
    REQUIRE(pool->try_spawn([&] {
      const auto thread = std::this_thread::get_id();
      for (int wait = 0; wait < 10; ++wait) {
        bool on_caller = false;
        fiber::suspend([&](runtime::Resume resume) {
          on_caller = std::this_thread::get_id() == thread;
          resume();
        });
        if (!on_caller || std::this_thread::get_id() != thread) ++wrong;
      }
      finished.count_down();
    }));
  }
  REQUIRE(finished.wait());
  CHECK(wrong == 0);
}

TEST_CASE("fibers: suspend off a fiber blocks the calling thread until the Resume is called", "[fibers]") {
  std::promise<runtime::Resume> handed;
  auto resume = handed.get_future();
  std::atomic<bool> on_fiber{true};
  PlainThread waiter([&] {
    on_fiber = fiber::active();
    fiber::suspend([&](runtime::Resume given) { handed.set_value(std::move(given)); });
  });
  REQUIRE(resume.wait_for(kWait) == std::future_status::ready);
  CHECK_FALSE(on_fiber);
  CHECK_FALSE(waiter.ended(50ms));
  PlainThread resumer([call = resume.get()] { call(); });
  REQUIRE(resumer.ended());
  CHECK(waiter.ended());
}

TEST_CASE("fibers: beyond fibers_max try_spawn refuses, and accepts again once a fiber has ended",
          "[fibers]") {
  constexpr std::size_t kMax = 4;
  Waiters waiters;
  std::atomic<bool> refused_ran{false};
  Countdown later_ran(1);
  TestPool pool(2, kMax, &waiters);
  for (std::size_t i = 0; i < kMax; ++i) REQUIRE(pool->try_spawn([&] { waiters.suspend(); }));
  REQUIRE(waiters.wait_for(kMax));
  CHECK(pool->running() == kMax);
  CHECK_FALSE(pool->try_spawn([&] { refused_ran = true; }));
  waiters.resume(1);
  REQUIRE(eventually([&] { return pool->running() == kMax - 1; }));
  CHECK(pool->try_spawn([&] { later_ran.count_down(); }));
  CHECK(later_ran.wait());
  waiters.resume();
  CHECK(eventually([&] { return pool->running() == 0; }));
  CHECK_FALSE(refused_ran);
}

TEST_CASE("fibers: a job that throws, before or after a wait, does not take the pool down", "[fibers]") {
  Waiters waiters;
  Countdown later_ran(1);
  TestPool pool(1, 8, &waiters);
  REQUIRE(pool->try_spawn([] { throw std::runtime_error("a job failing on purpose"); }));
  REQUIRE(pool->try_spawn([] { throw 42; }));
  REQUIRE(pool->try_spawn([&] {
    waiters.suspend();
    throw std::runtime_error("a job failing on purpose after a wait");
  }));
  REQUIRE(waiters.wait_for(1));
  PlainThread resumer([&] { waiters.resume(); });
  REQUIRE(resumer.ended());
  REQUIRE(pool->try_spawn([&] { later_ran.count_down(); }));
  CHECK(later_ran.wait());
  CHECK(eventually([&] { return pool->running() == 0; }));
}

TEST_CASE("fibers: shutdown waits for a suspended fiber, then refuses new ones", "[fibers]") {
  Waiters waiters;
  std::atomic<bool> ended{false};
  std::atomic<bool> late_ran{false};
  TestPool pool(2, 8, &waiters);
  REQUIRE(pool->try_spawn([&] {
    waiters.suspend();
    ended = true;
  }));
  REQUIRE(waiters.wait_for(1));
  PlainThread stopping([&] { pool->shutdown(); });
  CHECK_FALSE(stopping.ended(100ms));  // the fiber still waits
  PlainThread resumer([&] { waiters.resume(); });
  REQUIRE(resumer.ended());
  REQUIRE(stopping.ended());
  CHECK(ended);
  CHECK(pool->running() == 0);
  CHECK_FALSE(pool->try_spawn([&] { late_ran = true; }));
  pool->shutdown();  // idempotent
  CHECK_FALSE(late_ran);
}

namespace {

// About 1 KiB of stack per call, all of it written.
std::size_t use_stack(std::size_t depth) {
  volatile char frame[1024];
  for (std::size_t i = 0; i < sizeof frame; ++i) frame[i] = static_cast<char>(depth + i);
  const std::size_t below = depth == 0 ? 0 : use_stack(depth - 1);
  return below + static_cast<unsigned char>(frame[depth % sizeof frame]);
}

std::string alphabet_text(std::size_t bytes) {
  std::string text;
  for (std::size_t i = 0; i < bytes; ++i) text.push_back(static_cast<char>('a' + i % 26));
  return text;
}

thread_local std::set<std::size_t> marks_of_this_thread;

}  // namespace

TEST_CASE("fibers: a fiber's stack holds 64 KiB of frames and a 100 KB string is built on it", "[fibers]") {
  std::size_t sum = 0;
  std::string text;
  Countdown finished(1);
  TestPool pool(1, 4);
  REQUIRE(pool->try_spawn([&] {
    sum = use_stack(63);
    text = alphabet_text(100'000);
    finished.count_down();
  }));
  REQUIRE(finished.wait());
  CHECK(sum == use_stack(63));
  CHECK(text == alphabet_text(100'000));
}

TEST_CASE("fibers: thread_local values set before a suspend are there after it", "[fibers]") {
  constexpr std::size_t kFibers = 8;
  Waiters waiters;
  Countdown finished(kFibers);
  std::atomic<int> lost{0};
  TestPool pool(2, kFibers, &waiters);
  for (std::size_t i = 0; i < kFibers; ++i) {
    REQUIRE(pool->try_spawn([&, i] {
      marks_of_this_thread.insert(i);
      waiters.suspend();
      if (marks_of_this_thread.erase(i) != 1) ++lost;
      finished.count_down();
    }));
  }
  REQUIRE(waiters.wait_for(kFibers));
  PlainThread resumer([&] { waiters.resume(); });
  REQUIRE(resumer.ended());
  REQUIRE(finished.wait());
  CHECK(lost == 0);
}

TEST_CASE("fibers: sleep_for pauses a fiber without holding its thread, and a plain thread by sleeping",
          "[fibers]") {
  // One thread: the short fiber can only end first if the long one's pause left the thread free.
  std::mutex mutex;
  std::vector<std::string> ended;
  Countdown finished(2);
  TestPool pool(1, 4);
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration paused{};
  REQUIRE(pool->try_spawn([&] {
    fiber::sleep_for(300ms);
    paused = std::chrono::steady_clock::now() - started;
    std::lock_guard lock(mutex);
    ended.push_back("long");
    finished.count_down();
  }));
  REQUIRE(pool->try_spawn([&] {
    fiber::sleep_for(10ms);
    std::lock_guard lock(mutex);
    ended.push_back("short");
    finished.count_down();
  }));
  REQUIRE(finished.wait());
  CHECK(ended == std::vector<std::string>{"short", "long"});
  CHECK(paused >= 300ms);
  const auto before = std::chrono::steady_clock::now();
  fiber::sleep_for(20ms);
  CHECK(std::chrono::steady_clock::now() - before >= 20ms);
}

namespace {

// A loopback server that answers "<method> <target> <body>" 5 ms later from a thread of its own, so that
// requests overlap; it counts how many wait at once. "/never" is answered only when the server ends.
class EchoServer {
 public:
  EchoServer()
      : server_(
            "127.0.0.1", 0, runtime::ServerLimits{},
            [this](runtime::HttpRequest request, runtime::Responder respond) {
              take(std::move(request), std::move(respond));
            },
            1),
        io_thread_([this] { server_.run(); }),
        answer_thread_([this] { answer(); }) {}
  ~EchoServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    answer_thread_.join();
    server_.stop();
    io_thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::size_t waiting_max() {
    std::lock_guard lock(mutex_);
    return waiting_max_;
  }
  bool wait_never(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return never_.size() >= count; });
  }

 private:
  struct Pending {
    std::chrono::steady_clock::time_point due;
    runtime::Responder respond;
    std::string body;
  };

  void take(runtime::HttpRequest request, runtime::Responder respond) {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      lock.unlock();
      respond(runtime::HttpResponse{0, "text/plain", "", {}});
      return;
    }
    if (request.target == "/never") {
      never_.push_back(std::move(respond));
    } else {
      pending_.push_back({std::chrono::steady_clock::now() + 5ms, std::move(respond),
                          request.method + " " + request.target + " " + request.body});
      waiting_max_ = std::max(waiting_max_, pending_.size());
    }
    changed_.notify_all();
  }

  void answer() {
    std::unique_lock lock(mutex_);
    while (!stopping_ || !pending_.empty()) {
      if (pending_.empty()) {
        changed_.wait(lock);
      } else if (!stopping_ && std::chrono::steady_clock::now() < pending_.front().due) {
        changed_.wait_until(lock, pending_.front().due);
      } else {
        Pending next = std::move(pending_.front());
        pending_.pop_front();
        lock.unlock();
        next.respond(runtime::HttpResponse{200, "text/plain", next.body, {}});
        lock.lock();
      }
    }
    for (auto& respond : std::exchange(never_, {})) respond(runtime::HttpResponse{0, "text/plain", "", {}});
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending> pending_;
  std::vector<runtime::Responder> never_;
  std::size_t waiting_max_ = 0;
  bool stopping_ = false;
  runtime::HttpServer server_;
  std::thread io_thread_;
  std::thread answer_thread_;
};

// What is wrong with an answer to an echo request; empty when nothing.
std::string wrong_echo(const Result<runtime::HttpResponse, runtime::ClientError>& answer,
                       const std::string& expected) {
  if (!answer) return answer.error().message;
  if (answer->status != 200) return "status " + std::to_string(answer->status);
  return answer->body == expected ? "" : "body " + answer->body;
}

}  // namespace

TEST_CASE("fibers: HttpClient on fibers waits without holding the thread, and still works off a fiber",
          "[fibers][http]") {
  constexpr std::size_t kFibers = 50;
  EchoServer server;
  std::mutex mutex;
  std::vector<std::string> wrong;
  Countdown finished(kFibers);
  std::optional<runtime::ClientErrorKind> impatient_error;
  std::atomic<bool> impatient_ended{false};
  bool impatient_ended_before_other = true;
  std::string other_wrong = "not run";
  Countdown impatient_done(1);
  Countdown other_done(1);
  TestPool pool(1, kFibers);
  // Destroyed before the pool: its connections made on fibers belong to the pool's loops.
  runtime::HttpClient client(server.url(), runtime::ClientLimits{});
  runtime::ClientLimits short_limits;
  short_limits.request_timeout = 500ms;
  runtime::HttpClient impatient(server.url(), short_limits);

  for (std::size_t i = 0; i < kFibers; ++i) {
    REQUIRE(pool->try_spawn([&, i] {
      for (int k = 0; k < 3; ++k) {
        const std::string target = "/echo/" + std::to_string(i) + "/" + std::to_string(k);
        const std::string body = "fiber " + std::to_string(i) + " request " + std::to_string(k);
        const auto problem =
            wrong_echo(client.request("POST", target, body, "text/plain"), "POST " + target + " " + body);
        std::lock_guard lock(mutex);
        if (!problem.empty()) wrong.push_back(target + ": " + problem);
      }
      finished.count_down();
    }));
  }
  REQUIRE(finished.wait());
  CHECK(wrong == std::vector<std::string>{});
  CHECK(server.waiting_max() > 1);  // one thread had several requests under way at once

  // A request that times out on one fiber while another fiber of the same thread is served: the other's
  // answer, 5 ms away, comes long before the 500 ms are up unless the thread waits for the first.
  REQUIRE(pool->try_spawn([&] {
    const auto answer = impatient.request("GET", "/never");
    if (!answer) impatient_error = answer.error().kind;
    impatient_ended = true;
    impatient_done.count_down();
  }));
  REQUIRE(server.wait_never(1));
  REQUIRE(pool->try_spawn([&] {
    other_wrong = wrong_echo(client.request("GET", "/echo/other"), "GET /echo/other ");
    impatient_ended_before_other = impatient_ended;
    other_done.count_down();
  }));
  REQUIRE(other_done.wait());
  CHECK(other_wrong == "");
  CHECK_FALSE(impatient_ended_before_other);
  REQUIRE(impatient_done.wait());
  CHECK(impatient_error == runtime::ClientErrorKind::timeout);

  // Off a fiber the same client blocks as before, never on a connection kept for a fiber's loop: while the
  // pool runs and after its shutdown.
  for (const std::string phase : {"running", "stopped"}) {
    if (phase == "stopped") pool->shutdown();
    std::string plain_wrong;
    PlainThread plain([&] {
      for (int k = 0; k < 3 && plain_wrong.empty(); ++k) {
        const std::string target = "/plain/" + phase + "/" + std::to_string(k);
        plain_wrong = wrong_echo(client.request("GET", target), "GET " + target + " ");
      }
    });
    REQUIRE(plain.ended());
    CHECK(plain_wrong == "");
  }
}
