#include "kessai/engine/payment_intent.hpp"

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

constexpr std::array<std::pair<IntentStatus, std::string_view>, 8> kStatuses{{
    {IntentStatus::requires_confirmation, "requires_confirmation"},
    {IntentStatus::requires_payment, "requires_payment"},
    {IntentStatus::processing, "processing"},
    {IntentStatus::requires_capture, "requires_capture"},
    {IntentStatus::succeeded, "succeeded"},
    {IntentStatus::canceled, "canceled"},
    {IntentStatus::failed, "failed"},
    {IntentStatus::expired, "expired"},
}};

constexpr std::array<std::pair<CaptureMethod, std::string_view>, 2> kCaptureMethods{
    {{CaptureMethod::automatic, "automatic"}, {CaptureMethod::manual, "manual"}}};

constexpr std::array<std::pair<IntentEvent, std::string_view>, 9> kEvents{{
    {IntentEvent::submit, "submit"},
    {IntentEvent::processor_captured, "processor_captured"},
    {IntentEvent::processor_authorized, "processor_authorized"},
    {IntentEvent::processor_declined, "processor_declined"},
    {IntentEvent::processor_not_sent, "processor_not_sent"},
    {IntentEvent::await_payer, "await_payer"},
    {IntentEvent::capture, "capture"},
    {IntentEvent::cancel, "cancel"},
    {IntentEvent::expire, "expire"},
}};

struct Transition {
  IntentStatus from;
  IntentEvent event;
  IntentStatus to;
};

// The whole state machine. Anything not listed is illegal.
constexpr std::array<Transition, 14> kTransitions{{
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
}};

}  // namespace

std::string_view to_string(Means means) {
  return name_of(kMeans, means);
}
std::optional<Means> parse_means(std::string_view text) {
  return find_by_name(kMeans, text);
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
         status == IntentStatus::failed || status == IntentStatus::expired;
}

}  // namespace kessai::engine
