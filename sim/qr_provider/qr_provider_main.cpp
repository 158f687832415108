// kessai-sim qr-provider: a QR code-payment provider over HTTP/JSON, as kessai's QR adapter expects one.
// The API is ProviderFront's (qr_front.hpp); here are the journals on disk and the latency; the sockets,
// workers and fault plan are serve_simulator's (sim_server.hpp). Every new payment is appended to
// <state-dir>/payments.jsonl, every refund to refunds.jsonl; both are replayed on start, and the used
// codes and refunded amounts derived from them again.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "qr_book.hpp"
#include "qr_front.hpp"
#include "qr_provider_main.hpp"
#include "qr_records.hpp"
#include "sim_server.hpp"

namespace kessai::sim {

namespace {

class QrProviderSim {
 public:
  explicit QrProviderSim(const SimOptions& options)
      : options_(options), book_(options.seed, options.decline_rate) {
    const std::filesystem::path dir(options.state_dir);
    std::filesystem::create_directories(dir);
    {
      std::ifstream payment_lines(dir / "payments.jsonl");
      std::ifstream refund_lines(dir / "refunds.jsonl");
      const qr_provider::JournalLoad load = qr_provider::load_journals(book_, payment_lines, refund_lines);
      log::info("journals_loaded", {{"payments", std::uint64_t{load.payments}},
                                    {"refunds", std::uint64_t{load.refunds}},
                                    {"skipped_lines", std::uint64_t{load.skipped_lines}},
                                    {"refunds_not_counted", std::uint64_t{load.refunds_not_counted}}});
    }
    open_journal(payments_journal_, dir / "payments.jsonl");
    open_journal(refunds_journal_, dir / "refunds.jsonl");
    if (!payments_journal_ || !refunds_journal_) {
      throw std::runtime_error("cannot append to the journals in " + options.state_dir);
    }
  }

  // The latency applies to every POST the fault plan let through, before it is looked at.
  runtime::HttpResponse handle(const runtime::HttpRequest& request) {
    if (request.method == "POST" && options_.latency_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    }
    return front_.handle(request);
  }

 private:
  SimOptions options_;
  qr_provider::ProviderBook book_;
  std::ofstream payments_journal_;
  std::ofstream refunds_journal_;
  qr_provider::ProviderFront front_{book_, payments_journal_, refunds_journal_, &utc_now};
};

}  // namespace

int run_qr_provider(const SimOptions& options) {
  log::configure("kessai-sim qr-provider", log::Level::info);
  QrProviderSim sim(options);
  return serve_simulator(options,
                         [&sim](const runtime::HttpRequest& request) { return sim.handle(request); });
}

}  // namespace kessai::sim
