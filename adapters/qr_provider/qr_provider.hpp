#pragma once
// A QR code-payment provider (PayPay, d払い, au PAY, 楽天ペイ) over its HTTP/JSON merchant API, for the
// payer's code scanned at a counter (customer-presented, CPM). A scanned code is paid at once: there is
// no authorization, so capture and void are refused here, before anything is sent. Payments are
// de-duplicated by our payment id, refunds by our refund id. The provider calls a paid payment
// "completed"; the engine's word for it is "captured", and inquiries answer in the engine's words.
// The payer's code is sent, never logged: while it is valid on the phone it could be presented again.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "../src/instant_payment.hpp"
#include "kessai/adapters/processor.hpp"
#include "kessai/qr/jpqr.hpp"

namespace kessai::adapters::qr_provider {

// A payer's code is 18..20 digits (its first two name the wallet: the provider checks those).
constexpr std::size_t kCodeDigitsMin = 18;
constexpr std::size_t kCodeDigitsMax = 20;

// Capture, void, refund and inquiry are InstantPaymentAdapter's; here are the payment body and its checks.
//
// Merchant-presented dynamic codes (JPQR MPM): an order is created at the provider (POST /v1/orders,
// de-duplicated on our payment id), kessai prints the order id into the code as its reference label
// (62/05) with the JPQR merchant data from config, the payer's wallet app pays the order, and the
// provider sends a signed "order.paid" notice.
class QrProvider final : public instant::InstantPaymentAdapter {
 public:
  explicit QrProvider(const ProcessorConfig& config);
  std::string_view kind() const override { return "qr"; }
  ChargeResult charge(const ChargeRequest& request) override;

  PayerAction request_payer_action(const PayerActionRequest& request) override;
  OperationResult withdraw_payer_action(const std::string& payment_id,
                                        const std::string& processor_reference) override;
  PayerActionInquiry inquire_payer_action(const std::string& payment_id) override;
  Result<ProcessorNotice, NoticeRejection> read_notice(
      std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
      std::chrono::system_clock::time_point now) const override;

 private:
  std::optional<qr::JpqrMerchant> jpqr_merchant_;  // unset: customer-presented codes only
  std::string notice_secret_;
};

// Exposed for unit tests: the JPQR merchant from config (nullopt when none is configured), or the first
// invalid field.
Result<std::optional<qr::JpqrMerchant>, std::string> jpqr_merchant_from(const ProcessorConfig& config);

// Exposed for unit tests: what is wrong with a charge request before it is sent (no code, a code that is
// not 18..20 digits, capture later asked for), or nullopt when it can be sent. The message never
// repeats the code.
std::optional<std::string> charge_request_problem(const ChargeRequest& request);

// Exposed for unit tests: how the provider's answers become outcomes, with the card acquirer's rules
// (see adapters/src/http_json.hpp). A payment or a refund is done when its "status" is "completed"; a
// 402 "declined" carries the decline_code (invalid_code, code_expired, code_already_used, user_blocked,
// insufficient_balance, do_not_honor; refund_exceeds_payment).
ChargeResult interpret_payment_response(unsigned status, std::string_view body);
OperationResult interpret_refund_response(unsigned status, std::string_view body);

// Exposed for unit tests: an answer to GET /v1/payments?reference=… as an inquiry result. A "completed"
// payment is found "captured" with amount_captured its "amount" (it is paid in full or not at all); a
// "declined" one is found "declined"; any other status is unknown, never guessed: the engine would take
// it for a failed payment.
InquiryResult interpret_inquiry_response(unsigned status, std::string_view body);

}  // namespace kessai::adapters::qr_provider
