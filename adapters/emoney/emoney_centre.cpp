#include "emoney_centre.hpp"

#include <array>

#include <boost/json.hpp>

#include "../src/http_json.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::adapters::emoney {

namespace json = boost::json;

namespace {

// What the centre's object says when each operation was done.
constexpr std::array<std::string_view, 1> kPaymentDone{"captured"};
constexpr std::array<std::string_view, 1> kRefundDone{"succeeded"};

constexpr http_json::Peer kCentre{"e-money centre", "emoney_centre_rejected_request"};

// A FeliCa IDm is 8 bytes, written as 16 hex digits.
constexpr std::size_t kIdmDigits = 16;

bool is_idm(std::string_view idm) {
  if (idm.size() != kIdmDigits) return false;
  for (const char c : idm) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// A capture or void reaching an e-money adapter is an engine bug (a payment is never "authorized"):
// refuse it without asking the centre, and say so in the logs.
OperationResult no_separate_authorization(std::string_view operation, std::string_view payment_id) {
  log::error("emoney_operation_not_supported", {{"operation", operation}, {"payment_id", payment_id}});
  return http_json::refused_before_sending("e-money has no separate authorization");
}

// A found payment's captured amount: an e-money payment is captured in full or not at all.
InquiryResult with_amount_captured(InquiryResult result, const json::object& payment) {
  if (result.outcome != InquiryOutcome::found || result.status != "captured") return result;
  if (const json::value* amount = payment.if_contains("amount"); amount && amount->is_int64()) {
    result.amount_captured = Yen(amount->as_int64());
  }
  return result;
}

}  // namespace

EmoneyCentre::EmoneyCentre(const ProcessorConfig& config)
    : id_(config.id),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}) {}

std::optional<std::string> charge_request_problem(const ChargeRequest& request) {
  if (request.emoney_brand.empty()) {
    return "an e-money payment needs the brand read at the tap (transit_ic, id, quicpay, waon, nanaco)";
  }
  if (request.emoney_idm.empty()) return "an e-money payment needs the card's IDm read at the tap";
  if (!is_idm(request.emoney_idm)) return "the card's IDm must be 16 upper-case hex digits";
  // The centre captures at once: approving a charge meant to be captured later would take the money
  // while the engine believes it only holds an authorization.
  if (!request.capture) return "e-money has no separate authorization: it cannot be captured later";
  return std::nullopt;
}

ChargeResult interpret_payment_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kPaymentDone, kCentre.noun);
}

OperationResult interpret_refund_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kRefundDone, kCentre.noun);
}

InquiryResult interpret_inquiry_response(unsigned status, std::string_view body) {
  json::object payment;
  return with_amount_captured(http_json::interpret_list_answer(status, body, payment), payment);
}

ChargeResult EmoneyCentre::charge(const ChargeRequest& request) {
  if (auto problem = charge_request_problem(request)) {
    log::error("emoney_charge_refused",
               {{"processor", id_.str()}, {"payment_id", request.payment_id}, {"message", *problem}});
    return http_json::refused_before_sending(std::move(*problem));
  }
  const json::object body{
      {"reference", request.payment_id},
      {"amount", request.amount.value()},
      {"currency", "JPY"},
      {"brand", request.emoney_brand},
      {"idm", request.emoney_idm},
      {"merchant", request.merchant_reference},
  };
  return http_json::post(client_, kCentre, id_, "/v1/payments", json::serialize(body), kPaymentDone,
                         request.payment_id);
}

OperationResult EmoneyCentre::capture(const CaptureRequest& request) {
  return no_separate_authorization("capture", request.payment_id);
}

OperationResult EmoneyCentre::void_authorization(const VoidRequest& request) {
  return no_separate_authorization("void", request.payment_id);
}

OperationResult EmoneyCentre::refund(const RefundRequest& request) {
  if (request.processor_reference.empty()) {
    log::error("processor_reference_missing", {{"operation", "refund"}, {"payment_id", request.payment_id}});
    return http_json::refused_before_sending("refund needs the centre's payment id (processor reference)");
  }
  const json::object body{
      {"payment", request.processor_reference},
      {"amount", request.amount.value()},
      {"reference", request.refund_id},
  };
  return http_json::post(client_, kCentre, id_, "/v1/refunds", json::serialize(body), kRefundDone,
                         request.payment_id);
}

InquiryResult EmoneyCentre::inquire_charge(const std::string& payment_id) {
  json::object payment;
  const std::string target = "/v1/payments?reference=" + http_json::percent_encode(payment_id);
  return with_amount_captured(http_json::inquire(client_, target, payment), payment);
}

}  // namespace kessai::adapters::emoney
