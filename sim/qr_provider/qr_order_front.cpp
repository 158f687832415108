#include "qr_order_front.hpp"

#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "instant_front.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "mpm_payload.hpp"
#include "pending_terms.hpp"
#include "qr_order_records.hpp"

namespace kessai::sim::qr_provider {

namespace json = boost::json;

namespace {

constexpr std::string_view kOrdersPrefix = "/v1/orders/";

runtime::HttpResponse error_reply(unsigned status, std::string_view error, std::string message) {
  return reply(status, json::object{{"error", error}, {"message", std::move(message)}});
}

// An answer about the order's state (409) or its payer (402), naming the order.
runtime::HttpResponse order_error(unsigned status, std::string_view error, const Order& order,
                                  std::string message) {
  return reply(status, json::object{{"error", error},
                                    {"order", order.id},
                                    {"order_status", order.status},
                                    {"message", std::move(message)}});
}

std::optional<std::string> parse_scan_body(const std::string& body, std::string& payload,
                                           ScanAttempt& attempt) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  const json::string* scanned = text_field(object, "payload", kPayloadBytesMax);
  const json::value* wallet = object.if_contains("wallet");
  const json::value* payer = object.if_contains("payer");
  if (scanned == nullptr) return bytes_rule("payload", kPayloadBytesMax);
  if (wallet == nullptr || !wallet->is_string() || !wallet_named(wallet->as_string())) {
    return "wallet must be paypay, d_barai, au_pay or rakuten_pay";
  }
  if (payer != nullptr && (!payer->is_string() || payer->as_string().size() > kPayerBytesMax)) {
    return "payer must be a string of at most " + std::to_string(kPayerBytesMax) + " bytes";
  }
  payload = std::string(*scanned);
  attempt.wallet = std::string(wallet->as_string());
  attempt.payer = payer != nullptr ? std::string(payer->as_string()) : std::string();
  return std::nullopt;
}

void log_order(std::string_view event, const Order& order, int outcome) {
  log::info(event, {{"order", order.id},
                    {"reference", order.reference},
                    {"status", order.status},
                    {"outcome", outcome},
                    {"amount_yen", order.amount_yen}});
}

}  // namespace

OrderFront::OrderFront(OrderBook& orders, ProviderFront& payments, std::ostream& orders_journal,
                       Notifier& notifier, SecondsClock now)
    : orders_(orders),
      payments_(payments),
      orders_journal_(orders_journal),
      notifier_(notifier),
      now_(std::move(now)) {}

runtime::HttpResponse OrderFront::handle(const runtime::HttpRequest& request, const PassOn& provider) {
  const std::string_view path = request.path();
  const bool post = request.method == "POST";
  if (auto answer = callbacks_reply(notifier_, request)) return std::move(*answer);
  if (path == "/v1/refunds" && post) return refund(request, provider);
  const bool orders_route = path == "/v1/orders" || path.starts_with(kOrdersPrefix);
  if (!orders_route && !(path == "/sim/scan" && post)) return provider(request);
  expire_due();
  if (path == "/v1/orders" && post) return create(request.body);
  if (path == "/v1/orders" && request.method == "GET") return list(request.query());
  if (path.starts_with(kOrdersPrefix)) return handle_order(path.substr(kOrdersPrefix.size()), request);
  if (path == "/sim/scan") return scan(request.body);
  return not_found();
}

// "{id}" or "{id}/cancel".
runtime::HttpResponse OrderFront::handle_order(std::string_view rest, const runtime::HttpRequest& request) {
  const std::size_t slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (action.empty() && request.method == "GET") {
    const auto order = orders_.by_id(id);
    return order ? reply(200, order_json(*order)) : not_found("no such order");
  }
  if (action == "cancel" && request.method == "POST") return cancel(id);
  return not_found();
}

runtime::HttpResponse OrderFront::create(const std::string& body) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return bad_request("body must be a JSON object");
  PendingTerms terms;
  if (auto problem = parse_pending_terms(parsed.as_object(), kOrderAmountYenMax, terms)) {
    return bad_request(std::move(*problem));
  }
  if (!notifier_.configured()) {
    return error_reply(409, "callbacks_not_configured",
                       "orders need notices: start the provider with --callback-secret");
  }
  std::lock_guard lock(changes_mutex_);
  const CreateDecision decision = orders_.create(terms, now_());
  switch (decision.outcome) {
    case CreateOutcome::created:
      append_line(orders_journal_, order_json(decision.order));
      log_order("order_created", decision.order, static_cast<int>(decision.outcome));
      return reply(201, order_json(decision.order));
    case CreateOutcome::replayed:
      log_order("order_replayed", decision.order, static_cast<int>(decision.outcome));
      return reply(200, order_json(decision.order));
    case CreateOutcome::reference_conflict:
      return reference_conflict("reference already made an order with another amount or deadline");
    case CreateOutcome::expiry_not_future:
      return bad_request("expires_at must be in the future");
    case CreateOutcome::expiry_too_far:
      return bad_request("expires_at must be at most " + std::to_string(kOrderExpiresAheadSecondsMax / 3600) +
                         " hours ahead");
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

runtime::HttpResponse OrderFront::list(std::string_view query) const {
  const ReferenceQuery wanted = parse_reference_query(query);
  if (wanted.malformed) return bad_request("reference is not a valid percent-encoded value");
  json::array data;
  if (wanted.reference) {
    if (auto order = orders_.by_reference(*wanted.reference)) data.push_back(order_json(*order));
  } else {
    for (const Order& order : orders_.all()) data.push_back(order_json(order));
  }
  return reply(200, list_json(std::move(data)));
}

runtime::HttpResponse OrderFront::cancel(const std::string& id) {
  std::lock_guard lock(changes_mutex_);
  const CancelDecision decision = orders_.cancel(id, now_());
  if (decision.changed) append_line(orders_journal_, order_json(decision.order));
  if (decision.outcome != CancelOutcome::not_found) {
    log_order("order_cancel", decision.order, static_cast<int>(decision.outcome));
  }
  switch (decision.outcome) {
    case CancelOutcome::canceled:
    case CancelOutcome::replayed:
    case CancelOutcome::expired:
      return reply(200, order_json(decision.order));
    case CancelOutcome::not_found:
      return not_found("no such order");
    case CancelOutcome::already_paid:
      return order_error(409, "already_paid", decision.order,
                         "the order is paid: refund its payment instead");
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

runtime::HttpResponse OrderFront::scan(const std::string& body) {
  std::string payload;
  ScanAttempt attempt;
  if (auto error = parse_scan_body(body, payload, attempt)) return bad_request(std::move(*error));
  auto code = read_order_code(payload);
  if (!code) return error_reply(400, "invalid_payload", code.error());
  attempt.order_id = code->order_id;
  attempt.amount_yen = code->amount_yen;
  if (!notifier_.has_room()) {
    return error_reply(503, "callbacks_backlogged", "too many notices wait to be delivered; retry later");
  }
  std::lock_guard lock(changes_mutex_);
  const std::int64_t now_s = now_();
  const ScanDecision decision = orders_.check_scan(attempt, now_s);
  const Order& order = decision.order;
  if (decision.changed) append_line(orders_journal_, order_json(order));
  if (decision.outcome != ScanOutcome::not_found)
    log_order("order_scanned", order, static_cast<int>(decision.outcome));
  switch (decision.outcome) {
    case ScanOutcome::payable:
      return pay_locked(attempt, order, now_s);
    case ScanOutcome::not_found:
      return error_reply(404, "order_not_found", "the code names no order of this provider");
    case ScanOutcome::expired:
      return order_error(409, "order_expired", order, "the order's deadline has passed");
    case ScanOutcome::canceled:
      return order_error(409, "order_canceled", order, "the merchant has withdrawn the order");
    case ScanOutcome::already_paid:
      return order_error(409, "already_paid", order, "the order is paid already");
    case ScanOutcome::amount_mismatch:
      return error_reply(400, "amount_mismatch",
                         "the code asks " + std::to_string(attempt.amount_yen) + " yen, the order is for " +
                             std::to_string(order.amount_yen));
    case ScanOutcome::user_blocked:
      return order_error(402, "user_blocked", order, "the payer's wallet account is suspended");
    case ScanOutcome::insufficient_balance:
      return order_error(402, "insufficient_balance", order,
                         "the wallet's balance does not cover the amount");
  }
  return error_reply(500, "internal", "unexpected book outcome");
}

// The payment first, then the order that names it: after a crash between the two journal lines, the
// order is still pending and a new scan finds the payment again (pay_order replays it).
runtime::HttpResponse OrderFront::pay_locked(const ScanAttempt& attempt, const Order& order,
                                             std::int64_t now_s) {
  const PaymentDecision payment = payments_.record_order_payment(
      OrderPayment{order.reference, order.amount_yen, order.merchant, order.id, attempt.wallet},
      format_utc_seconds(now_s));
  if (payment.conflict) {
    return order_error(409, "already_paid", order,
                       "the order's reference was paid by another payment (" + payment.payment.id + ")");
  }
  const Order paid = orders_.mark_paid(attempt, payment.payment.id, now_s);
  append_line(orders_journal_, order_json(paid));
  log_order("order_paid", paid, static_cast<int>(ScanOutcome::payable));
  if (notifier_.configured() && !notifier_.notify("order.paid", paid.reference, paid.notify_url,
                                                  order_notice_data(paid), format_utc_seconds(now_s))) {
    log::warn("callback_dropped", {{"order", paid.id}, {"type", "order.paid"}});
  }
  return reply(200, order_json(paid));
}

// A refund naming an order is a refund of the order's payment: passed on with the payment's id.
runtime::HttpResponse OrderFront::refund(const runtime::HttpRequest& request, const PassOn& provider) const {
  json::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) return provider(request);
  json::object& object = parsed.as_object();
  const json::value* named = object.if_contains("payment");
  if (named == nullptr || !named->is_string() ||
      !std::string_view(named->as_string()).starts_with(kOrderIdPrefix)) {
    return provider(request);
  }
  const std::optional<Order> order = orders_.by_id(std::string(named->as_string()));
  if (!order) return not_found("no such order");
  if (order->payment_id.empty()) {
    return reply(409, json::object{{"error", "payment_not_completed"},
                                   {"payment", order->id},
                                   {"payment_status", order->status},
                                   {"message", "only a paid order can be refunded"}});
  }
  object["payment"] = order->payment_id;
  runtime::HttpRequest forwarded = request;
  forwarded.body = json::serialize(object);
  return provider(forwarded);
}

void OrderFront::expire_due() {
  std::lock_guard lock(changes_mutex_);
  for (const Order& order : orders_.expire_due(now_())) {
    append_line(orders_journal_, order_json(order));
    log_order("order_expired", order, 0);
  }
}

}  // namespace kessai::sim::qr_provider
