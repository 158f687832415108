#include "emoney_front.hpp"

#include <utility>

#include <boost/json.hpp>

#include "emoney_records.hpp"
#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::sim::emoney {

namespace json = boost::json;

namespace {

std::optional<std::string> parse_payment(const std::string& body, PaymentAttempt& attempt) {
  PaymentTerms terms;
  std::string brand;
  std::string idm;
  auto problem =
      parse_payment_body(body, terms, [&](const json::object& object) -> std::optional<std::string> {
        const json::string* brand_text = text_field(object, "brand", kBrandBytesMax);
        const json::value* idm_value = object.if_contains("idm");
        if (brand_text == nullptr) return bytes_rule("brand", kBrandBytesMax);
        if (idm_value == nullptr || !idm_value->is_string() || !is_idm(idm_value->as_string())) {
          return "idm must be 16 upper-case hex digits";
        }
        brand = std::string(*brand_text);
        idm = std::string(idm_value->as_string());
        return std::nullopt;
      });
  if (problem) return problem;
  attempt = PaymentAttempt{std::move(terms.reference), terms.amount_yen, std::move(brand), std::move(idm),
                           std::move(terms.merchant)};
  return std::nullopt;
}

// A refund the centre will not make: 402 with the refund's terms, nothing kept.
runtime::HttpResponse declined(const Refund& refund, std::string_view decline_code, std::string message) {
  return refund_declined("emoney_refund", refund.payment_id, refund.reference, refund.amount_yen,
                         decline_code, std::move(message));
}

std::string postpaid_name(std::string_view brand) {
  return brand == "quicpay" ? "QUICPay" : brand == "id" ? "iD" : std::string(brand);
}

}  // namespace

CentreFront::CentreFront(CentreBook& book, std::ostream& payments_journal, std::ostream& refunds_journal,
                         Clock now)
    : InstantFront(book, payments_journal, refunds_journal, std::move(now),
                   "e-money has no separate authorization: a payment is captured when it is made; refund it "
                   "instead") {}

runtime::HttpResponse CentreFront::refund_reply(const RefundDecision& decision) const {
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
    case RefundOutcome::not_captured:
      return reply(409, json::object{{"error", "payment_not_captured"},
                                     {"payment", payment.id},
                                     {"payment_status", payment.status},
                                     {"message", "only a captured payment can be refunded"}});
    case RefundOutcome::invalid_amount:
      return bad_request("amount cannot be refunded to this card");
    case RefundOutcome::exceeds_payment:
      return declined(refund, "refund_exceeds_capture",
                      "refund of " + std::to_string(refund.amount_yen) + " yen exceeds the " +
                          std::to_string(payment.amount_yen - payment.amount_refunded_yen) +
                          " yen left to refund");
    case RefundOutcome::refund_not_supported:
      return declined(refund, "refund_not_supported",
                      postpaid_name(payment.brand) +
                          " is postpaid: its refunds go through the card issuer, not the e-money centre");
  }
  return reply(500, json::object{{"error", "internal"}, {"message", "unexpected book outcome"}});
}

runtime::HttpResponse CentreFront::create_payment(const std::string& body) {
  PaymentAttempt attempt;
  if (auto error = parse_payment(body, attempt)) return bad_request(std::move(*error));
  std::lock_guard lock(changes_mutex_);
  const PaymentDecision decision = book_.pay(attempt, now_());
  if (decision.conflict)
    return reference_conflict("reference already paid with another amount, brand or card");
  const Payment& payment = decision.payment;
  if (!decision.replayed) append_line(payments_journal_, payment_json(payment));
  log::info(decision.replayed ? "payment_replayed" : "payment_decided",
            {{"payment", payment.id},
             {"reference", payment.reference},
             {"brand", payment.brand},
             {"status", payment.status},
             {"decline_code", payment.decline_code},
             {"amount_yen", payment.amount_yen}});
  return reply(payment_status_code(payment.status == "declined", decision.replayed), payment_json(payment));
}

}  // namespace kessai::sim::emoney
