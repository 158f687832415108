#include "qr_front.hpp"

#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::sim::qr_provider {

namespace json = boost::json;

namespace {

std::optional<std::string> parse_payment(const std::string& body, PaymentAttempt& attempt) {
  PaymentTerms terms;
  std::string code;
  auto problem =
      parse_payment_body(body, terms, [&code](const json::object& object) -> std::optional<std::string> {
        const json::string* scanned = text_field(object, "qr_code", kCodeBytesMax);
        if (scanned == nullptr) return bytes_rule("qr_code", kCodeBytesMax);
        code = std::string(*scanned);
        return std::nullopt;
      });
  if (problem) return problem;
  attempt = PaymentAttempt{std::move(terms.reference), terms.amount_yen, std::move(code),
                           std::move(terms.merchant)};
  return std::nullopt;
}

// A refund the provider will not make: 402 with the refund's terms, nothing kept.
runtime::HttpResponse declined(const Refund& refund, std::string_view decline_code, std::string message) {
  return refund_declined("qr_refund", refund.payment_id, refund.reference, refund.amount_yen, decline_code,
                         std::move(message));
}

}  // namespace

ProviderFront::ProviderFront(ProviderBook& book, std::ostream& payments_journal,
                             std::ostream& refunds_journal, Clock now)
    : InstantFront(book, payments_journal, refunds_journal, std::move(now),
                   "a scanned QR code is paid at once: a payment is completed when it is made; refund it "
                   "instead") {}

runtime::HttpResponse ProviderFront::refund_reply(const RefundDecision& decision) const {
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
      return reference_conflict("reference already used for another refund");
    case RefundOutcome::not_completed:
      return reply(409, json::object{{"error", "payment_not_completed"},
                                     {"payment", payment.id},
                                     {"payment_status", payment.status},
                                     {"message", "only a completed payment can be refunded"}});
    case RefundOutcome::invalid_amount:
      return bad_request("amount must be a positive integer");
    case RefundOutcome::exceeds_payment:
      return declined(refund, "refund_exceeds_payment",
                      "refund of " + std::to_string(refund.amount_yen) + " yen exceeds the " +
                          std::to_string(payment.amount_yen - payment.amount_refunded_yen) +
                          " yen left to refund");
  }
  return reply(500, json::object{{"error", "internal"}, {"message", "unexpected book outcome"}});
}

PaymentDecision ProviderFront::record_order_payment(const OrderPayment& attempt, const std::string& now) {
  std::lock_guard lock(changes_mutex_);
  const PaymentDecision decision = book_.pay_order(attempt, now);
  const Payment& payment = decision.payment;
  if (!decision.replayed) append_line(payments_journal_, payment_line(payment));
  log::info(decision.replayed ? "payment_replayed" : "payment_decided", {{"payment", payment.id},
                                                                         {"reference", payment.reference},
                                                                         {"wallet", payment.wallet},
                                                                         {"order", payment.order_id},
                                                                         {"status", payment.status},
                                                                         {"conflict", decision.conflict},
                                                                         {"amount_yen", payment.amount_yen}});
  return decision;
}

runtime::HttpResponse ProviderFront::create_payment(const std::string& body) {
  PaymentAttempt attempt;
  if (auto error = parse_payment(body, attempt)) return bad_request(std::move(*error));
  std::lock_guard lock(changes_mutex_);
  const PaymentDecision decision = book_.pay(attempt, now_());
  if (decision.conflict) return reference_conflict("reference already paid with another amount or code");
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
  return reply(payment_status_code(payment.status == "declined", decision.replayed), payment_json(payment));
}

}  // namespace kessai::sim::qr_provider
