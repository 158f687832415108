#pragma once
// The QR provider's merchant-presented orders over HTTP, as a function from a request to its answer, in
// front of the provider's own API (ProviderFront: scanned codes' payments and every refund); no sockets.
//   POST /v1/orders                 create an order; de-duplicated on "reference"
//   GET  /v1/orders[?reference=…]   every order, or the one for a reference (inquiry)
//   GET  /v1/orders/{id}
//   POST /v1/orders/{id}/cancel     the merchant withdraws a pending order
//   POST /sim/scan                  a payer's wallet app scanned the order's code and pays: notice order.paid
//   POST /v1/refunds                with "payment": "qo_…", a refund of the order's payment (qp_…)
//   GET  /sim/callbacks, POST /sim/callbacks/release   the notices (notifier.hpp)
// Everything else is passed on. Before answering an order route, every pending order past its deadline
// is recorded expired.

#include <functional>
#include <mutex>
#include <ostream>
#include <string>

#include "kessai/runtime/http_types.hpp"
#include "notifier.hpp"
#include "qr_front.hpp"
#include "qr_orders.hpp"
#include "utc_time.hpp"

namespace kessai::sim::qr_provider {

constexpr std::string_view kOrderIdPrefix = "qo_";

class OrderFront {
 public:
  // Where the requests that are not the orders' go: the provider front (in the process, through its
  // latency and settlement endpoint).
  using PassOn = std::function<runtime::HttpResponse(const runtime::HttpRequest&)>;

  // Every change of an order is appended to orders_journal as its full record, one JSON line, flushed
  // before the answer leaves; a paid order's payment goes through `payments` (its journal), its notice
  // to the notifier. Orders are refused (409 callbacks_not_configured) when the notifier cannot sign.
  OrderFront(OrderBook& orders, ProviderFront& payments, std::ostream& orders_journal, Notifier& notifier,
             SecondsClock now);

  // Safe from several threads: a decision, its payment and its journal line are made under one lock.
  runtime::HttpResponse handle(const runtime::HttpRequest& request, const PassOn& provider);

 private:
  runtime::HttpResponse handle_order(std::string_view rest, const runtime::HttpRequest& request);
  runtime::HttpResponse create(const std::string& body);
  runtime::HttpResponse list(std::string_view query) const;
  runtime::HttpResponse cancel(const std::string& id);
  runtime::HttpResponse scan(const std::string& body);
  runtime::HttpResponse pay_locked(const ScanAttempt& attempt, const Order& order, std::int64_t now_s);
  runtime::HttpResponse refund(const runtime::HttpRequest& request, const PassOn& provider) const;
  void expire_due();

  OrderBook& orders_;
  ProviderFront& payments_;
  std::ostream& orders_journal_;
  Notifier& notifier_;
  SecondsClock now_;
  std::mutex changes_mutex_;  // held from a book decision to its journal line and notice
};

}  // namespace kessai::sim::qr_provider
