#include <catch2/catch.hpp>

#include "kessai/engine/payment_intent.hpp"

using namespace kessai::engine;

TEST_CASE("legal transitions lead where the documentation says") {
  CHECK(next_status(IntentStatus::requires_confirmation, IntentEvent::submit) == IntentStatus::processing);
  CHECK(next_status(IntentStatus::processing, IntentEvent::processor_captured) == IntentStatus::succeeded);
  CHECK(next_status(IntentStatus::processing, IntentEvent::processor_authorized) ==
        IntentStatus::requires_capture);
  CHECK(next_status(IntentStatus::processing, IntentEvent::processor_declined) == IntentStatus::failed);
  CHECK(next_status(IntentStatus::processing, IntentEvent::processor_not_sent) == IntentStatus::failed);
  CHECK(next_status(IntentStatus::requires_capture, IntentEvent::capture) == IntentStatus::succeeded);
  CHECK(next_status(IntentStatus::requires_payment, IntentEvent::expire) == IntentStatus::expired);
}

TEST_CASE("terminal statuses accept no event at all") {
  for (IntentStatus terminal :
       {IntentStatus::succeeded, IntentStatus::canceled, IntentStatus::failed, IntentStatus::expired}) {
    CHECK(is_terminal(terminal));
    for (int event = 1; event <= 9; ++event) {
      CHECK_FALSE(next_status(terminal, static_cast<IntentEvent>(event)).has_value());
    }
  }
}

TEST_CASE("illegal transitions are refused") {
  CHECK_FALSE(next_status(IntentStatus::requires_confirmation, IntentEvent::capture).has_value());
  CHECK_FALSE(next_status(IntentStatus::processing, IntentEvent::cancel).has_value());
  CHECK_FALSE(next_status(IntentStatus::requires_confirmation, IntentEvent::processor_captured).has_value());
}

TEST_CASE("names round-trip, unknown names are refused") {
  for (int status = 1; status <= 8; ++status) {
    const auto value = static_cast<IntentStatus>(status);
    CHECK(parse_status(to_string(value)) == value);
  }
  for (const char* means : {"card", "emoney", "qr", "payeasy"})
    CHECK(to_string(*parse_means(means)) == means);
  CHECK_FALSE(parse_means("cash").has_value());
  CHECK_FALSE(parse_means("Card").has_value());
  CHECK_FALSE(parse_capture_method("later").has_value());
}
