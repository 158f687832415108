#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "acquirer_book.hpp"
#include "acquirer_records.hpp"
#include "card_acquirer.hpp"
#include "json_lines.hpp"

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

TEST_CASE("an approved charge keeps the brand the acquirer read from the card; an inquiry finds it too") {
  const auto jcb =
      interpret_charge_response(201, R"({"id":"ch_1","status":"captured","card_brand":"jcb","amount":3000})");
  CHECK(jcb.outcome == ChargeOutcome::approved);
  CHECK(jcb.brand == "jcb");
  // No brand named, or a charge that was not approved: none kept.
  CHECK(interpret_charge_response(201, R"({"id":"ch_2","status":"captured"})").brand.empty());
  CHECK(interpret_charge_response(402, R"({"id":"ch_3","status":"declined","card_brand":"visa"})")
            .brand.empty());
  CHECK(interpret_charge_response(201, R"({"id":"ch_4","status":"captured","card_brand":7})").brand.empty());
  const auto found = adapters::card::interpret_inquiry_response(
      200,
      R"({"object":"list","data":[{"id":"ch_5","status":"captured","amount_captured":900,"card_brand":"amex"}]})");
  CHECK(found.brand == "amex");
  CHECK(found.amount_captured == Yen(900));
  // The simulator names the brand its test token stands for, on the wire.
  sim::AcquirerBook book(1, 0.0);
  const auto charged = book.charge({"pi_jcb", 3000, "FAC001", "tok_jcb", true}, "t");
  CHECK(charged.charge.card_brand == "jcb");
  CHECK(sim::charge_json(charged.charge).at("card_brand") == "jcb");
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

TEST_CASE("capture, void and refund answers map like a charge's, each with its own success status") {
  using adapters::card::interpret_capture_response;
  using adapters::card::interpret_refund_response;
  using adapters::card::interpret_void_response;

  const auto captured = interpret_capture_response(200, R"({"id":"ch_1","status":"captured"})");
  CHECK(captured.outcome == ChargeOutcome::approved);
  CHECK(captured.processor_reference == "ch_1");
  // A charge still authorized after a capture was not captured: never assume it was.
  CHECK(interpret_capture_response(200, R"({"id":"ch_1","status":"authorized"})").outcome ==
        ChargeOutcome::unknown);
  CHECK(interpret_void_response(200, R"({"id":"ch_1","status":"voided"})").outcome ==
        ChargeOutcome::approved);
  CHECK(interpret_void_response(200, R"({"id":"ch_1","status":"captured"})").outcome ==
        ChargeOutcome::unknown);

  const auto refunded =
      interpret_refund_response(201, R"({"id":"rf_000001","charge":"ch_1","status":"succeeded"})");
  CHECK(refunded.outcome == ChargeOutcome::approved);
  CHECK(refunded.processor_reference == "rf_000001");
  CHECK(interpret_refund_response(200, R"({"id":"rf_000001","status":"succeeded"})").outcome ==
        ChargeOutcome::approved);
  const auto too_much = interpret_refund_response(
      402, R"({"status":"declined","decline_code":"refund_exceeds_capture","message":"too much"})");
  CHECK(too_much.outcome == ChargeOutcome::declined);
  CHECK(too_much.decline_code == "refund_exceeds_capture");
  CHECK(too_much.message == "too much");
}

TEST_CASE("capture, void and refund refusals are rejected; ambiguous answers are unknown") {
  using adapters::card::interpret_capture_response;
  using adapters::card::interpret_refund_response;
  using adapters::card::interpret_void_response;

  for (const auto interpret :
       {&interpret_capture_response, &interpret_void_response, &interpret_refund_response}) {
    CHECK(interpret(409, R"({"error":"already_captured","message":"refund it instead"})").outcome ==
          ChargeOutcome::rejected);
    CHECK(interpret(404, R"({"error":"not_found"})").outcome == ChargeOutcome::rejected);
    CHECK(interpret(400, "").outcome == ChargeOutcome::rejected);
    CHECK(interpret(402, R"({"error":"payment_required"})").outcome == ChargeOutcome::rejected);
    CHECK(interpret(408, "").outcome == ChargeOutcome::unknown);
    CHECK(interpret(429, "").outcome == ChargeOutcome::unknown);
    CHECK(interpret(500, R"({"status":"succeeded"})").outcome == ChargeOutcome::unknown);
    CHECK(interpret(502, "").outcome == ChargeOutcome::unknown);
    CHECK(interpret(200, "not json").outcome == ChargeOutcome::unknown);
    CHECK(interpret(200, "{}").outcome == ChargeOutcome::unknown);
    CHECK(interpret(204, "").outcome == ChargeOutcome::unknown);
  }
  // A refusal without a message still says what the acquirer objected to.
  const auto conflict = interpret_void_response(409, R"({"error":"already_captured"})");
  CHECK(conflict.message == "the acquirer rejected the request (HTTP 409 already_captured)");
}

TEST_CASE("a failed exchange is not_sent only when the acquirer surely never saw it") {
  using adapters::card::interpret_client_error;
  using runtime::ClientErrorKind;
  CHECK(interpret_client_error({ClientErrorKind::connect_failed, "refused", false}).outcome ==
        ChargeOutcome::not_sent);
  CHECK(interpret_client_error({ClientErrorKind::timeout, "timed out", true}).outcome ==
        ChargeOutcome::unknown);
  const auto lost = interpret_client_error({ClientErrorKind::connection_lost, "reset", true});
  CHECK(lost.outcome == ChargeOutcome::unknown);
  CHECK(lost.message == "reset");
}

namespace {

// An authorization of 3,000 yen (capture later), returning its charge id.
std::string authorize(sim::AcquirerBook& book, const std::string& reference, std::int64_t amount_yen = 3000) {
  return book.charge({reference, amount_yen, "FAC001", "tok_visa", false}, "t").charge.id;
}

}  // namespace

TEST_CASE("the acquirer simulator captures an authorization in full or in part, once") {
  using sim::BookOutcome;
  sim::AcquirerBook book(1, 0.0);

  const std::string full = authorize(book, "pi_full");
  const auto captured = book.capture(full, std::nullopt, "t");
  CHECK(captured.outcome == BookOutcome::done);
  CHECK(captured.charge.status == "captured");
  CHECK(captured.charge.amount_captured_yen == 3000);
  CHECK(book.capture(full, 3000, "t").outcome == BookOutcome::replayed);
  CHECK(book.capture(full, std::nullopt, "t").outcome == BookOutcome::replayed);
  CHECK(book.capture(full, 2999, "t").outcome == BookOutcome::already_captured);

  const std::string partial = authorize(book, "pi_partial");
  CHECK(book.capture(partial, 0, "t").outcome == BookOutcome::invalid_amount);
  CHECK(book.capture(partial, -1, "t").outcome == BookOutcome::invalid_amount);
  CHECK(book.capture(partial, 3001, "t").outcome == BookOutcome::invalid_amount);
  CHECK(book.by_id(partial)->status == "authorized");
  const auto part = book.capture(partial, 1200, "t");
  CHECK(part.outcome == BookOutcome::done);
  CHECK(part.charge.amount_captured_yen == 1200);
  CHECK(part.charge.amount_yen == 3000);
  CHECK(book.capture(partial, 1200, "t").outcome == BookOutcome::replayed);
  // The rest was released: the whole amount can no longer be captured.
  CHECK(book.capture(partial, std::nullopt, "t").outcome == BookOutcome::already_captured);
  CHECK(book.capture(partial, 1800, "t").outcome == BookOutcome::already_captured);
  CHECK(book.by_id(partial)->amount_captured_yen == 1200);

  // Captured at once: a capture of the whole amount is a replay.
  const auto at_once = book.charge({"pi_at_once", 500, "", "tok_visa", true}, "t").charge;
  CHECK(at_once.amount_captured_yen == 500);
  CHECK(book.capture(at_once.id, 500, "t").outcome == BookOutcome::replayed);
}

TEST_CASE("the acquirer simulator refuses captures and voids its charges' states forbid") {
  using sim::BookOutcome;
  sim::AcquirerBook book(1, 0.0);
  CHECK(book.capture("ch_999999", std::nullopt, "t").outcome == BookOutcome::not_found);
  CHECK(book.void_authorization("ch_999999").outcome == BookOutcome::not_found);

  const auto declined = book.charge({"pi_declined", 100, "", "tok_decline", false}, "t").charge;
  const auto capture_declined = book.capture(declined.id, std::nullopt, "t");
  CHECK(capture_declined.outcome == BookOutcome::wrong_state);
  CHECK(capture_declined.charge.status == "declined");
  CHECK(book.void_authorization(declined.id).outcome == BookOutcome::wrong_state);

  const std::string voided = authorize(book, "pi_voided");
  const auto first_void = book.void_authorization(voided);
  CHECK(first_void.outcome == BookOutcome::done);
  CHECK(first_void.charge.status == "voided");
  CHECK(book.void_authorization(voided).outcome == BookOutcome::replayed);
  CHECK(book.capture(voided, std::nullopt, "t").outcome == BookOutcome::wrong_state);
  CHECK(book.by_id(voided)->amount_captured_yen == 0);

  const std::string captured = authorize(book, "pi_captured");
  REQUIRE(book.capture(captured, std::nullopt, "t").outcome == BookOutcome::done);
  CHECK(book.void_authorization(captured).outcome == BookOutcome::already_captured);
  CHECK(book.by_id(captured)->status == "captured");
}

TEST_CASE("the acquirer simulator refunds a captured charge in parts, never beyond the captured amount") {
  using sim::BookOutcome;
  sim::AcquirerBook book(1, 0.0);
  const std::string charge = authorize(book, "pi_1");
  REQUIRE(book.capture(charge, 2500, "t").outcome == BookOutcome::done);

  const auto first = book.refund({charge, "re_1", 1000}, "t1");
  CHECK(first.outcome == BookOutcome::done);
  CHECK(first.refund.id == "rf_000001");
  CHECK(first.refund.status == "succeeded");
  CHECK(first.refund.charge_id == charge);
  CHECK(first.refund.created_at == "t1");
  CHECK(first.charge.amount_refunded_yen == 1000);

  const auto over = book.refund({charge, "re_2", 1501}, "t");
  CHECK(over.outcome == BookOutcome::exceeds_capture);
  CHECK(over.refund.id.empty());
  CHECK(over.charge.amount_refunded_yen == 1000);

  CHECK(book.refund({charge, "re_2", 1500}, "t").outcome == BookOutcome::done);
  CHECK(book.by_id(charge)->amount_refunded_yen == 2500);
  CHECK(book.refund({charge, "re_3", 1}, "t").outcome == BookOutcome::exceeds_capture);
  CHECK(book.refund({charge, "re_4", 0}, "t").outcome == BookOutcome::invalid_amount);
  CHECK(book.all_refunds().size() == 2);
  // Still captured, and a retried capture is still a replay after refunds.
  CHECK(book.by_id(charge)->status == "captured");
  CHECK(book.capture(charge, 2500, "t").outcome == BookOutcome::replayed);
}

TEST_CASE("the acquirer simulator refunds only captured charges it knows") {
  using sim::BookOutcome;
  sim::AcquirerBook book(1, 0.0);
  CHECK(book.refund({"ch_999999", "re_1", 100}, "t").outcome == BookOutcome::not_found);
  const std::string authorized = authorize(book, "pi_authorized");
  const auto not_captured = book.refund({authorized, "re_2", 100}, "t");
  CHECK(not_captured.outcome == BookOutcome::wrong_state);
  CHECK(not_captured.charge.status == "authorized");
  REQUIRE(book.void_authorization(authorized).outcome == BookOutcome::done);
  CHECK(book.refund({authorized, "re_3", 100}, "t").outcome == BookOutcome::wrong_state);
  const auto declined = book.charge({"pi_declined", 100, "", "tok_decline", true}, "t").charge;
  CHECK(book.refund({declined.id, "re_4", 100}, "t").outcome == BookOutcome::wrong_state);
  CHECK(book.all_refunds().empty());
}

TEST_CASE("the acquirer simulator refunds a reference once, whatever the retries") {
  using sim::BookOutcome;
  sim::AcquirerBook book(1, 0.0);
  const auto charge = book.charge({"pi_1", 3000, "", "tok_visa", true}, "t").charge;
  const auto other = book.charge({"pi_2", 3000, "", "tok_visa", true}, "t").charge;

  const auto first = book.refund({charge.id, "re_1", 1000}, "t1");
  REQUIRE(first.outcome == BookOutcome::done);
  const auto again = book.refund({charge.id, "re_1", 1000}, "t2");
  CHECK(again.outcome == BookOutcome::replayed);
  CHECK(again.refund.id == first.refund.id);
  CHECK(again.refund.created_at == "t1");
  CHECK(again.charge.amount_refunded_yen == 1000);
  CHECK(book.refund({charge.id, "re_1", 999}, "t").outcome == BookOutcome::reference_conflict);
  CHECK(book.refund({other.id, "re_1", 1000}, "t").outcome == BookOutcome::reference_conflict);
  CHECK(book.all_refunds().size() == 1);
  CHECK(book.by_id(charge.id)->amount_refunded_yen == 1000);
  CHECK(book.refund_by_reference("re_1")->id == first.refund.id);
  CHECK(book.refund_by_id(first.refund.id)->reference == "re_1");
  CHECK_FALSE(book.refund_by_reference("re_unknown"));

  // A retry of a refund the charge no longer has room for is still the same refund.
  REQUIRE(book.refund({charge.id, "re_2", 2000}, "t").outcome == BookOutcome::done);
  CHECK(book.refund({charge.id, "re_1", 1000}, "t").outcome == BookOutcome::replayed);
}

TEST_CASE("the acquirer simulator's records survive a round trip through their journal lines") {
  sim::AcquirerBook book(1, 0.0);
  const std::string charge = authorize(book, "pi_1");
  const auto captured = book.capture(charge, 2000, "t").charge;
  const auto refund = book.refund({charge, "re_1", 700}, "t1").refund;

  const auto charge_line = sim::parse_charge_line(boost::json::serialize(sim::charge_json(captured)));
  REQUIRE(charge_line);
  CHECK(charge_line->id == charge);
  CHECK(charge_line->reference == "pi_1");
  CHECK(charge_line->amount_yen == 3000);
  CHECK(charge_line->amount_captured_yen == 2000);
  CHECK(charge_line->merchant == "FAC001");
  CHECK(charge_line->status == "captured");
  const auto refund_line = sim::parse_refund_line(boost::json::serialize(sim::refund_json(refund)));
  REQUIRE(refund_line);
  CHECK(refund_line->id == "rf_000001");
  CHECK(refund_line->charge_id == charge);
  CHECK(refund_line->reference == "re_1");
  CHECK(refund_line->amount_yen == 700);
  CHECK(refund_line->status == "succeeded");
  CHECK(refund_line->created_at == "t1");

  CHECK_FALSE(sim::parse_charge_line(""));
  CHECK_FALSE(sim::parse_charge_line(R"({"id":"ch_000001","reference":"pi_1","stat)"));
  CHECK_FALSE(sim::parse_charge_line(R"({"id":"ch_1","reference":"pi_1","amount":"3000","status":"captured",)"
                                     R"("created_at":"t"})"));
  CHECK_FALSE(sim::parse_charge_line(R"({"id":"ch_1","reference":"pi_1","amount":-1,"status":"captured",)"
                                     R"("created_at":"t"})"));
  CHECK_FALSE(sim::parse_refund_line(R"({"id":"rf_1","charge":"ch_1","amount":5})"));
  CHECK_FALSE(sim::parse_refund_line("[1,2]"));
}

TEST_CASE("a charge line written before captures existed reads as captured in full") {
  const auto old = sim::parse_charge_line(
      R"({"id":"ch_000001","object":"charge","reference":"pi_1","amount":3000,"currency":"JPY",)"
      R"("merchant":"FAC001","status":"captured","created_at":"2024-04-01T00:00:00Z"})");
  REQUIRE(old);
  CHECK(old->amount_captured_yen == 3000);
  CHECK(old->amount_refunded_yen == 0);
  const auto authorized = sim::parse_charge_line(
      R"({"id":"ch_000002","reference":"pi_2","amount":3000,"status":"authorized","created_at":"t"})");
  REQUIRE(authorized);
  CHECK(authorized->amount_captured_yen == 0);
  CHECK(authorized->merchant.empty());
}

TEST_CASE("the acquirer simulator reloads its journals: the latest line of a charge wins") {
  using sim::BookOutcome;
  sim::AcquirerBook before(1, 0.0);
  std::ostringstream charge_lines;
  std::ostringstream refund_lines;
  const auto write_charge = [&](const sim::Charge& charge) {
    charge_lines << boost::json::serialize(sim::charge_json(charge)) << '\n';
  };
  const auto first = before.charge({"pi_1", 3000, "", "tok_visa", false}, "t").charge;
  write_charge(first);
  write_charge(before.capture(first.id, 2000, "t").charge);
  const auto refund = before.refund({first.id, "re_1", 500}, "t");
  refund_lines << boost::json::serialize(sim::refund_json(refund.refund)) << '\n';
  write_charge(refund.charge);
  const auto second = before.charge({"pi_2", 100, "", "tok_visa", false}, "t").charge;
  write_charge(second);
  write_charge(before.void_authorization(second.id).charge);
  charge_lines << R"({"id":"ch_000003","refer)";  // torn by a crash

  sim::AcquirerBook after(1, 0.0);
  std::istringstream charges_in(charge_lines.str());
  std::istringstream refunds_in(refund_lines.str());
  const sim::JournalLoad load = sim::load_journals(after, charges_in, refunds_in);
  CHECK(load.charges == 2);
  CHECK(load.refunds == 1);
  CHECK(load.skipped_lines == 1);
  CHECK(after.by_id(first.id)->status == "captured");
  CHECK(after.by_id(first.id)->amount_captured_yen == 2000);
  CHECK(after.by_id(first.id)->amount_refunded_yen == 500);
  CHECK(after.by_id(second.id)->status == "voided");
  CHECK(after.by_reference("pi_2")->id == second.id);
  CHECK(after.refund_by_reference("re_1")->id == "rf_000001");

  // The reloaded book goes on where the old one stopped.
  CHECK(after.refund({first.id, "re_1", 500}, "t").outcome == BookOutcome::replayed);
  CHECK(after.refund({first.id, "re_2", 1501}, "t").outcome == BookOutcome::exceeds_capture);
  CHECK(after.refund({first.id, "re_2", 1500}, "t").refund.id == "rf_000002");
  CHECK(after.charge({"pi_3", 100, "", "tok_visa", true}, "t").charge.id == "ch_000003");
}

TEST_CASE("refunds.jsonl decides the refunded amount when a crash lost the charge's line") {
  sim::AcquirerBook before(1, 0.0);
  const auto charge = before.charge({"pi_1", 3000, "", "tok_visa", true}, "t").charge;
  const auto refund = before.refund({charge.id, "re_1", 800}, "t").refund;

  sim::AcquirerBook after(1, 0.0);
  std::istringstream charges_in(boost::json::serialize(sim::charge_json(charge)) + "\n");
  std::istringstream refunds_in(boost::json::serialize(sim::refund_json(refund)) + "\n");
  sim::load_journals(after, charges_in, refunds_in);
  CHECK(after.by_id(charge.id)->amount_refunded_yen == 800);
  CHECK(after.refund({charge.id, "re_2", 2201}, "t").outcome == sim::BookOutcome::exceeds_capture);
}

namespace {
std::optional<boost::json::object> as_object(std::string_view line) {
  return kessai::sim::parse_object(line);
}
}  // namespace

TEST_CASE("a journal reopened after a torn last line starts the next record on its own line") {
  const auto path =
      std::filesystem::temp_directory_path() / ("kessai-torn-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(path) << "{\"id\":\"a\"}\n{\"id\":\"b";  // crashed mid-write
  {
    std::ofstream journal;
    kessai::sim::open_journal(journal, path);
    kessai::sim::append_line(journal, boost::json::object{{"id", "c"}});
  }
  std::ifstream lines(path);
  std::size_t skipped = 0;
  const auto records = kessai::sim::read_lines<boost::json::object>(lines, &as_object, skipped);
  CHECK(records.size() == 2);  // a and c; the torn b is skipped, c is not lost with it
  CHECK(skipped == 1);
  std::filesystem::remove(path);
}
