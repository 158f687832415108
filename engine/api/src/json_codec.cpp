// JSON in and out of the API: strict about types and unknown fields, so a backend's typo is an error
// it sees at once rather than a silently ignored option.

#include <algorithm>
#include <array>

#include <charconv>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include "kessai/engine/api.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::engine {

namespace json = boost::json;

namespace {

// Defined below with the other request bodies; create and confirm share it.
Result<PaymentMethod, ApiError> payment_method_member(const json::object& object);

constexpr std::array<std::string_view, 11> kCreateFields{
    "amount",         "currency",    "means",    "fee_code", "facility_id",   "procedure_id",
    "capture_method", "description", "metadata", "confirm",  "payment_method"};
constexpr std::array<std::string_view, 3> kPaymentMethodFields{"card_token", "emoney", "qr_code"};
constexpr std::size_t kQrCodeDigitsMin = 18;
constexpr std::size_t kQrCodeDigitsMax = 20;
constexpr std::array<std::string_view, 2> kEmoneyFields{"brand", "idm"};
constexpr std::size_t kIdmHexDigits = 16;

ApiError invalid(std::string param, std::string detail) {
  return ApiError{ErrorCode::invalid_parameter, std::move(detail), std::move(param)};
}

template <std::size_t N>
std::optional<ApiError> reject_unknown(const json::object& object,
                                       const std::array<std::string_view, N>& known,
                                       std::string_view prefix) {
  for (const auto& member : object) {
    bool found = false;
    for (std::string_view name : known) found = found || member.key() == name;
    if (!found) {
      std::string param = std::string(prefix) + std::string(member.key());
      return ApiError{ErrorCode::unknown_parameter, "unknown parameter '" + param + "'", param};
    }
  }
  return std::nullopt;
}

// A required or optional string member; error when present with another type.
Result<std::optional<std::string>, ApiError> string_member(const json::object& object, std::string_view key,
                                                           bool required) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || (value->is_null() && !required)) {
    if (required)
      return fail(
          ApiError{ErrorCode::missing_parameter, "'" + std::string(key) + "' is required", std::string(key)});
    return std::optional<std::string>();
  }
  if (!value->is_string())
    return fail(invalid(std::string(key), "'" + std::string(key) + "' must be a string"));
  return std::optional<std::string>(std::string(value->as_string()));
}

template <class Id>
Result<std::optional<Id>, ApiError> identifier_member(const json::object& object, std::string_view key,
                                                      bool required) {
  auto text = string_member(object, key, required);
  if (!text.ok()) return fail(text.error());
  if (!text.value()) return std::optional<Id>();
  std::optional<Id> id = Id::parse(*text.value());
  if (!id) {
    return fail(
        invalid(std::string(key), "'" + std::string(key) + "' must be 1-64 letters, digits, '-' or '_'"));
  }
  return std::optional<Id>(std::move(*id));
}

Result<Yen, ApiError> amount_member(const json::object& object) {
  const json::value* value = object.if_contains("amount");
  if (value == nullptr) return fail(ApiError{ErrorCode::missing_parameter, "'amount' is required", "amount"});
  if (value->is_int64()) return Yen(value->as_int64());
  if (value->is_uint64()) {
    return fail(ApiError{ErrorCode::amount_too_large, "amount is far above the largest allowed", "amount"});
  }
  if (value->is_double()) {
    // Integers beyond 64 bits arrive as doubles: too large rather than malformed.
    if (value->as_double() >= 9.2e18) {
      return fail(ApiError{ErrorCode::amount_too_large, "amount is far above the largest allowed", "amount"});
    }
    return fail(invalid("amount", "amount must be a whole number of yen (JPY has no minor unit)"));
  }
  return fail(invalid("amount", "amount must be a number"));
}

Result<std::string, ApiError> metadata_member(const json::object& object) {
  const json::value* value = object.if_contains("metadata");
  if (value == nullptr || value->is_null()) return std::string("{}");
  if (!value->is_object()) return fail(invalid("metadata", "metadata must be an object of strings"));
  const json::object& metadata = value->as_object();
  if (metadata.size() > kMetadataKeysMax) {
    return fail(invalid("metadata", "metadata has more than " + std::to_string(kMetadataKeysMax) + " keys"));
  }
  for (const auto& member : metadata) {
    const std::string param = "metadata." + std::string(member.key());
    if (member.key().empty() || member.key().size() > kMetadataKeyBytesMax) {
      return fail(
          invalid(param, "metadata keys must be 1-" + std::to_string(kMetadataKeyBytesMax) + " bytes"));
    }
    if (!member.value().is_string()) return fail(invalid(param, "metadata values must be strings"));
    if (member.value().as_string().size() > kMetadataValueBytesMax) {
      return fail(invalid(
          param, "metadata values must be at most " + std::to_string(kMetadataValueBytesMax) + " bytes"));
    }
  }
  return json::serialize(metadata);
}

}  // namespace

Result<CreateIntentCommand, ApiError> parse_create_intent(std::string_view body) {
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return fail(ApiError{ErrorCode::malformed_json, "the body is not valid JSON: " + ec.message(), ""});
  if (!parsed.is_object())
    return fail(ApiError{ErrorCode::malformed_json, "the body must be a JSON object", ""});
  const json::object& object = parsed.as_object();
  if (auto unknown = reject_unknown(object, kCreateFields, "")) return fail(*unknown);

  auto amount = amount_member(object);
  if (!amount.ok()) return fail(amount.error());
  auto currency = string_member(object, "currency", true);
  if (!currency.ok()) return fail(currency.error());
  auto means_text = string_member(object, "means", true);
  if (!means_text.ok()) return fail(means_text.error());
  const std::optional<Means> means = parse_means(*means_text.value());
  if (!means) {
    return fail(ApiError{ErrorCode::means_unsupported,
                         "means must be one of card, emoney, qr, payeasy (got '" + *means_text.value() + "')",
                         "means"});
  }
  auto fee_code = identifier_member<FeeCode>(object, "fee_code", true);
  if (!fee_code.ok()) return fail(fee_code.error());
  auto facility = identifier_member<FacilityId>(object, "facility_id", false);
  if (!facility.ok()) return fail(facility.error());
  auto procedure = identifier_member<ProcedureId>(object, "procedure_id", false);
  if (!procedure.ok()) return fail(procedure.error());

  CaptureMethod capture_method = CaptureMethod::automatic;
  auto capture_text = string_member(object, "capture_method", false);
  if (!capture_text.ok()) return fail(capture_text.error());
  if (capture_text.value()) {
    const std::optional<CaptureMethod> parsed_method = parse_capture_method(*capture_text.value());
    if (!parsed_method) return fail(invalid("capture_method", "capture_method must be automatic or manual"));
    capture_method = *parsed_method;
  }
  auto description = string_member(object, "description", false);
  if (!description.ok()) return fail(description.error());
  if (description.value() && description.value()->size() > kDescriptionBytesMax) {
    return fail(invalid("description",
                        "description must be at most " + std::to_string(kDescriptionBytesMax) + " bytes"));
  }
  auto metadata = metadata_member(object);
  if (!metadata.ok()) return fail(metadata.error());

  bool confirm = false;
  if (const json::value* value = object.if_contains("confirm"); value != nullptr && !value->is_null()) {
    if (!value->is_bool()) return fail(invalid("confirm", "confirm must be true or false"));
    confirm = value->as_bool();
  }
  auto payment_method = payment_method_member(object);
  if (!payment_method.ok()) return fail(payment_method.error());

  std::string currency_upper = *currency.value();
  for (char& c : currency_upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return CreateIntentCommand{
      .amount = amount.value(),
      .currency = currency_upper,
      .means = *means,
      .fee_code = std::move(*fee_code.value()),
      .facility = std::move(facility.value()),
      .procedure = std::move(procedure.value()),
      .capture_method = capture_method,
      .description = description.value().value_or(""),
      .metadata_json = std::move(metadata.value()),
      .confirm = confirm,
      .payment_method = std::move(payment_method).value(),
      .idempotency_key = {},
  };
}

namespace {

// A body that may be empty (no parameters) or a JSON object.
Result<json::object, ApiError> object_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return fail(ApiError{ErrorCode::malformed_json, "the body is not valid JSON: " + ec.message(), ""});
  if (!parsed.is_object())
    return fail(ApiError{ErrorCode::malformed_json, "the body must be a JSON object", ""});
  return std::move(parsed.as_object());
}

Result<std::optional<Yen>, ApiError> optional_amount(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::optional<Yen>();
  if (value->is_int64()) return std::optional<Yen>(Yen(value->as_int64()));
  if (value->is_uint64() || (value->is_double() && value->as_double() >= 9.2e18)) {
    return fail(ApiError{ErrorCode::amount_too_large, std::string(key) + " is far above the largest allowed",
                         std::string(key)});
  }
  return fail(invalid(std::string(key), std::string(key) + " must be a whole number of yen"));
}

constexpr std::array<std::string_view, 1> kConfirmFields{"payment_method"};
constexpr std::array<std::string_view, 1> kCaptureFields{"amount_to_capture"};
constexpr std::array<std::string_view, 1> kCancelFields{"cancellation_reason"};
constexpr std::array<std::string_view, 4> kRefundFields{"payment_intent", "amount", "reason", "metadata"};
constexpr std::array<std::string_view, 2> kWebhookFields{"url", "events"};
constexpr std::size_t kWebhookUrlBytesMax = 2048;

// {"brand": "transit_ic", "idm": "0123456789ABCDEF"}: what the terminal's reader saw at the tap.
Result<std::pair<std::string, std::string>, ApiError> emoney_member(const json::object& method) {
  const json::value* value = method.if_contains("emoney");
  if (!value->is_object())
    return fail(invalid("payment_method.emoney", "payment_method.emoney must be an object"));
  const json::object& emoney = value->as_object();
  if (auto unknown = reject_unknown(emoney, kEmoneyFields, "payment_method.emoney.")) return fail(*unknown);
  auto brand = string_member(emoney, "brand", true);
  auto idm = string_member(emoney, "idm", true);
  if (!brand.ok() || !idm.ok()) {
    ApiError error = !brand.ok() ? brand.error() : idm.error();
    error.param = "payment_method.emoney." + error.param;
    return fail(error);
  }
  if (!is_known_brand(Means::emoney, *brand.value())) {
    return fail(
        invalid("payment_method.emoney.brand", "brand must be transit_ic, id, quicpay, waon or nanaco"));
  }
  const std::string& text = *idm.value();
  const bool hex = text.size() == kIdmHexDigits && std::all_of(text.begin(), text.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
                   });
  if (!hex) return fail(invalid("payment_method.emoney.idm", "idm must be 16 upper-case hex digits"));
  return std::pair<std::string, std::string>(*brand.value(), text);
}

Result<PaymentMethod, ApiError> payment_method_member(const json::object& object) {
  PaymentMethod payment_method;
  const json::value* value = object.if_contains("payment_method");
  if (value == nullptr || value->is_null()) return payment_method;
  if (!value->is_object()) return fail(invalid("payment_method", "payment_method must be an object"));
  const json::object& method = value->as_object();
  if (auto unknown = reject_unknown(method, kPaymentMethodFields, "payment_method.")) return fail(*unknown);
  auto token = string_member(method, "card_token", false);
  if (!token.ok()) {
    ApiError error = token.error();
    error.param = "payment_method.card_token";
    return fail(error);
  }
  if (token.value()) payment_method.card_token = *token.value();
  if (const json::value* emoney_value = method.if_contains("emoney");
      emoney_value && !emoney_value->is_null()) {
    auto emoney = emoney_member(method);
    if (!emoney.ok()) return fail(emoney.error());
    payment_method.emoney_brand = emoney->first;
    payment_method.emoney_idm = emoney->second;
  }
  auto qr_code = string_member(method, "qr_code", false);
  if (!qr_code.ok()) {
    ApiError error = qr_code.error();
    error.param = "payment_method.qr_code";
    return fail(error);
  }
  if (qr_code.value()) {
    const std::string& code = *qr_code.value();
    const bool digits = std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || code.size() < kQrCodeDigitsMin || code.size() > kQrCodeDigitsMax) {
      return fail(invalid("payment_method.qr_code", "qr_code must be the 18-20 digits of the payer's code"));
    }
    payment_method.qr_code = code;
  }
  return payment_method;
}

}  // namespace

Result<PaymentMethod, ApiError> parse_confirm(std::string_view body) {
  auto object = object_body(body);
  if (!object.ok()) return fail(object.error());
  if (auto unknown = reject_unknown(object.value(), kConfirmFields, "")) return fail(*unknown);
  return payment_method_member(object.value());
}

Result<std::optional<Yen>, ApiError> parse_capture(std::string_view body) {
  auto object = object_body(body);
  if (!object.ok()) return fail(object.error());
  if (auto unknown = reject_unknown(object.value(), kCaptureFields, "")) return fail(*unknown);
  return optional_amount(object.value(), "amount_to_capture");
}

Result<std::optional<CancellationReason>, ApiError> parse_cancel(std::string_view body) {
  auto object = object_body(body);
  if (!object.ok()) return fail(object.error());
  if (auto unknown = reject_unknown(object.value(), kCancelFields, "")) return fail(*unknown);
  auto text = string_member(object.value(), "cancellation_reason", false);
  if (!text.ok()) return fail(text.error());
  if (!text.value()) return std::optional<CancellationReason>();
  const std::optional<CancellationReason> reason = parse_cancellation_reason(*text.value());
  if (!reason) {
    return fail(
        invalid("cancellation_reason",
                "cancellation_reason must be requested_by_customer, duplicate, fraudulent or abandoned"));
  }
  return std::optional<CancellationReason>(*reason);
}

Result<RefundCommand, ApiError> parse_refund(std::string_view body) {
  auto parsed = object_body(body);
  if (!parsed.ok()) return fail(parsed.error());
  const json::object& object = parsed.value();
  if (auto unknown = reject_unknown(object, kRefundFields, "")) return fail(*unknown);
  auto intent = string_member(object, "payment_intent", true);
  if (!intent.ok()) return fail(intent.error());
  auto amount = optional_amount(object, "amount");
  if (!amount.ok()) return fail(amount.error());
  auto reason = string_member(object, "reason", false);
  if (!reason.ok()) return fail(reason.error());
  if (reason.value() && reason.value()->size() > kRefundReasonBytesMax) {
    return fail(
        invalid("reason", "reason must be at most " + std::to_string(kRefundReasonBytesMax) + " bytes"));
  }
  auto metadata = metadata_member(object);
  if (!metadata.ok()) return fail(metadata.error());
  return RefundCommand{*intent.value(), amount.value(), reason.value().value_or(""),
                       std::move(metadata.value()), ""};
}

Result<WebhookEndpointCommand, ApiError> parse_webhook_endpoint(std::string_view body) {
  auto parsed = object_body(body);
  if (!parsed.ok()) return fail(parsed.error());
  const json::object& object = parsed.value();
  if (auto unknown = reject_unknown(object, kWebhookFields, "")) return fail(*unknown);
  auto url = string_member(object, "url", true);
  if (!url.ok()) return fail(url.error());
  const std::string& text = *url.value();
  const auto uri = boost::urls::parse_uri(text);
  if (!uri || uri->host().empty() || text.size() > kWebhookUrlBytesMax) {
    return fail(invalid("url", "url must be an absolute http URL"));
  }
  if (uri->scheme() != "http") {
    return fail(
        invalid("url",
                "kessai delivers webhooks over http only for now; put a TLS-terminating proxy in front "
                "of an https receiver"));
  }
  const json::value* events = object.if_contains("events");
  if (events == nullptr)
    return fail(ApiError{ErrorCode::missing_parameter, "'events' is required", "events"});
  if (!events->is_array() || events->as_array().empty()) {
    return fail(invalid("events", "events must be a non-empty array of event names"));
  }
  WebhookEndpointCommand command{text, {}};
  for (const json::value& event : events->as_array()) {
    if (!event.is_string() || !parse_event_type(event.as_string())) {
      std::string known;
      for (EventType type : all_event_types())
        known += (known.empty() ? "" : ", ") + std::string(to_string(type));
      return fail(invalid("events", "unknown event name; known: " + known));
    }
    command.events.emplace_back(event.as_string());
  }
  return command;
}

Result<IntentFilter, ApiError> parse_intent_filter(std::string_view query) {
  IntentFilter filter;
  if (query.empty()) return filter;  // (an empty view may have no data pointer, which Boost.URL cannot take)
  const auto params = boost::urls::parse_query(boost::core::string_view(query.data(), query.size()));
  if (!params) return fail(invalid("", "the query string is malformed"));
  for (const auto& param : *params) {
    const std::string key = param.key.decode();
    const std::string value = param.has_value ? param.value.decode() : std::string();
    if (key == "limit") {
      std::size_t limit = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (error != std::errc{} || end != value.data() + value.size()) {
        return fail(
            invalid("limit", "limit must be a whole number from 1 to " + std::to_string(kListLimitMax)));
      }
      filter.limit = limit;
    } else if (key == "starting_after") {
      filter.starting_after = value;
    } else if (key == "status") {
      filter.status = parse_status(value);
      if (!filter.status) return fail(invalid("status", "unknown status '" + value + "'"));
    } else if (key == "means") {
      filter.means = parse_means(value);
      if (!filter.means) return fail(invalid("means", "unknown means '" + value + "'"));
    } else if (key == "facility_id") {
      filter.facility = FacilityId::parse(value);
      if (!filter.facility) return fail(invalid("facility_id", "not a facility id"));
    } else if (key == "procedure_id") {
      filter.procedure = ProcedureId::parse(value);
      if (!filter.procedure) return fail(invalid("procedure_id", "not a procedure id"));
    } else {
      return fail(ApiError{ErrorCode::unknown_parameter, "unknown query parameter '" + key + "'", key});
    }
  }
  return filter;
}

namespace {

// What the payer is to do, while the intent waits for them; null otherwise.
json::value next_action_value(const PaymentIntent& intent) {
  if (intent.status != IntentStatus::requires_payment || !intent.payer_instructions) return nullptr;
  const PayerInstructions& payer = *intent.payer_instructions;
  if (!payer.customer_number.empty()) {
    return json::object{{"type", "payeasy"},
                        {"payeasy", json::object{{"institution_number", payer.institution_number},
                                                 {"customer_number", payer.customer_number},
                                                 {"confirmation_number", payer.confirmation_number},
                                                 {"expires_at", format_utc(payer.expires_at)}}}};
  }
  if (!payer.jpqr_payload.empty()) {
    const std::string image = "/v1/payment_intents/" + intent.id + "/jpqr";
    return json::object{{"type", "jpqr"},
                        {"jpqr", json::object{{"payload", payer.jpqr_payload},
                                              {"expires_at", format_utc(payer.expires_at)},
                                              {"image_png_url", image + ".png"},
                                              {"image_svg_url", image + ".svg"}}}};
  }
  return nullptr;
}

json::object intent_object(const PaymentIntent& intent) {
  json::object out;
  out["id"] = intent.id;
  out["object"] = "payment_intent";
  out["status"] = to_string(intent.status);
  out["amount"] = intent.amount.value();
  out["amount_captured"] = intent.amount_captured.value();
  out["amount_refunded"] = intent.amount_refunded.value();
  out["currency"] = "JPY";
  out["means"] = to_string(intent.means);
  out["fee_code"] = intent.fee_code.str();
  out["facility_id"] = intent.facility ? json::value(intent.facility->str()) : json::value(nullptr);
  out["procedure_id"] = intent.procedure ? json::value(intent.procedure->str()) : json::value(nullptr);
  out["capture_method"] = to_string(intent.capture_method);
  out["description"] = intent.description.empty() ? json::value(nullptr) : json::value(intent.description);
  json::error_code ec;
  json::value metadata = json::parse(intent.metadata_json, ec);
  out["metadata"] = ec ? json::value(json::object()) : std::move(metadata);
  out["processor"] = intent.processor ? json::value(intent.processor->str()) : json::value(nullptr);
  if (intent.failure_code.empty()) {
    out["last_payment_error"] = nullptr;
  } else {
    out["last_payment_error"] =
        json::object{{"code", intent.failure_code}, {"message", intent.failure_message}};
  }
  out["cancellation_reason"] =
      intent.cancellation_reason.empty() ? json::value(nullptr) : json::value(intent.cancellation_reason);
  out["business_date"] =
      intent.business_date ? json::value(ledger::format_date(*intent.business_date)) : json::value(nullptr);
  out["created_at"] = format_utc(intent.created_at);
  out["next_action"] = next_action_value(intent);
  return out;
}

json::object refund_object(const Refund& refund) {
  json::object out;
  out["id"] = refund.id;
  out["object"] = "refund";
  out["payment_intent"] = refund.payment_intent_id;
  out["amount"] = refund.amount.value();
  out["currency"] = "JPY";
  out["status"] = to_string(refund.status);
  out["reason"] = refund.reason.empty() ? json::value(nullptr) : json::value(refund.reason);
  json::error_code ec;
  json::value metadata = json::parse(refund.metadata_json, ec);
  out["metadata"] = ec ? json::value(json::object()) : std::move(metadata);
  out["failure_code"] = refund.failure_code.empty() ? json::value(nullptr) : json::value(refund.failure_code);
  out["business_date"] =
      refund.business_date ? json::value(ledger::format_date(*refund.business_date)) : json::value(nullptr);
  out["created_at"] = format_utc(refund.created_at);
  return out;
}

}  // namespace

std::string intent_json(const PaymentIntent& intent) {
  return json::serialize(intent_object(intent));
}
std::string refund_json(const Refund& refund) {
  return json::serialize(refund_object(refund));
}

std::string intent_list_json(const IntentPage& page) {
  json::array data;
  for (const PaymentIntent& intent : page.items) data.push_back(intent_object(intent));
  return json::serialize(
      json::object{{"object", "list"}, {"data", std::move(data)}, {"has_more", page.has_more}});
}

namespace {

json::object endpoint_object(const WebhookEndpoint& endpoint, bool with_secret) {
  json::array events;
  for (const std::string& event : endpoint.events) events.push_back(json::string(event));
  json::object out{{"id", endpoint.id},           {"object", "webhook_endpoint"},
                   {"url", endpoint.url},         {"events", std::move(events)},
                   {"enabled", endpoint.enabled}, {"created_at", endpoint.created_at}};
  if (with_secret) out["secret"] = endpoint.secret;
  return out;
}

}  // namespace

std::string webhook_endpoint_json(const WebhookEndpoint& endpoint, bool with_secret) {
  return json::serialize(endpoint_object(endpoint, with_secret));
}

std::string webhook_endpoint_list_json(const std::vector<WebhookEndpoint>& endpoints) {
  json::array data;
  for (const WebhookEndpoint& endpoint : endpoints) data.push_back(endpoint_object(endpoint, false));
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}, {"has_more", false}});
}

std::string event_json(const std::string& event_id, std::string_view type, const std::string& created_at,
                       const std::string& object_json) {
  json::error_code ec;
  json::value object = json::parse(object_json, ec);
  return json::serialize(
      json::object{{"id", event_id},
                   {"object", "event"},
                   {"type", type},
                   {"created_at", created_at},
                   {"data", json::object{{"object", ec ? json::value(nullptr) : std::move(object)}}}});
}

runtime::HttpResponse error_response(const ApiError& error, const PaymentIntent* intent,
                                     const Refund* refund) {
  const ErrorInfo& info = error_info(error.code);
  json::object problem{
      {"type", "urn:kessai:problem:" + std::string(info.name)},
      {"title", info.title},
      {"status", info.http_status},
      {"detail", error.detail},
      {"code", info.name},
  };
  if (!error.param.empty()) problem["param"] = error.param;
  if (intent != nullptr) problem["payment_intent"] = intent_object(*intent);
  if (refund != nullptr) problem["refund"] = refund_object(*refund);
  runtime::HttpResponse response;
  response.status = info.http_status;
  response.content_type = "application/problem+json";
  response.body = json::serialize(problem);
  return response;
}

}  // namespace kessai::engine
