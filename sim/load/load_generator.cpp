#include "load_generator.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "load_request.hpp"
#include "rate_schedule.hpp"

namespace kessai::sim::load {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kConnectTimeout{2'000};
// After a failed connect, a connection rests this long before its next request, so that a kessaid that
// is down is not hammered and the errors stay countable.
constexpr std::chrono::milliseconds kReconnectDelay{100};
constexpr std::size_t kAnswerBytesMax = 1024 * 1024;  // a payment intent is about 1 KB
// The threads start together, this long after they were created.
constexpr std::chrono::milliseconds kStartDelay{20};
// A thread's --record lines go to the file when this many bytes wait, a second after the last time, when
// an error says kessaid may be gone, and at the end: the file trails the answers by about a second.
constexpr std::size_t kRecordBufferBytes = 64 * 1024;
constexpr std::chrono::seconds kRecordFlushInterval{1};

// A counter with one writer (its thread) and any readers: a plain load and store, no locked instruction.
void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// The times every thread shares.
struct RunTimes {
  Clock::time_point start{};         // the warm-up begins; request 0 of the open loop is due
  Clock::time_point measure_from{};  // requests due (sent) from here on are counted
  Clock::time_point end{};           // none are due (sent) from here on
};

std::string_view error_name(const beast::error_code& error) {
  if (error == beast::error::timeout) return kErrorTimeout;
  if (error == http::error::end_of_stream || error == asio::error::eof ||
      error == asio::error::connection_reset || error == asio::error::broken_pipe ||
      error == asio::error::connection_aborted)
    return kErrorConnectionLost;
  return kErrorMalformed;
}

}  // namespace

class LoadGenerator::Worker {
 public:
  Worker(const LoadOptions& options, const RequestTemplate& request, RecordFile* record, std::uint64_t index)
      : options_(options), request_(request), record_(record), index_(index), tick_(io_) {
    for (std::uint64_t c = index; c < options.connections; c += options.threads)
      connections_.push_back(std::make_unique<Connection>(io_));
    if (options.open_loop()) schedule_.emplace(options.rate_per_s, options.threads, index);
  }

  // Connects every connection, in the calling thread; how many did. problem: the last failure.
  std::size_t connect_all(const tcp::endpoint& endpoint, std::string& problem) {
    endpoint_ = endpoint;
    std::size_t connected = 0;
    for (auto& connection : connections_) {
      Connection& c = *connection;
      c.stream.emplace(io_);
      c.stream->expires_after(kConnectTimeout);
      c.stream->async_connect(endpoint_, [&c, &connected, &problem](const beast::error_code& error) {
        if (error) {
          problem = error.message();
          return;
        }
        opened(c);
        ++connected;
      });
    }
    io_.run();
    io_.restart();
    return connected;
  }

  // The load of this thread, to its end.
  void run(const RunTimes& times) {
    times_ = times;
    if (schedule_) {
      total_ = schedule_->due_before(to_ns(times.end - times.start));
      for (auto& connection : connections_) idle_.push_back(connection.get());
    }
    tick_.expires_at(times.start);
    tick_.async_wait([this](const beast::error_code& error) {
      if (error) return;
      if (schedule_) return on_tick();
      for (auto& connection : connections_) send_next(*connection);
    });
    records_flushed_at_ = Clock::now();
    io_.run();
    flush_records();
  }

  // From any thread: run() returns after the handler under way, whatever is still awaited.
  void stop() { io_.stop(); }

  LiveCounts live() const {
    return LiveCounts{
        live_answered_.load(std::memory_order_relaxed), live_succeeded_.load(std::memory_order_relaxed),
        live_failed_.load(std::memory_order_relaxed), live_errors_.load(std::memory_order_relaxed),
        live_waiting_.load(std::memory_order_relaxed)};
  }
  const LoadTally& tally() const { return tally_; }
  std::optional<Clock::time_point> last_counted_answer() const { return last_counted_answer_; }

 private:
  struct Connection {
    explicit Connection(asio::io_context& io) : backoff(io) {}
    std::optional<beast::tcp_stream> stream;  // made anew for each connect
    asio::steady_timer backoff;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::string request;
    bool connected = false;
    Clock::time_point due{};      // the latency counts from here
    std::int64_t amount_yen = 0;  // of the request under way, for --record
    bool counted = false;
  };

  static std::int64_t to_ns(Clock::duration duration) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
  }

  // Open loop: every request due by now is started on an idle connection, or waits for one.
  void on_tick() {
    const Clock::time_point now = Clock::now();
    next_due_ = std::min(total_, schedule_->due_by(to_ns(now - times_.start)));
    launch(now);
    if (next_due_ >= total_) return;
    tick_.expires_at(times_.start + std::chrono::nanoseconds(schedule_->due_ns(next_due_)));
    tick_.async_wait([this](const beast::error_code& error) {
      if (!error) on_tick();
    });
  }

  // Open loop: the waiting requests, oldest first, onto idle connections; those waiting beyond the
  // timeout are given up.
  void launch(Clock::time_point now) {
    const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
    while (next_start_ < next_due_) {
      const std::uint64_t k = next_start_;
      const Clock::time_point due = times_.start + std::chrono::nanoseconds(schedule_->due_ns(k));
      const bool counted = due >= times_.measure_from;
      if (now - due > timeout) {
        ++next_start_;
        if (counted) tally_.count_error(kErrorTimeoutInQueue);
        bump(live_errors_);
        continue;
      }
      if (idle_.empty()) break;
      ++next_start_;
      if (counted && k < late_until_) ++tally_.late_starts;
      Connection* connection = idle_.back();
      idle_.pop_back();
      issue(*connection, schedule_->request_of(k), due, counted);
    }
    // Those still waiting did not find a connection when due: late, whenever they start.
    if (next_start_ < next_due_) late_until_ = next_due_;
    live_waiting_.store(next_due_ - next_start_, std::memory_order_relaxed);
    finish_if_done();
  }

  // Closed loop: the connection's next request, unless the run is over.
  void send_next(Connection& c) {
    const Clock::time_point now = Clock::now();
    if (now >= times_.end) {
      finish_if_done();
      return;
    }
    const std::uint64_t sequence = index_ + next_closed_ * options_.threads;
    ++next_closed_;
    issue(c, sequence, now, now >= times_.measure_from);
  }

  void issue(Connection& c, std::uint64_t sequence, Clock::time_point due, bool counted) {
    ++in_flight_;
    c.due = due;
    c.counted = counted;
    c.amount_yen = amount_of(options_.seed, sequence);
    request_.render(sequence, c.amount_yen, c.request);
    if (c.connected) {
      write(c);
      return;
    }
    c.stream.emplace(io_);
    c.stream->expires_after(
        std::min<Clock::duration>(kConnectTimeout, std::chrono::milliseconds(options_.timeout_ms)));
    c.stream->async_connect(endpoint_, [this, &c](const beast::error_code& error) {
      if (!error) {
        opened(c);
        write(c);
        return;
      }
      count_error(c, kErrorConnect);
      close(c);
      c.backoff.expires_after(kReconnectDelay);
      c.backoff.async_wait([this, &c](const beast::error_code&) { on_free(c); });
    });
  }

  static void opened(Connection& c) {
    beast::error_code ignored;
    c.stream->socket().set_option(tcp::no_delay(true), ignored);
    c.connected = true;
  }

  void write(Connection& c) {
    if (c.counted) ++tally_.sent;
    c.stream->expires_after(std::chrono::milliseconds(options_.timeout_ms));  // the write and the read
    asio::async_write(*c.stream, asio::buffer(c.request),
                      [this, &c](const beast::error_code& error, std::size_t) {
                        if (error) return on_failure(c, error);
                        read(c);
                      });
  }

  void read(Connection& c) {
    c.parser.emplace();
    c.parser->body_limit(kAnswerBytesMax);
    http::async_read(*c.stream, c.buffer, *c.parser, [this, &c](const beast::error_code& error, std::size_t) {
      if (error) return on_failure(c, error);
      on_answer(c);
    });
  }

  void on_answer(Connection& c) {
    const Clock::time_point now = Clock::now();
    const http::response<http::string_body>& answer = c.parser->get();
    const unsigned status = answer.result_int();
    bump(live_answered_);
    bump(status == 201 ? live_succeeded_ : live_failed_);
    if (status == 201 && now >= times_.measure_from && now < times_.end) ++tally_.succeeded_in_window;
    if (c.counted) {
      tally_.latency.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c.due).count()));
      if (status == 201) {
        ++tally_.succeeded;
      } else {
        ++tally_.failed;
        ++tally_.failed_by_code[failure_key(status, answer[http::field::content_type], answer.body())];
      }
      last_counted_answer_ = now;
    }
    if (record_ != nullptr) record(c, status, answer.body(), now);
    if (!answer.keep_alive()) close(c);
    on_free(c);
  }

  void on_failure(Connection& c, const beast::error_code& error) {
    count_error(c, error_name(error));
    close(c);
    on_free(c);
  }

  void count_error(const Connection& c, std::string_view name) {
    bump(live_errors_);
    if (c.counted) tally_.count_error(name);
    // kessaid may be gone (killed, crashed): what it acknowledged before goes to the file now.
    flush_records();
  }

  // Every acknowledged payment, warm-up included: what kessaid said it kept.
  void record(const Connection& c, unsigned status, std::string_view body, Clock::time_point now) {
    const std::string_view id = acknowledged_intent_id(status, body);
    if (id.empty()) return;
    append_record_line(records_, id, c.amount_yen);
    if (records_.size() >= kRecordBufferBytes || now - records_flushed_at_ >= kRecordFlushInterval)
      flush_records();
  }

  void flush_records() {
    if (record_ == nullptr || records_.empty()) return;
    record_->append(records_);
    records_.clear();
    records_flushed_at_ = Clock::now();
  }

  void close(Connection& c) {
    if (c.stream) {
      beast::error_code ignored;
      c.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      c.stream->close();
    }
    c.connected = false;
    c.buffer.clear();
  }

  void on_free(Connection& c) {
    --in_flight_;
    if (!schedule_) return send_next(c);
    idle_.push_back(&c);
    launch(Clock::now());
  }

  // When nothing is left to send or to await: the connections closed, so that the event loop ends.
  void finish_if_done() {
    if (finished_ || in_flight_ > 0) return;
    if (schedule_ ? next_start_ < total_ : Clock::now() < times_.end) return;
    finished_ = true;
    tick_.cancel();
    for (auto& connection : connections_) {
      connection->backoff.cancel();
      close(*connection);
    }
  }

  const LoadOptions& options_;
  const RequestTemplate& request_;
  RecordFile* const record_;   // null without --record
  const std::uint64_t index_;  // of this thread
  asio::io_context io_{1};
  asio::steady_timer tick_;
  tcp::endpoint endpoint_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  RunTimes times_;
  std::uint64_t in_flight_ = 0;  // issued, not yet free again
  bool finished_ = false;
  // Open loop: this thread's requests 0 .. total_; those before next_due_ are due, those before
  // next_start_ started (or given up); those before late_until_ waited for a connection.
  std::optional<RateSchedule> schedule_;
  std::uint64_t total_ = 0;
  std::uint64_t next_due_ = 0;
  std::uint64_t next_start_ = 0;
  std::uint64_t late_until_ = 0;
  std::uint64_t next_closed_ = 0;  // closed loop: this thread's requests sent so far
  LoadTally tally_;
  std::optional<Clock::time_point> last_counted_answer_;
  std::string records_;  // --record lines not yet in the file
  Clock::time_point records_flushed_at_{};
  std::atomic<std::uint64_t> live_answered_{0};
  std::atomic<std::uint64_t> live_succeeded_{0};
  std::atomic<std::uint64_t> live_failed_{0};
  std::atomic<std::uint64_t> live_errors_{0};
  std::atomic<std::uint64_t> live_waiting_{0};
};

LoadGenerator::LoadGenerator(const LoadOptions& options, RecordFile* record)
    : options_(options), request_(options) {
  for (std::uint64_t index = 0; index < options.threads; ++index)
    workers_.push_back(std::make_unique<Worker>(options, request_, record, index));
}

LoadGenerator::~LoadGenerator() = default;

bool LoadGenerator::connect() {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code error;
  const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), error);
  if (error || endpoints.empty()) {
    outcome_.problem = "cannot resolve " + options_.host + ": " + error.message();
    return false;
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  std::size_t connected = 0;
  std::string problem;
  for (auto& worker : workers_) connected += worker->connect_all(endpoint, problem);
  outcome_.reached = connected > 0;
  if (!outcome_.reached) outcome_.problem = "cannot connect to " + options_.url + ": " + problem;
  return outcome_.reached;
}

void LoadGenerator::run(const std::function<void(double elapsed_s, const LiveCounts& live)>& every_second,
                        const std::function<bool()>& stop_requested) {
  RunTimes times;
  times.start = Clock::now() + kStartDelay;
  times.measure_from = times.start + std::chrono::milliseconds(options_.warmup_ms);
  times.end = times.measure_from + std::chrono::milliseconds(options_.duration_ms);
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t running = workers_.size();
  std::vector<std::thread> threads;
  for (auto& worker : workers_) {
    threads.emplace_back([&, w = worker.get()] {
      w->run(times);
      std::lock_guard lock(mutex);
      --running;
      all_done.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    bool stopping = false;
    for (auto next = times.start + std::chrono::seconds(1);
         !all_done.wait_until(lock, next, [&] { return running == 0; }); next += std::chrono::seconds(1)) {
      if (!stopping && stop_requested()) {
        stopping = true;
        for (auto& worker : workers_) worker->stop();
        continue;
      }
      LiveCounts sum;
      for (const auto& worker : workers_) {
        const LiveCounts live = worker->live();
        sum.answered += live.answered;
        sum.succeeded += live.succeeded;
        sum.failed += live.failed;
        sum.errors += live.errors;
        sum.waiting += live.waiting;
      }
      lock.unlock();
      every_second(std::chrono::duration<double>(next - times.start).count(), sum);
      lock.lock();
    }
  }
  for (std::thread& thread : threads) thread.join();

  Clock::time_point last_answer = times.end;
  for (const auto& worker : workers_) {
    outcome_.tally.merge(worker->tally());
    outcome_.answered += worker->live().answered;
    if (auto at = worker->last_counted_answer()) last_answer = std::max(last_answer, *at);
  }
  outcome_.last_answer_s = std::chrono::duration<double>(last_answer - times.measure_from).count();
}

}  // namespace kessai::sim::load
