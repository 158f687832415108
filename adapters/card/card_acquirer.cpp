#include "card_acquirer.hpp"

#include <array>

#include <boost/json.hpp>

#include "../src/http_json.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::adapters::card {

namespace json = boost::json;

namespace {

// What the acquirer's object says when each operation was done.
constexpr std::array<std::string_view, 2> kChargeDone{"captured", "authorized"};
constexpr std::array<std::string_view, 1> kCaptureDone{"captured"};
constexpr std::array<std::string_view, 1> kVoidDone{"voided"};
constexpr std::array<std::string_view, 1> kRefundDone{"succeeded"};

constexpr http_json::Peer kAcquirer{"acquirer", "acquirer_rejected_request"};

// "/v1/charges/{id}/{action}", the id percent-encoded: it is the acquirer's, and must not be able to
// change the path.
std::string charge_target(std::string_view charge_id, std::string_view action) {
  return "/v1/charges/" + http_json::percent_encode(charge_id) + "/" + std::string(action);
}

// Our own refusal, before sending: without the acquirer's charge id there is nothing to ask it.
// A bug upstream (the id is stored when the charge is approved): log loudly.
OperationResult missing_processor_reference(std::string_view operation, std::string_view payment_id) {
  log::error("processor_reference_missing", {{"operation", operation}, {"payment_id", payment_id}});
  return http_json::refused_before_sending(std::string(operation) +
                                           " needs the acquirer's charge id (processor reference)");
}

// A found charge's "amount_captured" (an acquirer may capture less than it authorized) and brand.
InquiryResult with_amount_captured(InquiryResult result, const json::object& charge) {
  if (result.outcome != InquiryOutcome::found) return result;
  if (const json::value* captured = charge.if_contains("amount_captured"); captured && captured->is_int64()) {
    result.amount_captured = Yen(captured->as_int64());
  }
  result.brand = http_json::string_field(charge, "card_brand");
  return result;
}

// The brand the acquirer read from the card ("card_brand"), kept with an approved charge: the takings
// are reported by brand, and a card paid over the API names none itself.
ChargeResult with_card_brand(ChargeResult result, const json::object& charge) {
  if (result.outcome == ChargeOutcome::approved) result.brand = http_json::string_field(charge, "card_brand");
  return result;
}

}  // namespace

CardAcquirer::CardAcquirer(const ProcessorConfig& config)
    : id_(config.id),
      settlement_profile_(config.settlement_profile.empty() ? "card-acquirer" : config.settlement_profile),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}) {}

OperationResult interpret_response(unsigned status, std::string_view body,
                                   std::span<const std::string_view> success_statuses) {
  return http_json::interpret_response(status, body, success_statuses, kAcquirer.noun);
}

ChargeResult interpret_charge_response(unsigned status, std::string_view body) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  return with_card_brand(interpret_response(status, body, kChargeDone),
                         !ec && parsed.is_object() ? parsed.as_object() : json::object{});
}

OperationResult interpret_capture_response(unsigned status, std::string_view body) {
  return interpret_response(status, body, kCaptureDone);
}

OperationResult interpret_void_response(unsigned status, std::string_view body) {
  return interpret_response(status, body, kVoidDone);
}

OperationResult interpret_refund_response(unsigned status, std::string_view body) {
  return interpret_response(status, body, kRefundDone);
}

OperationResult interpret_client_error(const runtime::ClientError& error) {
  return http_json::interpret_client_error(error);
}

OperationResult CardAcquirer::exchange(std::string_view target, std::string_view body,
                                       std::span<const std::string_view> success_statuses,
                                       std::string_view payment_id) {
  return http_json::post(client_, kAcquirer, id_, target, body, success_statuses, payment_id);
}

ChargeResult CardAcquirer::charge(const ChargeRequest& request) {
  const json::object body{
      {"reference", request.payment_id},
      {"amount", request.amount.value()},
      {"currency", "JPY"},
      {"merchant", request.merchant_reference},
      {"card_token", request.card_token},
      {"capture", request.capture},
  };
  json::object charge;
  return with_card_brand(http_json::post(client_, kAcquirer, id_, "/v1/charges", json::serialize(body),
                                         kChargeDone, request.payment_id, &charge),
                         charge);
}

OperationResult CardAcquirer::capture(const CaptureRequest& request) {
  if (request.processor_reference.empty()) return missing_processor_reference("capture", request.payment_id);
  const json::object body{{"amount", request.amount.value()}};
  return exchange(charge_target(request.processor_reference, "capture"), json::serialize(body), kCaptureDone,
                  request.payment_id);
}

OperationResult CardAcquirer::void_authorization(const VoidRequest& request) {
  if (request.processor_reference.empty()) return missing_processor_reference("void", request.payment_id);
  return exchange(charge_target(request.processor_reference, "void"), "{}", kVoidDone, request.payment_id);
}

OperationResult CardAcquirer::refund(const RefundRequest& request) {
  if (request.processor_reference.empty()) return missing_processor_reference("refund", request.payment_id);
  const json::object body{
      {"charge", request.processor_reference},
      {"amount", request.amount.value()},
      {"reference", request.refund_id},
  };
  return exchange("/v1/refunds", json::serialize(body), kRefundDone, request.payment_id);
}

InquiryResult interpret_inquiry_response(unsigned status, std::string_view body) {
  json::object charge;
  return with_amount_captured(http_json::interpret_list_answer(status, body, charge), charge);
}

InquiryResult CardAcquirer::inquire_charge(const std::string& payment_id) {
  json::object charge;
  return with_amount_captured(http_json::inquire(client_, "/v1/charges?reference=" + payment_id, charge),
                              charge);
}

}  // namespace kessai::adapters::card
