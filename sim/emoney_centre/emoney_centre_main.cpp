// kessai-sim emoney-centre: an e-money centre over HTTP/JSON, as kessai's e-money adapter expects one.
// The API is CentreFront's (emoney_front.hpp); here are the sockets, the journals on disk, the latency
// and the fault plan. Every new payment is appended to <state-dir>/payments.jsonl, every refund to
// refunds.jsonl; both are replayed on start, and the cards' balances derived from them again.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "emoney_book.hpp"
#include "emoney_centre_main.hpp"
#include "emoney_front.hpp"
#include "emoney_records.hpp"
#include "kessai/runtime/http_server.hpp"
#include "kessai/runtime/log.hpp"
#include "kessai/runtime/worker_pool.hpp"

namespace kessai::sim {

namespace json = boost::json;

namespace {

// Slow answers must not hold up the others; a full queue answers 503 at once.
constexpr std::size_t kWorkerThreads = 32;
constexpr std::size_t kQueuedRequestsMax = 10'000;

runtime::HttpResponse reply(unsigned status, const json::object& body) {
  runtime::HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

class EmoneyCentreSim {
 public:
  explicit EmoneyCentreSim(const SimOptions& options)
      : options_(options), book_(options.seed, options.decline_rate), faults_(options.faults, options.seed) {
    const std::filesystem::path dir(options.state_dir);
    std::filesystem::create_directories(dir);
    {
      std::ifstream payment_lines(dir / "payments.jsonl");
      std::ifstream refund_lines(dir / "refunds.jsonl");
      const emoney::JournalLoad load = emoney::load_journals(book_, payment_lines, refund_lines);
      log::info("journals_loaded", {{"payments", std::uint64_t{load.payments}},
                                    {"refunds", std::uint64_t{load.refunds}},
                                    {"skipped_lines", std::uint64_t{load.skipped_lines}},
                                    {"refunds_not_counted", std::uint64_t{load.refunds_not_counted}}});
    }
    payments_journal_.open(dir / "payments.jsonl", std::ios::app);
    refunds_journal_.open(dir / "refunds.jsonl", std::ios::app);
    if (!payments_journal_ || !refunds_journal_) {
      throw std::runtime_error("cannot append to the journals in " + options.state_dir);
    }
  }

  // Applies the latency and the fault plan to requests that change something, then answers.
  runtime::HttpResponse handle_with_faults(const runtime::HttpRequest& request) {
    const bool post = request.method == "POST";
    const Fault fault = post ? faults_.next() : Fault::none;
    if (fault == Fault::unavailable) {
      log::info("fault_injected", {{"fault", "unavailable"}, {"path", request.path()}});
      return reply(503,
                   json::object{{"error", "unavailable"}, {"message", "temporarily unavailable; retry"}});
    }
    if (post && options_.latency_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    }
    runtime::HttpResponse response = front_.handle(request);
    if (fault == Fault::slow_answer) {
      log::info("fault_injected", {{"fault", "slow_answer"}, {"path", request.path()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(faults_.rates().slow_answer_ms));
    } else if (fault == Fault::lost_response) {
      log::info("fault_injected", {{"fault", "lost_response"}, {"path", request.path()}});
      response.status = 0;
    }
    return response;
  }

 private:
  SimOptions options_;
  emoney::CentreBook book_;
  FaultPlan faults_;
  std::ofstream payments_journal_;
  std::ofstream refunds_journal_;
  emoney::CentreFront front_{book_, payments_journal_, refunds_journal_, &emoney::utc_now};
};

}  // namespace

int run_emoney_centre(const SimOptions& options) {
  log::configure("kessai-sim emoney-centre", log::Level::info);
  EmoneyCentreSim sim(options);
  runtime::WorkerPool workers(kWorkerThreads, kQueuedRequestsMax);
  runtime::HttpServer server(
      options.host, options.port, runtime::ServerLimits{},
      [&](runtime::HttpRequest request, runtime::Responder respond) {
        auto job = [&sim, request = std::move(request), respond]() {
          respond(sim.handle_with_faults(request));
        };
        if (!workers.try_post(job)) respond(reply(503, json::object{{"error", "overloaded"}}));
      },
      1);
  if (!options.port_file.empty()) runtime::write_port_file(options.port_file, server.port());
  log::info("simulator_listening", {{"port", unsigned{server.port()}}, {"state_dir", options.state_dir}});
  server.run();
  workers.shutdown();
  return 0;
}

}  // namespace kessai::sim
