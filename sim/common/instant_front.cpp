#include "instant_front.hpp"

namespace kessai::sim {

namespace json = boost::json;

namespace {

std::optional<std::int64_t> positive_amount(const json::object& object) {
  const json::value* amount = object.if_contains("amount");
  if (amount == nullptr || !amount->is_int64() || amount->as_int64() <= 0) return std::nullopt;
  return amount->as_int64();
}

}  // namespace

const json::string* text_field(const json::object& object, std::string_view key, std::size_t bytes_max) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return nullptr;
  const json::string& text = value->as_string();
  return !text.empty() && text.size() <= bytes_max ? &text : nullptr;
}

std::string bytes_rule(std::string_view field, std::size_t bytes_max) {
  return std::string(field) + " is required, 1.." + std::to_string(bytes_max) + " bytes";
}

std::optional<std::string> parse_payment_body(
    const std::string& body, PaymentTerms& terms,
    const std::function<std::optional<std::string>(const json::object&)>& own_fields) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "body must be a JSON object";
  const json::object& object = parsed.as_object();
  const json::string* reference = text_field(object, "reference", kReferenceBytesMax);
  const std::optional<std::int64_t> amount_yen = positive_amount(object);
  const json::value* currency = object.if_contains("currency");
  const json::value* merchant = object.if_contains("merchant");
  if (reference == nullptr) return bytes_rule("reference", kReferenceBytesMax);
  if (!amount_yen) return "amount must be a positive integer";
  if (currency == nullptr || !currency->is_string() || currency->as_string() != "JPY") {
    return "currency must be JPY";
  }
  if (auto problem = own_fields(object)) return problem;
  const bool merchant_ok =
      merchant == nullptr || (merchant->is_string() && merchant->as_string().size() <= kMerchantBytesMax);
  if (!merchant_ok)
    return "merchant must be a string of at most " + std::to_string(kMerchantBytesMax) + " bytes";
  terms = PaymentTerms{std::string(*reference), *amount_yen,
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

runtime::HttpResponse refund_declined(std::string_view object, const std::string& payment_id,
                                      const std::string& reference, std::int64_t amount_yen,
                                      std::string_view decline_code, std::string message) {
  return reply(402, json::object{{"object", object},
                                 {"payment", payment_id},
                                 {"reference", reference},
                                 {"amount", amount_yen},
                                 {"status", "declined"},
                                 {"decline_code", decline_code},
                                 {"message", std::move(message)}});
}

runtime::HttpResponse reference_conflict(std::string_view message) {
  return reply(409, json::object{{"error", "reference_conflict"}, {"message", message}});
}

unsigned payment_status_code(bool declined, bool replayed) {
  return declined ? 402 : (replayed ? 200 : 201);
}

}  // namespace kessai::sim
