#include "kessai/engine/errors.hpp"

#include <array>
#include <cassert>

namespace kessai::engine {

namespace {

constexpr std::array<ErrorInfo, 43> kErrors{{
    {ErrorCode::malformed_json, "malformed_json", 400, "The body is not valid JSON"},
    {ErrorCode::invalid_parameter, "invalid_parameter", 400, "A parameter has the wrong type or form"},
    {ErrorCode::missing_parameter, "missing_parameter", 400, "A required parameter is missing"},
    {ErrorCode::unknown_parameter, "unknown_parameter", 400,
     "The request has a parameter kessai does not know"},
    {ErrorCode::amount_invalid, "amount_invalid", 422, "The amount must be a positive whole number of yen"},
    {ErrorCode::amount_too_large, "amount_too_large", 422, "The amount is above the largest allowed"},
    {ErrorCode::currency_unsupported, "currency_unsupported", 422, "Only JPY is supported"},
    {ErrorCode::means_unsupported, "means_unsupported", 422, "Unknown payment means"},
    {ErrorCode::means_unavailable, "means_unavailable", 422, "No processor is configured for this means"},
    {ErrorCode::unknown_fee_code, "unknown_fee_code", 422, "Unknown fee code"},
    {ErrorCode::unknown_facility, "unknown_facility", 422, "Unknown facility"},
    {ErrorCode::unknown_procedure, "unknown_procedure", 422, "Unknown procedure"},
    {ErrorCode::payment_intent_not_found, "payment_intent_not_found", 404, "No such payment intent"},
    {ErrorCode::not_found, "not_found", 404, "No such endpoint"},
    {ErrorCode::method_not_allowed, "method_not_allowed", 405, "Method not allowed on this endpoint"},
    {ErrorCode::unsupported_media_type, "unsupported_media_type", 415, "The body must be application/json"},
    {ErrorCode::body_too_large, "body_too_large", 413, "Request body too large"},
    {ErrorCode::card_declined, "card_declined", 402, "The card was declined"},
    {ErrorCode::processor_unavailable, "processor_unavailable", 502, "The processor could not be reached"},
    {ErrorCode::database_unavailable, "database_unavailable", 503, "The database is unavailable"},
    {ErrorCode::internal_error, "internal_error", 500, "Internal error"},
    {ErrorCode::malformed_request, "malformed_request", 400, "Malformed HTTP request"},
    {ErrorCode::headers_too_large, "headers_too_large", 431, "Request headers too large"},
    {ErrorCode::payment_method_required, "payment_method_required", 422,
     "Confirming needs a payment method for this means"},
    {ErrorCode::overloaded, "overloaded", 503, "kessai is overloaded; retry with backoff"},
    {ErrorCode::processor_error, "processor_error", 502,
     "The processor refused the request; nothing was charged (an operator must look)"},
    {ErrorCode::authentication_required, "authentication_required", 401,
     "Send an API key: Authorization: Bearer <key>"},
    {ErrorCode::invalid_api_key, "invalid_api_key", 401, "The API key is unknown or revoked"},
    {ErrorCode::scope_forbidden, "scope_forbidden", 403,
     "The API key may not charge for this facility or procedure"},
    {ErrorCode::payment_intent_unexpected_state, "payment_intent_unexpected_state", 409,
     "The payment intent's status does not allow this"},
    {ErrorCode::idempotency_key_mismatch, "idempotency_key_mismatch", 422,
     "This Idempotency-Key was used with different parameters"},
    {ErrorCode::idempotency_key_in_use, "idempotency_key_in_use", 409,
     "A request with this Idempotency-Key is still in progress"},
    {ErrorCode::refund_exceeds_captured, "refund_exceeds_captured", 422,
     "The refund is larger than what remains refundable"},
    {ErrorCode::refund_not_found, "refund_not_found", 404, "No such refund"},
    {ErrorCode::processor_declined, "processor_declined", 402, "The processor declined the operation"},
    {ErrorCode::webhook_endpoint_not_found, "webhook_endpoint_not_found", 404, "No such webhook endpoint"},
    {ErrorCode::idempotency_key_invalid, "idempotency_key_invalid", 400,
     "The Idempotency-Key must be 1 to 255 visible ASCII characters"},
    {ErrorCode::processor_not_found, "processor_not_found", 404, "No processor with this id is configured"},
    {ErrorCode::notice_signature_invalid, "notice_signature_invalid", 401,
     "The notice is not signed with this processor's notice secret, or was signed too long ago"},
    {ErrorCode::notice_malformed, "notice_malformed", 400, "The notice is not one this processor sends"},
    {ErrorCode::notice_unknown_payment, "notice_unknown_payment", 422,
     "The notice names no payment kessai sent to this processor"},
    {ErrorCode::image_unavailable, "image_unavailable", 409,
     "The payment intent has no merchant-presented code to show"},
    {ErrorCode::wrong_role, "wrong_role", 403,
     "The API key is not for this part of kessai: /v1 takes a backend key, /dashboard a finance key"},
}};

}  // namespace

const ErrorInfo& error_info(ErrorCode code) {
  for (const ErrorInfo& info : kErrors) {
    if (info.code == code) return info;
  }
  assert(false && "every ErrorCode is in kErrors");
  return kErrors[static_cast<std::size_t>(ErrorCode::internal_error) - 1];
}

std::span<const ErrorInfo> all_errors() {
  return kErrors;
}

}  // namespace kessai::engine
