#include "card_acquirer.hpp"

#include <boost/json.hpp>

#include "kessai/runtime/log.hpp"

namespace kessai::adapters::card {

namespace json = boost::json;

namespace {

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

CardAcquirer::CardAcquirer(const ProcessorConfig& config)
    : id_(config.id),
      client_(config.url, runtime::ClientLimits{.connect_timeout = config.connect_timeout,
                                                .request_timeout = config.request_timeout}) {}

ChargeResult interpret_charge_response(unsigned status, std::string_view body) {
  ChargeResult result;
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  const json::object* object = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  if (object != nullptr) {
    result.processor_reference = string_field(*object, "id");
    result.decline_code = string_field(*object, "decline_code");
    result.message = string_field(*object, "message");
  }
  const std::string charge_status = object != nullptr ? string_field(*object, "status") : "";
  if ((status == 200 || status == 201) && (charge_status == "captured" || charge_status == "authorized")) {
    result.outcome = ChargeOutcome::approved;
  } else if (status == 402 && charge_status == "declined") {
    result.outcome = ChargeOutcome::declined;
  } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
    // The acquirer refused the request itself; nothing was charged. Our bug or bad config: log loudly.
    result.outcome = ChargeOutcome::rejected;
    if (result.message.empty())
      result.message = "the acquirer rejected the request (HTTP " + std::to_string(status) + ")";
  } else {
    // 5xx, 408, 429 or an answer we cannot read: the charge may or may not exist.
    result.outcome = ChargeOutcome::unknown;
    result.message = "unusable answer from the acquirer (HTTP " + std::to_string(status) + ")";
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
  auto response = client_.request("POST", "/v1/charges", json::serialize(body));
  if (!response.ok()) {
    const runtime::ClientError& error = response.error();
    ChargeResult result;
    result.outcome = error.request_maybe_sent ? ChargeOutcome::unknown : ChargeOutcome::not_sent;
    result.message = error.message;
    return result;
  }
  ChargeResult result = interpret_charge_response(response->status, response->body);
  if (result.outcome == ChargeOutcome::rejected) {
    log::error("acquirer_rejected_request", {{"processor", id_.str()},
                                             {"payment_id", request.payment_id},
                                             {"status", response->status},
                                             {"message", result.message}});
  }
  return result;
}

}  // namespace kessai::adapters::card
