#include "pending_terms.hpp"

#include <boost/json.hpp>

#include "instant_front.hpp"
#include "notifier.hpp"
#include "utc_time.hpp"

namespace kessai::sim {

namespace json = boost::json;

std::optional<std::string> parse_pending_terms(const json::object& object, std::int64_t amount_yen_max,
                                               PendingTerms& terms) {
  const json::string* reference = text_field(object, "reference", kReferenceBytesMax);
  const json::value* amount = object.if_contains("amount");
  const json::value* currency = object.if_contains("currency");
  const json::value* merchant = object.if_contains("merchant");
  const json::value* expires_at = object.if_contains("expires_at");
  const json::string* notify_url = text_field(object, "notify_url", kNotifyUrlBytesMax);
  if (reference == nullptr) return bytes_rule("reference", kReferenceBytesMax);
  if (amount == nullptr || !amount->is_int64() || amount->as_int64() <= 0 ||
      amount->as_int64() > amount_yen_max) {
    return "amount must be a positive integer of at most " + std::to_string(amount_yen_max) + " yen";
  }
  if (currency == nullptr || !currency->is_string() || currency->as_string() != "JPY") {
    return "currency must be JPY";
  }
  if (merchant != nullptr && (!merchant->is_string() || merchant->as_string().size() > kMerchantBytesMax)) {
    return "merchant must be a string of at most " + std::to_string(kMerchantBytesMax) + " bytes";
  }
  const std::optional<std::int64_t> expires_at_s = expires_at != nullptr && expires_at->is_string()
                                                       ? parse_utc_seconds(expires_at->as_string())
                                                       : std::nullopt;
  if (!expires_at_s) return "expires_at is required, an RFC 3339 time in UTC such as 2026-12-01T14:59:59Z";
  if (notify_url == nullptr || !split_notify_url(*notify_url)) {
    return "notify_url is required, an http:// URL of at most " + std::to_string(kNotifyUrlBytesMax) +
           " bytes";
  }
  terms.reference = std::string(*reference);
  terms.amount_yen = amount->as_int64();
  terms.merchant = merchant != nullptr ? std::string(merchant->as_string()) : std::string();
  terms.expires_at_s = *expires_at_s;
  terms.notify_url = std::string(*notify_url);
  return std::nullopt;
}

}  // namespace kessai::sim
