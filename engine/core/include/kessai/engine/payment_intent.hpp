#pragma once
// The payment intent and its state machine. Plain C++: no I/O, no Asio, pqxx or JSON here.
// States follow Stripe's PaymentIntent so integrators meet nothing new; see docs/payment-states.md.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kessai/identifier.hpp"
#include "kessai/money.hpp"

namespace kessai::engine {

// Stable numbers; never renumber. The names are the API's and the database's.
enum class Means : std::uint8_t { card = 1, emoney = 2, qr = 3, payeasy = 4 };
enum class IntentStatus : std::uint8_t {
  requires_confirmation = 1,
  requires_payment = 2,  // waiting for the payer: Pay-easy number issued, merchant-presented QR shown
  processing = 3,        // sent to the processor; outcome not known yet
  requires_capture = 4,
  succeeded = 5,
  canceled = 6,
  failed = 7,
  expired = 8,
  reversed = 9,  // succeeded, then cancelled by the payer's bank after clearing (Pay-easy 取消)
};
enum class CaptureMethod : std::uint8_t { automatic = 1, manual = 2 };

// What happens to an intent. Stable numbers; never renumber.
enum class IntentEvent : std::uint8_t {
  submit = 1,                // confirmed and sent to the processor
  processor_captured = 2,    // the processor approved and captured
  processor_authorized = 3,  // approved, capture later (manual capture)
  processor_declined = 4,
  processor_not_sent = 5,  // the processor never saw or refused the request: fails, nothing was charged
  await_payer = 6,         // Pay-easy number / merchant QR issued
  capture = 7,
  cancel = 8,
  expire = 9,
  processor_reversed = 10,  // the processor reports a cleared payment cancelled (Pay-easy 取消)
};

std::string_view to_string(Means means);
std::optional<Means> parse_means(std::string_view text);
// The brands kessai knows for a means: card brands, e-money brands, QR wallets (none for Pay-easy).
std::span<const std::string_view> brands_of(Means means);
bool is_known_brand(Means means, std::string_view brand);
std::string brand_list(Means means);  // "transit_ic, id, quicpay, waon, nanaco", for error messages
std::string_view to_string(IntentStatus status);
std::optional<IntentStatus> parse_status(std::string_view text);
std::string_view to_string(CaptureMethod method);
std::optional<CaptureMethod> parse_capture_method(std::string_view text);
std::string_view to_string(IntentEvent event);

// The state machine: the status an event leads to, or nullopt when the event is illegal in that status.
std::optional<IntentStatus> next_status(IntentStatus from, IntentEvent event);
bool is_terminal(IntentStatus status);

inline constexpr std::int64_t kAmountYenMax = 100'000'000;  // 1億円: far above any fee, far below overflow
inline constexpr std::size_t kDescriptionBytesMax = 1000;
inline constexpr std::size_t kMetadataKeysMax = 20;
inline constexpr std::size_t kMetadataKeyBytesMax = 40;
inline constexpr std::size_t kMetadataValueBytesMax = 500;

// What the payer is to do for an intent in requires_payment: pay a Pay-easy number at an ATM or by net
// banking, or scan a merchant-presented JPQR code. Set when the processor issued it.
struct PayerInstructions {
  std::string institution_number{};   // Pay-easy 収納機関番号, 5 digits
  std::string customer_number{};      // Pay-easy お客様番号, 16-20 digits
  std::string confirmation_number{};  // Pay-easy 確認番号, 4-6 digits
  std::string jpqr_payload{};         // merchant-presented QR: the EMV MPM payload
  std::chrono::system_clock::time_point expires_at{};
};

// A payment or refund made at a facility's POS terminal: which terminal and its transaction number
// (recorded once per terminal), and for payments taken offline when the payer paid.
struct PosOrigin {
  std::string terminal_id{};  // "term_…"
  std::int64_t transaction_number = 0;
  bool offline = false;
  std::optional<std::chrono::system_clock::time_point> taken_at{};  // offline: when the payer paid
};

struct PaymentIntent {
  std::string id;     // "pi_…"
  std::string owner;  // the API key that created it ("key_…"); only it may see or change the intent
  IntentStatus status = IntentStatus::requires_confirmation;
  Means means = Means::card;
  Yen amount;
  Yen amount_captured;
  Yen amount_refunded;  // sum of succeeded refunds; never above amount_captured
  FeeCode fee_code;
  std::optional<FacilityId> facility;
  std::optional<ProcedureId> procedure;
  CaptureMethod capture_method = CaptureMethod::automatic;
  std::string description;
  std::string metadata_json = "{}";  // a JSON object of string values, validated at the API edge
  std::optional<ProcessorId> processor;
  std::string processor_reference;
  std::string failure_code;
  std::string failure_message;
  std::string cancellation_reason;
  std::string idempotency_key;  // of the request that created it, if it sent one; never shown
  std::optional<std::chrono::year_month_day> business_date;  // of the capture, Asia/Tokyo
  std::chrono::system_clock::time_point created_at;
  std::optional<PayerInstructions> payer_instructions{};  // Pay-easy / merchant QR, once issued
  std::string brand{};                                    // card brand, e-money brand or QR wallet, if known
  std::optional<PosOrigin> pos{};                         // taken at a POS terminal
};

// Why an intent was canceled, as Stripe names the reasons. Stable numbers; never renumber.
enum class CancellationReason : std::uint8_t {
  requested_by_customer = 1,
  duplicate = 2,
  fraudulent = 3,
  abandoned = 4
};
std::string_view to_string(CancellationReason reason);
std::optional<CancellationReason> parse_cancellation_reason(std::string_view text);

// Refunds are objects of their own, several per intent, up to the captured amount in total.
enum class RefundStatus : std::uint8_t { pending = 1, succeeded = 2, failed = 3 };
std::string_view to_string(RefundStatus status);
std::optional<RefundStatus> parse_refund_status(std::string_view text);

inline constexpr std::size_t kRefundReasonBytesMax = 500;

struct Refund {
  std::string id;  // "re_…"
  std::string payment_intent_id;
  std::string owner;
  Yen amount;
  RefundStatus status = RefundStatus::pending;
  std::string reason;
  std::string metadata_json = "{}";
  std::string processor_reference;
  std::string failure_code;
  std::string failure_message;
  std::string idempotency_key;
  std::optional<std::chrono::year_month_day> business_date;
  std::chrono::system_clock::time_point created_at;
  std::optional<PosOrigin> pos{};  // made at a POS terminal
};

// Webhook events. The names are the API's; stable numbers; never renumber.
enum class EventType : std::uint8_t {
  payment_intent_succeeded = 1,
  payment_intent_payment_failed = 2,
  payment_intent_canceled = 3,
  payment_intent_expired = 4,
  payment_intent_requires_payment = 5,
  refund_succeeded = 6,
  refund_failed = 7,
  payment_intent_requires_capture = 8,
  payment_intent_reversed = 9,
};
std::string_view to_string(EventType type);  // "payment_intent.succeeded"
std::optional<EventType> parse_event_type(std::string_view text);
std::span<const EventType> all_event_types();
// The event an intent's arrival in a status announces, if any.
std::optional<EventType> event_for(IntentStatus status);

}  // namespace kessai::engine
