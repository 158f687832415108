#include "qr_front.hpp"

#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "qr_records.hpp"

namespace kessai::sim::qr_provider {

namespace json = boost::json;

namespace {

constexpr std::string_view kPaymentsPrefix = "/v1/payments/";
constexpr std::string_view kRefundsPrefix = "/v1/refunds/";

// A string field of 1..bytes_max bytes, or nullptr.
const json::string* text_field(const json::object& object, std::string_view key, std::size_t bytes_max) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return nullptr;
  const json::string& text = value->as_string();
  return !text.empty() && text.size() <= bytes_max ? &text : nullptr;
}

std::optional<std::int64_t> positive_amount(const json::object& object) {
  const json::value* amount = object.if_contains("amount");
  if (amount == nullptr || !amount->is_int64() || amount->as_int64() <= 0) return std::nullopt;
  return amount->as_int64();
}

std::string bytes_rule(std::string_view field, std::size_t bytes_max) {
  return std::string(field) + " is required, 1.." + std::to_string(bytes_max) + " bytes";
}

std::optional<std::string> parse_payment_body(const std::string& body, PaymentAttempt& attempt) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  const json::string* reference = text_field(object, "reference", kReferenceBytesMax);
  const std::optional<std::int64_t> amount_yen = positive_amount(object);
  const json::value* currency = object.if_contains("currency");
  const json::string* code = text_field(object, "qr_code", kCodeBytesMax);
  const json::value* merchant = object.if_contains("merchant");
  if (reference == nullptr) return bytes_rule("reference", kReferenceBytesMax);
  if (!amount_yen) return "amount must be a positive integer";
  if (currency == nullptr || !currency->is_string() || currency->as_string() != "JPY") {
    return "currency must be JPY";
  }
  if (code == nullptr) return bytes_rule("qr_code", kCodeBytesMax);
  const bool merchant_ok =
      merchant == nullptr || (merchant->is_string() && merchant->as_string().size() <= kMerchantBytesMax);
  if (!merchant_ok)
    return "merchant must be a string of at most " + std::to_string(kMerchantBytesMax) + " bytes";
  attempt = PaymentAttempt{std::string(*reference), *amount_yen, std::string(*code),
                           merchant != nullptr ? std::string(merchant->as_string()) : std::string()};
  return std::nullopt;
}

std::optional<std::string> parse_refund_body(const std::string& body, RefundAttempt& attempt) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  const json::string* payment = text_field(object, "payment", kReferenceBytesMax);
  const std::optional<std::int64_t> amount_yen = positive_amount(object);
  const json::string* reference = text_field(object, "reference", kReferenceBytesMax);
  if (payment == nullptr) return bytes_rule("payment", kReferenceBytesMax);
  if (!amount_yen) return "amount must be a positive integer";
  if (reference == nullptr) return bytes_rule("reference", kReferenceBytesMax);
  attempt = RefundAttempt{std::string(*payment), std::string(*reference), *amount_yen};
  return std::nullopt;
}

// A refund the provider will not make: 402 with the refund's terms, nothing kept.
runtime::HttpResponse refund_declined(const Refund& refund, std::string_view decline_code,
                                      std::string message) {
  return reply(402, json::object{{"object", "qr_refund"},
                                 {"payment", refund.payment_id},
                                 {"reference", refund.reference},
                                 {"amount", refund.amount_yen},
                                 {"status", "declined"},
                                 {"decline_code", decline_code},
                                 {"message", std::move(message)}});
}

runtime::HttpResponse refund_reply(const RefundDecision& decision) {
  const Refund& refund = decision.refund;
  const Payment& payment = decision.payment;
  switch (decision.outcome) {
    case RefundOutcome::done:
      return reply(201, refund_json(refund));
    case RefundOutcome::replayed:
      return reply(200, refund_json(refund));
    case RefundOutcome::not_found:
      return not_found("no such payment");
    case RefundOutcome::reference_conflict:
      return reply(409, json::object{{"error", "reference_conflict"},
                                     {"message", "reference already used for another refund"}});
    case RefundOutcome::not_completed:
      return reply(409, json::object{{"error", "payment_not_completed"},
                                     {"payment", payment.id},
                                     {"payment_status", payment.status},
                                     {"message", "only a completed payment can be refunded"}});
    case RefundOutcome::invalid_amount:
      return bad_request("amount must be a positive integer");
    case RefundOutcome::exceeds_payment:
      return refund_declined(refund, "refund_exceeds_payment",
                             "refund of " + std::to_string(refund.amount_yen) + " yen exceeds the " +
                                 std::to_string(payment.amount_yen - payment.amount_refunded_yen) +
                                 " yen left to refund");
  }
  return reply(500, json::object{{"error", "internal"}, {"message", "unexpected book outcome"}});
}

}  // namespace

ProviderFront::ProviderFront(ProviderBook& book, std::ostream& payments_journal,
                             std::ostream& refunds_journal, Clock now)
    : book_(book),
      payments_journal_(payments_journal),
      refunds_journal_(refunds_journal),
      now_(std::move(now)) {}

runtime::HttpResponse ProviderFront::handle(const runtime::HttpRequest& request) {
  const std::string_view path = request.path();
  const bool post = request.method == "POST";
  const bool get = request.method == "GET";
  if (path == "/healthz") return reply(200, json::object{{"status", "ok"}});
  if (path == "/v1/payments" && post) return create_payment(request.body);
  if (path == "/v1/payments" && get) return list_payments(request.query());
  if (path == "/v1/refunds" && post) return create_refund(request.body);
  if (path == "/v1/refunds" && get) return list_refunds(request.query());
  if (path.starts_with(kPaymentsPrefix)) return handle_payment(path.substr(kPaymentsPrefix.size()), request);
  if (path.starts_with(kRefundsPrefix) && get) {
    const auto refund = book_.refund_by_id(std::string(path.substr(kRefundsPrefix.size())));
    return refund ? reply(200, refund_json(*refund)) : not_found("no such refund");
  }
  return not_found();
}

// "{id}", "{id}/capture" or "{id}/void".
runtime::HttpResponse ProviderFront::handle_payment(std::string_view rest,
                                                    const runtime::HttpRequest& request) const {
  const std::size_t slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (action.empty() && request.method == "GET") {
    const auto payment = book_.by_id(id);
    return payment ? reply(200, payment_json(*payment)) : not_found("no such payment");
  }
  if ((action == "capture" || action == "void") && request.method == "POST") {
    // Whatever the id: the operation itself does not exist for a scanned code.
    return reply(409, json::object{{"error", "not_supported"},
                                   {"message",
                                    "a scanned QR code is paid at once: a payment is completed when it is "
                                    "made; refund it instead"}});
  }
  return not_found();
}

runtime::HttpResponse ProviderFront::create_payment(const std::string& body) {
  PaymentAttempt attempt;
  if (auto error = parse_payment_body(body, attempt)) return bad_request(std::move(*error));
  std::lock_guard lock(changes_mutex_);
  const PaymentDecision decision = book_.pay(attempt, now_());
  if (decision.conflict) {
    return reply(409, json::object{{"error", "reference_conflict"},
                                   {"message", "reference already paid with another amount or code"}});
  }
  const Payment& payment = decision.payment;
  if (!decision.replayed) append_line(payments_journal_, payment_line(payment));
  // The masked code only: a code in a log could be presented again while it is valid.
  log::info(decision.replayed ? "payment_replayed" : "payment_decided",
            {{"payment", payment.id},
             {"reference", payment.reference},
             {"wallet", payment.wallet},
             {"qr_code_masked", payment.code_masked},
             {"status", payment.status},
             {"decline_code", payment.decline_code},
             {"amount_yen", payment.amount_yen}});
  const bool declined = payment.status == "declined";
  return reply(declined ? 402 : (decision.replayed ? 200 : 201), payment_json(payment));
}

runtime::HttpResponse ProviderFront::create_refund(const std::string& body) {
  RefundAttempt attempt;
  if (auto error = parse_refund_body(body, attempt)) return bad_request(std::move(*error));
  std::lock_guard lock(changes_mutex_);
  const RefundDecision decision = book_.refund(attempt, now_());
  if (decision.outcome == RefundOutcome::done) append_line(refunds_journal_, refund_json(decision.refund));
  log::info("refund_decided", {{"outcome", static_cast<int>(decision.outcome)},
                               {"refund", decision.refund.id},
                               {"payment", attempt.payment_id},
                               {"reference", attempt.reference},
                               {"amount_yen", attempt.amount_yen}});
  return refund_reply(decision);
}

runtime::HttpResponse ProviderFront::list_payments(std::string_view query) const {
  const ReferenceQuery wanted = parse_reference_query(query);
  if (wanted.malformed) return bad_request("reference is not a valid percent-encoded value");
  json::array data;
  if (wanted.reference) {
    if (auto payment = book_.by_reference(*wanted.reference)) data.push_back(payment_json(*payment));
  } else {
    for (const Payment& payment : book_.all()) data.push_back(payment_json(payment));
  }
  return reply(200, list_json(std::move(data)));
}

runtime::HttpResponse ProviderFront::list_refunds(std::string_view query) const {
  const ReferenceQuery wanted = parse_reference_query(query);
  if (wanted.malformed) return bad_request("reference is not a valid percent-encoded value");
  json::array data;
  if (wanted.reference) {
    if (auto refund = book_.refund_by_reference(*wanted.reference)) data.push_back(refund_json(*refund));
  } else {
    for (const Refund& refund : book_.all_refunds()) data.push_back(refund_json(refund));
  }
  return reply(200, list_json(std::move(data)));
}

}  // namespace kessai::sim::qr_provider
