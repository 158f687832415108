#include "qr_provider.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "../src/http_json.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::adapters::qr_provider {

namespace json = boost::json;

namespace {

// What the provider's object says when a payment or a refund was done.
constexpr std::array<std::string_view, 1> kDone{"completed"};

constexpr http_json::Peer kProvider{"QR provider", "qr_provider_rejected_request"};

bool is_code(std::string_view code) {
  return code.size() >= kCodeDigitsMin && code.size() <= kCodeDigitsMax &&
         std::ranges::all_of(code, [](char c) { return c >= '0' && c <= '9'; });
}

// A capture or void reaching a QR adapter is an engine bug (a payment is never "authorized"): refuse it
// without asking the provider, and say so in the logs.
OperationResult paid_at_once(std::string_view operation, std::string_view payment_id) {
  log::error("qr_operation_not_supported", {{"operation", operation}, {"payment_id", payment_id}});
  return http_json::refused_before_sending("a scanned QR code is paid at once");
}

// A found payment in the engine's words: "completed" is "captured", in full; "declined" stays; any other
// status is not one the engine may act on.
InquiryResult in_engine_terms(InquiryResult result, const json::object& payment) {
  if (result.outcome != InquiryOutcome::found) return result;
  if (result.status == "declined") return result;
  if (result.status != "completed") {
    result.outcome = InquiryOutcome::unknown;
    result.message = "unrecognised payment status '" + result.status + "' from the QR provider";
    result.status.clear();
    return result;
  }
  result.status = "captured";
  if (const json::value* amount = payment.if_contains("amount"); amount && amount->is_int64()) {
    result.amount_captured = Yen(amount->as_int64());
  }
  return result;
}

}  // namespace

QrProvider::QrProvider(const ProcessorConfig& config)
    : id_(config.id),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}) {}

std::optional<std::string> charge_request_problem(const ChargeRequest& request) {
  if (request.qr_code.empty())
    return "a QR payment needs the payer's code as scanned at the counter (qr_code)";
  if (!is_code(request.qr_code)) return "the payer's QR code must be 18 to 20 digits";
  // The provider completes the payment at once: approving a charge meant to be captured later would take
  // the money while the engine believes it only holds an authorization.
  if (!request.capture) return "a scanned QR code is paid at once: it cannot be captured later";
  return std::nullopt;
}

ChargeResult interpret_payment_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kDone, kProvider.noun);
}

OperationResult interpret_refund_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kDone, kProvider.noun);
}

InquiryResult interpret_inquiry_response(unsigned status, std::string_view body) {
  json::object payment;
  return in_engine_terms(http_json::interpret_list_answer(status, body, payment), payment);
}

ChargeResult QrProvider::charge(const ChargeRequest& request) {
  if (auto problem = charge_request_problem(request)) {
    log::error("qr_charge_refused",
               {{"processor", id_.str()}, {"payment_id", request.payment_id}, {"message", *problem}});
    return http_json::refused_before_sending(std::move(*problem));
  }
  const json::object body{
      {"reference", request.payment_id}, {"amount", request.amount.value()},       {"currency", "JPY"},
      {"qr_code", request.qr_code},      {"merchant", request.merchant_reference},
  };
  return http_json::post(client_, kProvider, id_, "/v1/payments", json::serialize(body), kDone,
                         request.payment_id);
}

OperationResult QrProvider::capture(const CaptureRequest& request) {
  return paid_at_once("capture", request.payment_id);
}

OperationResult QrProvider::void_authorization(const VoidRequest& request) {
  return paid_at_once("void", request.payment_id);
}

OperationResult QrProvider::refund(const RefundRequest& request) {
  if (request.processor_reference.empty()) {
    log::error("processor_reference_missing", {{"operation", "refund"}, {"payment_id", request.payment_id}});
    return http_json::refused_before_sending("refund needs the provider's payment id (processor reference)");
  }
  const json::object body{
      {"payment", request.processor_reference},
      {"amount", request.amount.value()},
      {"reference", request.refund_id},
  };
  return http_json::post(client_, kProvider, id_, "/v1/refunds", json::serialize(body), kDone,
                         request.payment_id);
}

InquiryResult QrProvider::inquire_charge(const std::string& payment_id) {
  json::object payment;
  const std::string target = "/v1/payments?reference=" + http_json::percent_encode(payment_id);
  return in_engine_terms(http_json::inquire(client_, target, payment), payment);
}

}  // namespace kessai::adapters::qr_provider
