// kessai-sim payeasy-centre: a Pay-easy (MPN) centre over HTTP/JSON, as kessai's Pay-easy adapter expects
// one. The API is CentreFront's (payeasy_front.hpp); here are the process's parts: <state-dir>/numbers.jsonl
// reloaded and appended to, the notifier (notices.jsonl, its worker), the simulated payer of
// --auto-pay-rate, the latency on the API's POSTs, the settlement files' directory and fee (--settlement-dir,
// --fee-yen), and serve_simulator (sockets, workers, fault plan).

#include "payeasy_centre_main.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "notifier.hpp"
#include "payeasy_book.hpp"
#include "payeasy_front.hpp"
#include "payeasy_records.hpp"
#include "settlement_day.hpp"
#include "sim_server.hpp"
#include "utc_time.hpp"

namespace kessai::sim {

namespace {

// Numbers waiting for the simulated payer; beyond that a number drawn for auto-pay is left unpaid.
constexpr std::size_t kAutoPaysPendingMax = 10'000;

// The simulated payer: pays each number it is given after_ms later, in the order given (every number
// waits the same time, so that is also the order they fall due). Auto-pays do not survive a restart.
class AutoPayer {
 public:
  AutoPayer(std::chrono::milliseconds after, std::function<void(const std::string&)> pay)
      : after_(after), pay_(std::move(pay)), worker_([this] { run(); }) {}
  ~AutoPayer() { stop(); }
  AutoPayer(const AutoPayer&) = delete;
  AutoPayer& operator=(const AutoPayer&) = delete;

  void schedule(const std::string& number_id) {
    std::lock_guard lock(mutex_);
    if (due_.size() >= kAutoPaysPendingMax) {
      log::warn("auto_pay_dropped", {{"number", number_id}});
      return;
    }
    due_.push_back({number_id, std::chrono::steady_clock::now() + after_});
    wake_.notify_all();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

 private:
  struct Due {
    std::string number_id;
    std::chrono::steady_clock::time_point at;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || !due_.empty(); });
      if (stopping_) return;
      const Due next = due_.front();
      if (wake_.wait_until(lock, next.at, [this] { return stopping_; })) return;
      due_.pop_front();
      lock.unlock();
      pay_(next.number_id);
      lock.lock();
    }
  }

  std::chrono::milliseconds after_;
  std::function<void(const std::string&)> pay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Due> due_;
  bool stopping_ = false;
  std::thread worker_;  // last: started once the rest is ready
};

class PayeasyCentreSim {
 public:
  explicit PayeasyCentreSim(const SimOptions& options)
      : options_(options), book_(options.institution_number, options.seed, options.auto_pay_rate) {
    const std::filesystem::path dir(options.state_dir);
    std::filesystem::create_directories(dir);
    {
      std::ifstream lines(dir / "numbers.jsonl");
      const payeasy::NumberLoad loaded = payeasy::load_journal(book_, lines);
      log::info("journals_loaded", {{"numbers", std::uint64_t{loaded.numbers}},
                                    {"skipped_lines", std::uint64_t{loaded.skipped_lines}}});
    }
    open_journal(numbers_journal_, dir / "numbers.jsonl");
    if (!numbers_journal_) throw std::runtime_error("cannot append to the journals in " + options.state_dir);
  }

  ~PayeasyCentreSim() { auto_payer_.stop(); }  // before the front it pays through goes

  // The latency applies to the API's POSTs, not to the /sim/ control endpoints (nor are they faulted).
  runtime::HttpResponse handle(const runtime::HttpRequest& request) {
    if (request.method == "POST" && options_.latency_ms > 0 &&
        !request.path().starts_with(kControlPathPrefix)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    }
    return front_.handle(request);
  }

 private:
  SimOptions options_;
  payeasy::CentreBook book_;
  std::ofstream numbers_journal_;
  NotifierProcess notices_{options_, "pen"};
  payeasy::CentreFront front_{book_,
                              numbers_journal_,
                              notices_.notifier(),
                              &unix_seconds_now,
                              {settlement_directory(options_), options_.fee_per_payment_yen},
                              [this](const std::string& id) { auto_payer_.schedule(id); }};
  AutoPayer auto_payer_{std::chrono::milliseconds(options_.auto_pay_after_ms),
                        [this](const std::string& id) { front_.auto_pay(id); }};
};

}  // namespace

int run_payeasy_centre(const SimOptions& options) {
  log::configure("kessai-sim payeasy-centre", log::Level::info);
  if (options.callback_secret.empty()) {
    throw std::invalid_argument("--callback-secret is required: the centre signs its notices with it");
  }
  PayeasyCentreSim sim(options);
  return serve_simulator(options,
                         [&sim](const runtime::HttpRequest& request) { return sim.handle(request); });
}

}  // namespace kessai::sim
