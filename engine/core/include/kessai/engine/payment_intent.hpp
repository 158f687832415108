#pragma once
// The payment intent and its state machine. Plain C++: no I/O, no Asio, pqxx or JSON here.
// States follow Stripe's PaymentIntent so integrators meet nothing new; see docs/payment-states.md.

#include <chrono>
#include <cstdint>
#include <optional>
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
};

std::string_view to_string(Means means);
std::optional<Means> parse_means(std::string_view text);
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

struct PaymentIntent {
  std::string id;  // "pi_…"
  IntentStatus status = IntentStatus::requires_confirmation;
  Means means = Means::card;
  Yen amount;
  Yen amount_captured;
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
  std::optional<std::chrono::year_month_day> business_date;  // of the capture, Asia/Tokyo
  std::chrono::system_clock::time_point created_at;
};

}  // namespace kessai::engine
