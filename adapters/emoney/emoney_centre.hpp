#pragma once
// An e-money centre (電子マネーセンター: the transit IC, iD, QUICPay, WAON and nanaco clearing centres a
// terminal's reader talks to) over its HTTP/JSON API. A payment is captured when it is made: e-money
// has no separate authorization, so capture and void are refused here, before anything is sent.
// Payments are de-duplicated by our payment id, refunds by our refund id. iD and QUICPay are postpaid
// and refunded through the card issuer: the centre declines their refunds with refund_not_supported.

#include <optional>
#include <string>
#include <string_view>

#include "../src/instant_payment.hpp"
#include "kessai/adapters/processor.hpp"

namespace kessai::adapters::emoney {

// Capture, void, refund and inquiry are InstantPaymentAdapter's; here are the payment body and its checks.
class EmoneyCentre final : public instant::InstantPaymentAdapter {
 public:
  explicit EmoneyCentre(const ProcessorConfig& config);
  std::string_view kind() const override { return "emoney"; }
  ChargeResult charge(const ChargeRequest& request) override;
};

// Exposed for unit tests: what is wrong with a charge request before it is sent (no brand, no IDm, an
// IDm that is not 16 upper-case hex digits, capture later asked for), or nullopt when it can be sent.
std::optional<std::string> charge_request_problem(const ChargeRequest& request);

// Exposed for unit tests: how the centre's answers become outcomes, with the card acquirer's rules
// (see adapters/src/http_json.hpp). A payment is done when its "status" is "captured", a refund when
// "succeeded"; a 402 "declined" carries the decline_code (insufficient_balance, card_blocked,
// brand_not_supported, do_not_honor; refund_not_supported, refund_exceeds_capture).
ChargeResult interpret_payment_response(unsigned status, std::string_view body);
OperationResult interpret_refund_response(unsigned status, std::string_view body);

// Exposed for unit tests: an answer to GET /v1/payments?reference=… as an inquiry result; a captured
// payment was captured in full, so amount_captured is its "amount".
InquiryResult interpret_inquiry_response(unsigned status, std::string_view body);

}  // namespace kessai::adapters::emoney
