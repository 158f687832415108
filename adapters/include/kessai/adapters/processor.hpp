#pragma once
// The one interface every processor adapter implements (card acquirer, e-money centre, QR provider,
// Pay-easy centre). The engine sees only this; adding a processor touches one folder under adapters/.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kessai/identifier.hpp"
#include "kessai/money.hpp"

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
  std::string processor_reference;  // the processor's transaction id, when it gave one
  std::string decline_code;         // e.g. "card_declined", "insufficient_funds"
  std::string message;              // for logs and the payer-facing error detail
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
  std::string status;  // with found: "captured", "authorized", "declined", "voided"
  std::string processor_reference;
  std::string decline_code;
  Yen amount_captured;
  std::string message;
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
};

struct ProcessorConfig {
  ProcessorId id;
  std::string kind;  // "card", …
  std::string url;   // the processor's base URL
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};
};

}  // namespace kessai::adapters
