#include "kessai/engine/payment_intent.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace kessai::engine {

namespace {

template <class Enum, std::size_t N>
std::optional<Enum> find_by_name(const std::array<std::pair<Enum, std::string_view>, N>& names,
                                 std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<Means, std::string_view>, 4> kMeans{
    {{Means::card, "card"}, {Means::emoney, "emoney"}, {Means::qr, "qr"}, {Means::payeasy, "payeasy"}}};

constexpr std::array<std::pair<IntentStatus, std::string_view>, 9> kStatuses{{
    {IntentStatus::requires_confirmation, "requires_confirmation"},
    {IntentStatus::requires_payment, "requires_payment"},
    {IntentStatus::processing, "processing"},
    {IntentStatus::requires_capture, "requires_capture"},
    {IntentStatus::succeeded, "succeeded"},
    {IntentStatus::canceled, "canceled"},
    {IntentStatus::failed, "failed"},
    {IntentStatus::expired, "expired"},
    {IntentStatus::reversed, "reversed"},
}};

constexpr std::array<std::pair<CaptureMethod, std::string_view>, 2> kCaptureMethods{
    {{CaptureMethod::automatic, "automatic"}, {CaptureMethod::manual, "manual"}}};

constexpr std::array<std::pair<IntentEvent, std::string_view>, 10> kEvents{{
    {IntentEvent::submit, "submit"},
    {IntentEvent::processor_captured, "processor_captured"},
    {IntentEvent::processor_authorized, "processor_authorized"},
    {IntentEvent::processor_declined, "processor_declined"},
    {IntentEvent::processor_not_sent, "processor_not_sent"},
    {IntentEvent::await_payer, "await_payer"},
    {IntentEvent::capture, "capture"},
    {IntentEvent::cancel, "cancel"},
    {IntentEvent::expire, "expire"},
    {IntentEvent::processor_reversed, "processor_reversed"},
}};

struct Transition {
  IntentStatus from;
  IntentEvent event;
  IntentStatus to;
};

// The whole state machine. Anything not listed is illegal.
constexpr std::array<Transition, 16> kTransitions{{
    {IntentStatus::requires_confirmation, IntentEvent::submit, IntentStatus::processing},
    {IntentStatus::requires_confirmation, IntentEvent::await_payer, IntentStatus::requires_payment},
    {IntentStatus::requires_confirmation, IntentEvent::cancel, IntentStatus::canceled},
    {IntentStatus::requires_payment, IntentEvent::processor_captured, IntentStatus::succeeded},
    {IntentStatus::requires_payment, IntentEvent::cancel, IntentStatus::canceled},
    {IntentStatus::requires_payment, IntentEvent::expire, IntentStatus::expired},
    {IntentStatus::processing, IntentEvent::processor_captured, IntentStatus::succeeded},
    {IntentStatus::processing, IntentEvent::processor_authorized, IntentStatus::requires_capture},
    {IntentStatus::processing, IntentEvent::processor_declined, IntentStatus::failed},
    {IntentStatus::processing, IntentEvent::processor_not_sent, IntentStatus::failed},
    {IntentStatus::requires_capture, IntentEvent::capture, IntentStatus::succeeded},
    {IntentStatus::requires_capture, IntentEvent::cancel, IntentStatus::canceled},
    {IntentStatus::requires_capture, IntentEvent::expire, IntentStatus::expired},
    {IntentStatus::requires_payment, IntentEvent::processor_declined, IntentStatus::failed},
    {IntentStatus::succeeded, IntentEvent::processor_reversed, IntentStatus::reversed},
    {IntentStatus::processing, IntentEvent::await_payer, IntentStatus::requires_payment},
}};

constexpr std::array<std::pair<CancellationReason, std::string_view>, 4> kCancellationReasons{{
    {CancellationReason::requested_by_customer, "requested_by_customer"},
    {CancellationReason::duplicate, "duplicate"},
    {CancellationReason::fraudulent, "fraudulent"},
    {CancellationReason::abandoned, "abandoned"},
}};

constexpr std::array<std::pair<RefundStatus, std::string_view>, 3> kRefundStatuses{
    {{RefundStatus::pending, "pending"},
     {RefundStatus::succeeded, "succeeded"},
     {RefundStatus::failed, "failed"}}};

constexpr std::array<std::pair<EventType, std::string_view>, 9> kEventTypes{{
    {EventType::payment_intent_succeeded, "payment_intent.succeeded"},
    {EventType::payment_intent_payment_failed, "payment_intent.payment_failed"},
    {EventType::payment_intent_canceled, "payment_intent.canceled"},
    {EventType::payment_intent_expired, "payment_intent.expired"},
    {EventType::payment_intent_requires_payment, "payment_intent.requires_payment"},
    {EventType::refund_succeeded, "refund.succeeded"},
    {EventType::refund_failed, "refund.failed"},
    {EventType::payment_intent_requires_capture, "payment_intent.requires_capture"},
    {EventType::payment_intent_reversed, "payment_intent.reversed"},
}};

constexpr std::array<EventType, 9> kAllEventTypes{EventType::payment_intent_succeeded,
                                                  EventType::payment_intent_payment_failed,
                                                  EventType::payment_intent_canceled,
                                                  EventType::payment_intent_expired,
                                                  EventType::payment_intent_requires_payment,
                                                  EventType::refund_succeeded,
                                                  EventType::refund_failed,
                                                  EventType::payment_intent_requires_capture,
                                                  EventType::payment_intent_reversed};

}  // namespace

std::string_view to_string(CancellationReason reason) {
  return name_of(kCancellationReasons, reason);
}
std::optional<CancellationReason> parse_cancellation_reason(std::string_view text) {
  return find_by_name(kCancellationReasons, text);
}
std::string_view to_string(RefundStatus status) {
  return name_of(kRefundStatuses, status);
}
std::optional<RefundStatus> parse_refund_status(std::string_view text) {
  return find_by_name(kRefundStatuses, text);
}
std::string_view to_string(EventType type) {
  return name_of(kEventTypes, type);
}
std::optional<EventType> parse_event_type(std::string_view text) {
  return find_by_name(kEventTypes, text);
}
std::span<const EventType> all_event_types() {
  return kAllEventTypes;
}

std::optional<EventType> event_for(IntentStatus status) {
  switch (status) {
    case IntentStatus::succeeded:
      return EventType::payment_intent_succeeded;
    case IntentStatus::failed:
      return EventType::payment_intent_payment_failed;
    case IntentStatus::canceled:
      return EventType::payment_intent_canceled;
    case IntentStatus::expired:
      return EventType::payment_intent_expired;
    case IntentStatus::requires_payment:
      return EventType::payment_intent_requires_payment;
    case IntentStatus::requires_capture:
      return EventType::payment_intent_requires_capture;
    case IntentStatus::reversed:
      return EventType::payment_intent_reversed;
    case IntentStatus::requires_confirmation:
    case IntentStatus::processing:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string_view to_string(Means means) {
  return name_of(kMeans, means);
}
std::optional<Means> parse_means(std::string_view text) {
  return find_by_name(kMeans, text);
}

std::span<const std::string_view> brands_of(Means means) {
  static constexpr std::array<std::string_view, 5> kCard{"visa", "mastercard", "jcb", "amex", "diners"};
  static constexpr std::array<std::string_view, 5> kEmoney{"transit_ic", "id", "quicpay", "waon", "nanaco"};
  static constexpr std::array<std::string_view, 4> kQr{"paypay", "d_barai", "au_pay", "rakuten_pay"};
  switch (means) {
    case Means::card:
      return kCard;
    case Means::emoney:
      return kEmoney;
    case Means::qr:
      return kQr;
    default:
      return {};
  }
}

bool is_known_brand(Means means, std::string_view brand) {
  const auto brands = brands_of(means);
  return std::find(brands.begin(), brands.end(), brand) != brands.end();
}

std::string brand_list(Means means) {
  std::string list;
  for (const std::string_view brand : brands_of(means)) {
    if (!list.empty()) list += ", ";
    list += brand;
  }
  return list;
}
std::string_view to_string(IntentStatus status) {
  return name_of(kStatuses, status);
}
std::optional<IntentStatus> parse_status(std::string_view text) {
  return find_by_name(kStatuses, text);
}
std::string_view to_string(CaptureMethod method) {
  return name_of(kCaptureMethods, method);
}
std::optional<CaptureMethod> parse_capture_method(std::string_view text) {
  return find_by_name(kCaptureMethods, text);
}
std::string_view to_string(IntentEvent event) {
  return name_of(kEvents, event);
}

std::optional<IntentStatus> next_status(IntentStatus from, IntentEvent event) {
  for (const Transition& transition : kTransitions) {
    if (transition.from == from && transition.event == event) return transition.to;
  }
  return std::nullopt;
}

bool is_terminal(IntentStatus status) {
  return status == IntentStatus::succeeded || status == IntentStatus::canceled ||
         status == IntentStatus::failed || status == IntentStatus::expired ||
         status == IntentStatus::reversed;
}

}  // namespace kessai::engine
