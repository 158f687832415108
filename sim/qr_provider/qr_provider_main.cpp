// kessai-sim qr-provider: a QR code-payment provider over HTTP/JSON, as kessai's QR adapter expects one.
// The API is ProviderFront's (qr_front.hpp); the journals on disk, the latency, the sockets, workers and
// fault plan are InstantSimulator's (instant_main.hpp). The used codes and refunded amounts are derived
// from the journals again on start. In front of it, the merchant-presented orders (OrderFront,
// qr_order_front.hpp) with <state-dir>/orders.jsonl and their notices (notices.jsonl).

#include "qr_provider_main.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "instant_main.hpp"
#include "kessai/runtime/log.hpp"
#include "notifier.hpp"
#include "qr_book.hpp"
#include "qr_front.hpp"
#include "qr_order_front.hpp"
#include "qr_order_records.hpp"
#include "qr_orders.hpp"
#include "qr_records.hpp"
#include "qr_settlement.hpp"

namespace kessai::sim {

namespace {

// The orders' part of the process: their journal, their notices, the latency on their POSTs.
class OrderDesk {
 public:
  OrderDesk(const SimOptions& options, qr_provider::ProviderFront& payments)
      : options_(options), front_(book_, payments, journal_, notices_.notifier(), &unix_seconds_now) {
    const std::filesystem::path path = std::filesystem::path(options.state_dir) / "orders.jsonl";
    {
      std::ifstream lines(path);
      const qr_provider::OrderLoad loaded = qr_provider::load_order_journal(book_, lines);
      log::info("orders_loaded", {{"orders", std::uint64_t{loaded.orders}},
                                  {"skipped_lines", std::uint64_t{loaded.skipped_lines}}});
    }
    open_journal(journal_, path);
    if (!journal_) throw std::runtime_error("cannot append to " + path.string());
  }

  runtime::HttpResponse handle(const runtime::HttpRequest& request,
                               const qr_provider::OrderFront::PassOn& provider) {
    if (request.method == "POST" && options_.latency_ms > 0 && request.path().starts_with("/v1/orders")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    }
    return front_.handle(request, provider);
  }

 private:
  SimOptions options_;
  qr_provider::OrderBook book_;
  std::ofstream journal_;
  NotifierProcess notices_{options_, "qon"};
  qr_provider::OrderFront front_;
};

}  // namespace

int run_qr_provider(const SimOptions& options) {
  auto mdr = mdr_table(qr_provider::default_mdr_table(), options.mdr);
  if (!mdr) throw std::invalid_argument(mdr.error());
  log::configure("kessai-sim qr-provider", log::Level::info);
  InstantSimulator<qr_provider::ProviderBook, qr_provider::ProviderFront> sim(
      options, &qr_provider::load_journals,
      // Customer-presented payments' settlement file (qr_settlement.hpp).
      [mdr = std::move(mdr).value()](const qr_provider::ProviderBook& book) {
        return qr_provider::settlement_layout(book, mdr);
      });
  OrderDesk orders(options, sim.front());
  const qr_provider::OrderFront::PassOn provider = [&sim](const runtime::HttpRequest& request) {
    return sim.handle(request);
  };
  return serve_simulator(options, [&orders, &provider](const runtime::HttpRequest& request) {
    return orders.handle(request, provider);
  });
}

}  // namespace kessai::sim
