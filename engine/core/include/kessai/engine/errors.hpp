#pragma once
// The stable error catalogue of the API. Each code has a number that never changes, an HTTP status and
// a name that clients match on (the problem document's "code"). Documented in docs/errors.md; a test
// checks that every code is documented there.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kessai::engine {

enum class ErrorCode : std::uint16_t {
  malformed_json = 1,
  invalid_parameter = 2,
  missing_parameter = 3,
  unknown_parameter = 4,
  amount_invalid = 5,
  amount_too_large = 6,
  currency_unsupported = 7,
  means_unsupported = 8,
  means_unavailable = 9,
  unknown_fee_code = 10,
  unknown_facility = 11,
  unknown_procedure = 12,
  payment_intent_not_found = 13,
  not_found = 14,
  method_not_allowed = 15,
  unsupported_media_type = 16,
  body_too_large = 17,
  card_declined = 18,
  processor_unavailable = 19,
  database_unavailable = 20,
  internal_error = 21,
  malformed_request = 22,
  headers_too_large = 23,
  payment_method_required = 24,
  overloaded = 25,
  processor_error = 26,
  authentication_required = 27,
  invalid_api_key = 28,
  scope_forbidden = 29,
  payment_intent_unexpected_state = 30,
  idempotency_key_mismatch = 31,
  idempotency_key_in_use = 32,
  refund_exceeds_captured = 33,
  refund_not_found = 34,
  processor_declined = 35,
  webhook_endpoint_not_found = 36,
  idempotency_key_invalid = 37,
  processor_not_found = 38,
  notice_signature_invalid = 39,
  notice_malformed = 40,
  notice_unknown_payment = 41,
  image_unavailable = 42,
  wrong_role = 43,
};

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;
  unsigned http_status;
  std::string_view title;
};

const ErrorInfo& error_info(ErrorCode code);
std::span<const ErrorInfo> all_errors();

// An expected failure of one API call: what went wrong and, where it helps, which parameter.
struct ApiError {
  ErrorCode code;
  std::string detail;
  std::string param;  // e.g. "amount", "payment_method.card_token"; empty when not about one parameter
};

}  // namespace kessai::engine
