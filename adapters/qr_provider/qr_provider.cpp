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

// "completed" is the engine's "captured"; any status but that and "declined" is unknown, never guessed.
constexpr instant::InstantPeer kInstantProvider{
    .peer = kProvider,
    .not_supported_event = "qr_operation_not_supported",
    .not_supported_message = "a scanned QR code is paid at once",
    .no_processor_reference = "refund needs the provider's payment id (processor reference)",
    .payment_done = kDone,
    .refund_done = kDone,
    .paid_status = "completed",
    .other_status_unknown = true,
};

}  // namespace

QrProvider::QrProvider(const ProcessorConfig& config) : InstantPaymentAdapter(config, kInstantProvider) {}

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
  return instant::in_engine_terms(http_json::interpret_list_answer(status, body, payment), payment,
                                  kInstantProvider);
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
  return send_payment(body, request.payment_id);
}

}  // namespace kessai::adapters::qr_provider
