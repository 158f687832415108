#pragma once
// The one interface every processor adapter implements (card acquirer, e-money centre, QR provider,
// Pay-easy centre). The engine sees only this; adding a processor touches one folder under adapters/.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kessai/identifier.hpp"
#include "kessai/money.hpp"
#include "kessai/result.hpp"

namespace kessai::adapters {

// Stable numbers; never renumber.
enum class ChargeOutcome : std::uint8_t {
  approved = 1,  // authorized, and captured when capture was asked
  declined = 2,  // the processor refused; nothing was charged
  not_sent = 3,  // the processor never saw the request (connection refused, …); nothing was charged
  unknown = 4,   // sent, but no usable answer (timeout, lost response, 5xx): must be inquired, never assumed
  rejected = 5,  // the processor refused the request itself (malformed, bad merchant): nothing was charged
};
inline std::string_view to_string(ChargeOutcome outcome) {
  switch (outcome) {
    case ChargeOutcome::approved:
      return "approved";
    case ChargeOutcome::declined:
      return "declined";
    case ChargeOutcome::not_sent:
      return "not_sent";
    case ChargeOutcome::unknown:
      return "unknown";
    case ChargeOutcome::rejected:
      return "rejected";
  }
  return "unknown";
}

struct ChargeRequest {
  std::string payment_id;  // our reference; processors de-duplicate on it
  Yen amount;
  std::string merchant_reference;  // facility or procedure id the charge is for
  std::string card_token;          // card only; never logged
  bool capture = true;
  // E-money only: the brand ("transit_ic", "id", "quicpay", "waon", "nanaco") and the card's IDm as
  // read by the terminal's reader at the tap (16 upper-case hex digits).
  std::string emoney_brand;
  std::string emoney_idm;
  std::string qr_code{};  // QR only: the payer's code as scanned (digits)
};

struct ChargeResult {
  ChargeOutcome outcome = ChargeOutcome::unknown;
  std::string processor_reference{};  // the processor's transaction id, when it gave one
  std::string decline_code{};         // e.g. "card_declined", "insufficient_funds"
  std::string message{};              // for logs and the payer-facing error detail
  std::string brand{};                // card: the brand the acquirer read from the card ("jcb"), if it says
};

// Capture of an authorization (manual capture), full or partial: the rest of the authorization is released.
struct CaptureRequest {
  std::string payment_id;
  std::string processor_reference;  // the charge to capture
  Yen amount;
};

// Release of an authorization that will not be captured (取消 before capture).
struct VoidRequest {
  std::string payment_id;
  std::string processor_reference;
};

struct RefundRequest {
  std::string refund_id;  // our reference; processors de-duplicate on it
  std::string payment_id;
  std::string processor_reference;  // the captured charge to refund
  Yen amount;
};

// The outcome of capture, void and refund uses the same vocabulary as a charge: approved, declined
// (with a code, e.g. "refund_exceeds_capture", "refund_not_supported"), not_sent, unknown, rejected.
using OperationResult = ChargeResult;

// What the processor knows of a charge we made (inquiry by our payment id).
enum class InquiryOutcome : std::uint8_t {
  found = 1,      // the processor has the charge; see status
  not_found = 2,  // the processor never recorded a charge for this payment
  unknown = 3,    // the inquiry itself failed (unreachable, 5xx): ask again later
};

struct InquiryResult {
  InquiryOutcome outcome = InquiryOutcome::unknown;
  std::string status{};  // with found: "captured", "authorized", "declined", "voided"
  std::string processor_reference{};
  std::string decline_code{};
  Yen amount_captured{};
  std::string message{};
  std::string brand{};  // card: the brand the acquirer names, when it does
};

// Pay-easy numbers and merchant-presented QR codes: the payer pays later, elsewhere (an ATM, net banking,
// a wallet app), and the processor tells us by a signed notice sent to notify_url.
struct PayerActionRequest {
  std::string payment_id;  // our reference; processors de-duplicate on it
  Yen amount;
  std::string merchant_reference;  // facility or procedure id
  std::chrono::system_clock::time_point expires_at;
  std::string notify_url;  // where the processor sends its notices for this payment
};

struct PayerAction {
  ChargeOutcome outcome = ChargeOutcome::unknown;
  std::string processor_reference{};  // the processor's number or order id
  std::string decline_code{};
  std::string message{};
  std::string institution_number{};                    // Pay-easy 収納機関番号
  std::string customer_number{};                       // Pay-easy お客様番号
  std::string confirmation_number{};                   // Pay-easy 確認番号
  std::string jpqr_payload{};                          // merchant-presented QR: the code to show
  std::chrono::system_clock::time_point expires_at{};  // the processor's deadline
};

// What the processor knows of a payer action (inquiry by our payment id), in the engine's words.
enum class PayerActionStatus : std::uint8_t {
  waiting = 1,    // issued, not paid, not past its deadline
  paid = 2,       // the payer paid
  expired = 3,    // the deadline passed unpaid
  withdrawn = 4,  // we withdrew it (cancel) before it was paid
  reversed = 5,   // paid, then cancelled by the payer's bank (Pay-easy 取消)
};

struct PayerActionInquiry {
  InquiryOutcome outcome = InquiryOutcome::unknown;
  PayerActionStatus status = PayerActionStatus::waiting;
  std::string processor_reference{};  // what refunds are made against (the processor's payment id)
  Yen amount{};
  std::string message{};
};

// A notice (callback) from a processor, authenticated and read by the adapter of that processor.
enum class NoticeKind : std::uint8_t {
  paid = 1,      // the payer paid (Pay-easy 速報, a merchant-presented QR code paid)
  reversed = 2,  // a cleared payment was cancelled by the payer's bank (Pay-easy 取消)
};
inline std::string_view to_string(NoticeKind kind) {
  return kind == NoticeKind::paid ? "paid" : "reversed";
}

struct ProcessorNotice {
  std::string notice_id;  // the processor's id of the notice; the same notice sent twice has the same id
  NoticeKind kind = NoticeKind::paid;
  std::string payment_id;             // our reference
  std::string processor_reference{};  // what refunds are made against
  Yen amount{};
  std::chrono::system_clock::time_point occurred_at{};
};

// Why a notice is refused. Stable numbers; never renumber.
enum class NoticeProblem : std::uint8_t {
  unsigned_notice = 1,  // no signature header
  bad_signature = 2,    // the signature does not verify with our secret
  stale = 3,            // signed too long ago (or too far ahead): a replay
  malformed = 4,        // not a notice this processor sends
  not_supported = 5,    // this processor sends no notices
};

struct NoticeRejection {
  NoticeProblem problem = NoticeProblem::malformed;
  std::string message;
};

// How the processor's settlement file is read: the name of a profile in the settlement profiles
// folder (ops/config/settlement/<name>.toml), which describes its layout as data.
struct SettlementProfile {
  std::string name;
};

class Processor {
 public:
  virtual ~Processor() = default;
  virtual const ProcessorId& id() const = 0;
  virtual std::string_view kind() const = 0;
  // All blocking; bounded by the adapter's own timeouts.
  virtual ChargeResult charge(const ChargeRequest& request) = 0;
  virtual OperationResult capture(const CaptureRequest& request) = 0;
  virtual OperationResult void_authorization(const VoidRequest& request) = 0;
  virtual OperationResult refund(const RefundRequest& request) = 0;
  // Settles an unknown outcome: what became of the charge for this payment id.
  virtual InquiryResult inquire_charge(const std::string& payment_id) = 0;

  // Issues what the payer pays with: a Pay-easy number or a JPQR code. Default: refused.
  virtual PayerAction request_payer_action(const PayerActionRequest& /*request*/) {
    return PayerAction{.outcome = ChargeOutcome::rejected,
                       .message = "this processor does not wait for payers"};
  }
  // Withdraws an unpaid number or code (cancel, expiry). approved: it can no longer be paid; declined
  // "already_paid": the payer paid first. Default: refused.
  virtual OperationResult withdraw_payer_action(const std::string& /*payment_id*/,
                                                const std::string& /*processor_reference*/) {
    return OperationResult{.outcome = ChargeOutcome::rejected,
                           .message = "this processor does not wait for payers"};
  }
  virtual PayerActionInquiry inquire_payer_action(const std::string& /*payment_id*/) {
    return PayerActionInquiry{.message = "this processor does not wait for payers"};
  }
  // Authenticates and reads a notice: the raw body as received and the request's headers (names in
  // lower case). Default: not_supported.
  virtual Result<ProcessorNotice, NoticeRejection> read_notice(
      std::string_view /*body*/, const std::vector<std::pair<std::string, std::string>>& /*headers*/,
      std::chrono::system_clock::time_point /*now*/) const {
    return fail(NoticeRejection{NoticeProblem::not_supported, "this processor sends no notices"});
  }
  virtual SettlementProfile settlement_profile() const = 0;
};

struct ProcessorConfig {
  ProcessorId id;
  std::string kind;  // "card", …
  std::string url;   // the processor's base URL
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};
  // The shared secret the processor signs its notices with; required by the kinds that send notices.
  std::string notice_secret{};
  // The settlement profile's name; empty: the kind's default (its simulator's layout).
  std::string settlement_profile{};
  // Merchant-presented QR (kind "qr"): the JPQR merchant data printed into every code. Empty name: the
  // provider offers customer-presented codes only.
  struct Jpqr {
    std::string merchant_code{};  // 13 digits, 統一店舗識別コード
    std::string code_02{};
    std::string code_03{};
    std::string code_04{};
    std::string category_code{};  // MCC, 4 digits
    std::string name{};
    std::string city{};
    std::string postal_code{};
    std::string name_japanese{};
    std::string city_japanese{};
  } jpqr{};
};

}  // namespace kessai::adapters
