#include "card_acquirer.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "kessai/runtime/log.hpp"

namespace kessai::adapters::card {

namespace json = boost::json;

namespace {

// What the acquirer's object says when each operation was done.
constexpr std::array<std::string_view, 2> kChargeDone{"captured", "authorized"};
constexpr std::array<std::string_view, 1> kCaptureDone{"captured"};
constexpr std::array<std::string_view, 1> kVoidDone{"voided"};
constexpr std::array<std::string_view, 1> kRefundDone{"succeeded"};

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// "/v1/charges/{id}/{action}", the id percent-encoded: it is the acquirer's, and must not be able to
// change the path.
std::string charge_target(std::string_view charge_id, std::string_view action) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string target = "/v1/charges/";
  for (const char c : charge_id) {
    if (is_unreserved(c)) {
      target += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      target += '%';
      target += kHex[byte >> 4];
      target += kHex[byte & 0x0F];
    }
  }
  target += '/';
  target += action;
  return target;
}

// Our own refusal, before sending: without the acquirer's charge id there is nothing to ask it.
// A bug upstream (the id is stored when the charge is approved): log loudly.
OperationResult missing_processor_reference(std::string_view operation, std::string_view payment_id) {
  log::error("processor_reference_missing", {{"operation", operation}, {"payment_id", payment_id}});
  OperationResult result;
  result.outcome = ChargeOutcome::rejected;
  result.message = std::string(operation) + " needs the acquirer's charge id (processor reference)";
  return result;
}

}  // namespace

CardAcquirer::CardAcquirer(const ProcessorConfig& config)
    : id_(config.id),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}) {}

OperationResult interpret_response(unsigned status, std::string_view body,
                                   std::span<const std::string_view> success_statuses) {
  OperationResult result;
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  const json::object* object = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  std::string error_code;
  if (object != nullptr) {
    result.processor_reference = string_field(*object, "id");
    result.decline_code = string_field(*object, "decline_code");
    result.message = string_field(*object, "message");
    error_code = string_field(*object, "error");
  }
  const std::string object_status = object != nullptr ? string_field(*object, "status") : "";
  const bool done = std::ranges::find(success_statuses, object_status) != success_statuses.end();
  if ((status == 200 || status == 201) && done) {
    result.outcome = ChargeOutcome::approved;
  } else if (status == 402 && object_status == "declined") {
    result.outcome = ChargeOutcome::declined;
  } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
    // The acquirer refused the request itself; nothing was done. Our bug or bad config: log loudly.
    result.outcome = ChargeOutcome::rejected;
    if (result.message.empty()) {
      result.message = "the acquirer rejected the request (HTTP " + std::to_string(status) +
                       (error_code.empty() ? "" : " " + error_code) + ")";
    }
  } else {
    // 5xx, 408, 429 or an answer we cannot read: the operation may or may not have been done.
    result.outcome = ChargeOutcome::unknown;
    result.message = "unusable answer from the acquirer (HTTP " + std::to_string(status) + ")";
  }
  return result;
}

ChargeResult interpret_charge_response(unsigned status, std::string_view body) {
  return interpret_response(status, body, kChargeDone);
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
  OperationResult result;
  result.outcome = error.request_maybe_sent ? ChargeOutcome::unknown : ChargeOutcome::not_sent;
  result.message = error.message;
  return result;
}

OperationResult CardAcquirer::exchange(std::string_view target, std::string_view body,
                                       std::span<const std::string_view> success_statuses,
                                       std::string_view payment_id) {
  auto response = client_.request("POST", target, body);
  if (!response.ok()) return interpret_client_error(response.error());
  OperationResult result = interpret_response(response->status, response->body, success_statuses);
  if (result.outcome == ChargeOutcome::rejected) {
    log::error("acquirer_rejected_request", {{"processor", id_.str()},
                                             {"payment_id", payment_id},
                                             {"target", target},
                                             {"status", response->status},
                                             {"message", result.message}});
  }
  return result;
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
  return exchange("/v1/charges", json::serialize(body), kChargeDone, request.payment_id);
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
  InquiryResult result;
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  const json::value* data = !ec && parsed.is_object() ? parsed.as_object().if_contains("data") : nullptr;
  if (status != 200 || data == nullptr || !data->is_array()) {
    result.message = "unusable inquiry answer (HTTP " + std::to_string(status) + ")";
    return result;
  }
  if (data->as_array().empty()) {
    result.outcome = InquiryOutcome::not_found;
    return result;
  }
  const json::value& first = data->as_array().front();
  if (!first.is_object()) {
    result.message = "unusable inquiry answer (not an object)";
    return result;
  }
  const json::object& charge = first.as_object();
  result.outcome = InquiryOutcome::found;
  result.status = string_field(charge, "status");
  result.processor_reference = string_field(charge, "id");
  result.decline_code = string_field(charge, "decline_code");
  if (const json::value* captured = charge.if_contains("amount_captured"); captured && captured->is_int64()) {
    result.amount_captured = Yen(captured->as_int64());
  }
  return result;
}

InquiryResult CardAcquirer::inquire_charge(const std::string& payment_id) {
  auto response = client_.request("GET", "/v1/charges?reference=" + payment_id);
  if (!response.ok()) {
    InquiryResult result;
    result.message = response.error().message;
    return result;
  }
  return interpret_inquiry_response(response->status, response->body);
}

}  // namespace kessai::adapters::card
