#include "emoney_centre.hpp"

#include <array>

#include <boost/json.hpp>

#include "../src/http_json.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::adapters::emoney {

namespace json = boost::json;

namespace {

// What the centre's object says when each operation was done.
constexpr std::array<std::string_view, 1> kPaymentDone{"captured"};
constexpr std::array<std::string_view, 1> kRefundDone{"succeeded"};

constexpr http_json::Peer kCentre{"e-money centre", "emoney_centre_rejected_request"};

// A FeliCa IDm is 8 bytes, written as 16 hex digits.
constexpr std::size_t kIdmDigits = 16;

bool is_idm(std::string_view idm) {
  if (idm.size() != kIdmDigits) return false;
  for (const char c : idm) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

constexpr instant::InstantPeer kInstantCentre{
    .peer = kCentre,
    .not_supported_event = "emoney_operation_not_supported",
    .not_supported_message = "e-money has no separate authorization",
    .no_processor_reference = "refund needs the centre's payment id (processor reference)",
    .payment_done = kPaymentDone,
    .refund_done = kRefundDone,
    .paid_status = "captured",
    // Passed on as found, as the centre names it: the engine only acts on captured and declined.
    .other_status_unknown = false,
    .settlement_profile = "emoney-centre",
};

}  // namespace

EmoneyCentre::EmoneyCentre(const ProcessorConfig& config) : InstantPaymentAdapter(config, kInstantCentre) {}

std::optional<std::string> charge_request_problem(const ChargeRequest& request) {
  if (request.emoney_brand.empty()) {
    return "an e-money payment needs the brand read at the tap (transit_ic, id, quicpay, waon, nanaco)";
  }
  if (request.emoney_idm.empty()) return "an e-money payment needs the card's IDm read at the tap";
  if (!is_idm(request.emoney_idm)) return "the card's IDm must be 16 upper-case hex digits";
  // The centre captures at once: approving a charge meant to be captured later would take the money
  // while the engine believes it only holds an authorization.
  if (!request.capture) return "e-money has no separate authorization: it cannot be captured later";
  return std::nullopt;
}

ChargeResult interpret_payment_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kPaymentDone, kCentre.noun);
}

OperationResult interpret_refund_response(unsigned status, std::string_view body) {
  return http_json::interpret_response(status, body, kRefundDone, kCentre.noun);
}

InquiryResult interpret_inquiry_response(unsigned status, std::string_view body) {
  json::object payment;
  return instant::in_engine_terms(http_json::interpret_list_answer(status, body, payment), payment,
                                  kInstantCentre);
}

ChargeResult EmoneyCentre::charge(const ChargeRequest& request) {
  if (auto problem = charge_request_problem(request)) {
    log::error("emoney_charge_refused",
               {{"processor", id_.str()}, {"payment_id", request.payment_id}, {"message", *problem}});
    return http_json::refused_before_sending(std::move(*problem));
  }
  const json::object body{
      {"reference", request.payment_id},
      {"amount", request.amount.value()},
      {"currency", "JPY"},
      {"brand", request.emoney_brand},
      {"idm", request.emoney_idm},
      {"merchant", request.merchant_reference},
  };
  return send_payment(body, request.payment_id);
}

}  // namespace kessai::adapters::emoney
