#include <catch2/catch.hpp>

#include "acquirer_book.hpp"
#include "card_acquirer.hpp"

using namespace kessai;
using adapters::ChargeOutcome;
using adapters::card::interpret_charge_response;

TEST_CASE("acquirer answers become outcomes; anything ambiguous is unknown, never failed") {
  CHECK(interpret_charge_response(201, R"({"id":"ch_1","status":"captured"})").outcome ==
        ChargeOutcome::approved);
  CHECK(interpret_charge_response(200, R"({"id":"ch_1","status":"captured"})").processor_reference == "ch_1");
  const auto declined = interpret_charge_response(
      402, R"({"id":"ch_2","status":"declined","decline_code":"insufficient_funds"})");
  CHECK(declined.outcome == ChargeOutcome::declined);
  CHECK(declined.decline_code == "insufficient_funds");
  CHECK(interpret_charge_response(400, R"({"error":"invalid_request"})").outcome == ChargeOutcome::rejected);
  CHECK(interpret_charge_response(409, R"({"error":"reference_conflict"})").outcome ==
        ChargeOutcome::rejected);
  CHECK(interpret_charge_response(500, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_charge_response(503, "busy").outcome == ChargeOutcome::unknown);
  CHECK(interpret_charge_response(429, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_charge_response(200, "not json").outcome == ChargeOutcome::unknown);
  CHECK(interpret_charge_response(201, R"({"status":"weird"})").outcome == ChargeOutcome::unknown);
}

TEST_CASE("the acquirer simulator charges a reference once, whatever the retries") {
  sim::AcquirerBook book(1, 0.0);
  const sim::ChargeAttempt attempt{"pi_1", 3000, "FAC001", "tok_visa", true};
  const auto first = book.charge(attempt, "t");
  const auto again = book.charge(attempt, "t");
  CHECK(first.charge.status == "captured");
  CHECK_FALSE(first.replayed);
  CHECK(again.replayed);
  CHECK(again.charge.id == first.charge.id);
  CHECK(book.all().size() == 1);
  auto conflicting = attempt;
  conflicting.amount_yen = 1;
  CHECK(book.charge(conflicting, "t").conflict);
  CHECK(book.all().size() == 1);
}

TEST_CASE("the acquirer simulator declines its test tokens and, when asked, a share of the rest") {
  sim::AcquirerBook book(7, 0.0);
  CHECK(book.charge({"a", 1, "", "tok_decline", true}, "t").charge.decline_code == "card_declined");
  CHECK(book.charge({"b", 1, "", "tok_insufficient_funds", true}, "t").charge.decline_code ==
        "insufficient_funds");
  CHECK(book.charge({"c", 1, "", "4242424242424242", true}, "t").charge.decline_code == "invalid_token");
  CHECK(book.charge({"d", 1, "", "tok_visa", false}, "t").charge.status == "authorized");

  sim::AcquirerBook always(7, 1.0);
  CHECK(always.charge({"e", 1, "", "tok_visa", true}, "t").charge.decline_code == "do_not_honor");
  sim::AcquirerBook replay_a(99, 0.5);
  sim::AcquirerBook replay_b(99, 0.5);
  for (int i = 0; i < 20; ++i) {
    const std::string reference = "pi_" + std::to_string(i);
    CHECK(replay_a.charge({reference, 1, "", "tok_visa", true}, "t").charge.status ==
          replay_b.charge({reference, 1, "", "tok_visa", true}, "t").charge.status);
  }
}
