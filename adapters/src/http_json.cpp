#include "http_json.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "kessai/runtime/log.hpp"

namespace kessai::adapters::http_json {

namespace json = boost::json;

namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

}  // namespace

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::string percent_encode(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c)) {
      encoded += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return encoded;
}

OperationResult interpret_response(unsigned status, std::string_view body,
                                   std::span<const std::string_view> success_statuses,
                                   std::string_view noun) {
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
    // The processor refused the request itself; nothing was done. Our bug or bad config.
    result.outcome = ChargeOutcome::rejected;
    if (result.message.empty()) {
      result.message = "the " + std::string(noun) + " rejected the request (HTTP " + std::to_string(status) +
                       (error_code.empty() ? "" : " " + error_code) + ")";
    }
  } else {
    // 5xx, 408, 429 or an answer we cannot read: the operation may or may not have been done.
    result.outcome = ChargeOutcome::unknown;
    result.message =
        "unusable answer from the " + std::string(noun) + " (HTTP " + std::to_string(status) + ")";
  }
  return result;
}

OperationResult interpret_client_error(const runtime::ClientError& error) {
  OperationResult result;
  result.outcome = error.request_maybe_sent ? ChargeOutcome::unknown : ChargeOutcome::not_sent;
  result.message = error.message;
  return result;
}

OperationResult post(runtime::HttpClient& client, const Peer& peer, const ProcessorId& processor,
                     std::string_view target, std::string_view body,
                     std::span<const std::string_view> success_statuses, std::string_view payment_id,
                     json::object* answer) {
  auto response = client.request("POST", target, body);
  if (!response.ok()) return interpret_client_error(response.error());
  OperationResult result = interpret_response(response->status, response->body, success_statuses, peer.noun);
  if (answer != nullptr) {
    json::error_code ec;
    json::value parsed = json::parse(response->body, ec);
    if (!ec && parsed.is_object()) *answer = std::move(parsed.as_object());
  }
  if (result.outcome == ChargeOutcome::rejected) {
    log::error(peer.rejected_event, {{"processor", processor.str()},
                                     {"payment_id", payment_id},
                                     {"target", target},
                                     {"status", response->status},
                                     {"message", result.message}});
  }
  return result;
}

InquiryResult interpret_list_answer(unsigned status, std::string_view body, json::object& first) {
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
  const json::value& item = data->as_array().front();
  if (!item.is_object()) {
    result.message = "unusable inquiry answer (not an object)";
    return result;
  }
  first = item.as_object();
  result.outcome = InquiryOutcome::found;
  result.status = string_field(first, "status");
  result.processor_reference = string_field(first, "id");
  result.decline_code = string_field(first, "decline_code");
  return result;
}

InquiryResult inquire(runtime::HttpClient& client, std::string_view target, json::object& first) {
  auto response = client.request("GET", target);
  if (!response.ok()) {
    InquiryResult result;
    result.message = response.error().message;
    return result;
  }
  return interpret_list_answer(response->status, response->body, first);
}

OperationResult refused_before_sending(std::string message) {
  OperationResult result;
  result.outcome = ChargeOutcome::rejected;
  result.message = std::move(message);
  return result;
}

}  // namespace kessai::adapters::http_json
