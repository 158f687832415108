// The e-money centre: its simulator's book (balances, prepaid and postpaid brands, test IDms, refunds,
// de-duplication, reload), its HTTP contract (without sockets), and kessai's adapter for it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "emoney_book.hpp"
#include "emoney_centre.hpp"
#include "emoney_front.hpp"
#include "emoney_records.hpp"
#include "kessai/adapters/factory.hpp"

using namespace kessai;
using adapters::ChargeOutcome;
using adapters::InquiryOutcome;
using sim::emoney::Brand;
using sim::emoney::CentreBook;
using sim::emoney::PaymentAttempt;
using sim::emoney::RefundOutcome;

namespace {

constexpr const char* kCard = "0123456789ABCDEF";         // starts with 10,000 yen on each prepaid brand
constexpr const char* kEmptyCard = "0123456789AB0000";    // no balance
constexpr const char* kBlockedCard = "FFFF456789ABCDEF";  // blocked

PaymentAttempt attempt(const std::string& reference, std::int64_t amount_yen, const std::string& brand,
                       const std::string& idm = kCard) {
  return PaymentAttempt{reference, amount_yen, brand, idm, "FAC001"};
}

// A captured payment's id.
std::string paid(CentreBook& book, const std::string& reference, std::int64_t amount_yen,
                 const std::string& brand) {
  const auto decision = book.pay(attempt(reference, amount_yen, brand), "t");
  REQUIRE(decision.payment.status == "captured");
  return decision.payment.id;
}

}  // namespace

TEST_CASE("e-money brands, IDms and the test cards' starting balances", "[emoney]") {
  CHECK(sim::emoney::parse_brand("transit_ic") == Brand::transit_ic);
  CHECK(sim::emoney::parse_brand("quicpay") == Brand::quicpay);
  CHECK_FALSE(sim::emoney::parse_brand("suica"));
  CHECK_FALSE(sim::emoney::parse_brand("WAON"));
  for (const Brand brand : {Brand::transit_ic, Brand::waon, Brand::nanaco})
    CHECK(sim::emoney::is_prepaid(brand));
  for (const Brand brand : {Brand::id, Brand::quicpay}) CHECK_FALSE(sim::emoney::is_prepaid(brand));
  CHECK(sim::emoney::to_string(Brand::nanaco) == "nanaco");

  CHECK(sim::emoney::is_idm(kCard));
  CHECK_FALSE(sim::emoney::is_idm("0123456789abcdef"));  // upper case only
  CHECK_FALSE(sim::emoney::is_idm("0123456789ABCDE"));
  CHECK_FALSE(sim::emoney::is_idm("0123456789ABCDEF0"));
  CHECK_FALSE(sim::emoney::is_idm("0123456789ABCDEG"));
  CHECK(sim::emoney::initial_balance_yen(kCard) == 10'000);
  CHECK(sim::emoney::initial_balance_yen(kEmptyCard) == 0);
  CHECK(sim::emoney::is_blocked(kBlockedCard));
  CHECK_FALSE(sim::emoney::is_blocked(kCard));
}

TEST_CASE("a prepaid payment debits the card's balance and is declined when the balance is short",
          "[emoney]") {
  CentreBook book(1, 0.0);
  const auto first = book.pay(attempt("pi_1", 3000, "transit_ic"), "t1");
  CHECK(first.payment.id == "em_000001");
  CHECK(first.payment.status == "captured");
  CHECK(first.payment.balance_after_yen == 7000);
  CHECK(first.payment.created_at == "t1");
  CHECK(book.balance_yen(Brand::transit_ic, kCard) == 7000);
  // Each prepaid brand is its own purse on the card.
  CHECK(book.balance_yen(Brand::waon, kCard) == 10'000);

  const auto short_of = book.pay(attempt("pi_2", 7001, "transit_ic"), "t");
  CHECK(short_of.payment.status == "declined");
  CHECK(short_of.payment.decline_code == "insufficient_balance");
  CHECK_FALSE(short_of.payment.balance_after_yen);
  CHECK(book.balance_yen(Brand::transit_ic, kCard) == 7000);

  const auto exact = book.pay(attempt("pi_3", 7000, "transit_ic"), "t");
  CHECK(exact.payment.status == "captured");
  CHECK(exact.payment.balance_after_yen == 0);
  for (const char* brand : {"waon", "nanaco", "transit_ic"}) {
    CHECK(
        book.pay(attempt(std::string("pi_empty_") + brand, 1, brand, kEmptyCard), "t").payment.decline_code ==
        "insufficient_balance");
  }
}

TEST_CASE("iD and QUICPay are postpaid: no balance is checked or kept", "[emoney]") {
  CentreBook book(1, 0.0);
  for (const char* brand : {"id", "quicpay"}) {
    const auto large = book.pay(attempt(std::string("pi_large_") + brand, 50'000, brand), "t");
    CHECK(large.payment.status == "captured");
    CHECK_FALSE(large.payment.balance_after_yen);
    const auto empty_card = book.pay(attempt(std::string("pi_empty_") + brand, 3000, brand, kEmptyCard), "t");
    CHECK(empty_card.payment.status == "captured");
  }
  // Postpaid payments leave the same card's prepaid purses alone.
  CHECK(book.balance_yen(Brand::waon, kCard) == 10'000);
}

TEST_CASE("blocked cards, unknown brands and the decline rate are declined on every brand", "[emoney]") {
  CentreBook book(1, 0.0);
  for (const char* brand : {"transit_ic", "id", "quicpay", "waon", "nanaco"}) {
    CHECK(book.pay(attempt(std::string("pi_blocked_") + brand, 100, brand, kBlockedCard), "t")
              .payment.decline_code == "card_blocked");
  }
  // Blocked comes before the balance: a blocked card with no balance is card_blocked.
  CHECK(book.pay(attempt("pi_blocked_empty", 100, "waon", "FFFF000000000000"), "t").payment.decline_code ==
        "card_blocked");
  const auto unknown = book.pay(attempt("pi_edy", 100, "edy"), "t");
  CHECK(unknown.payment.status == "declined");
  CHECK(unknown.payment.decline_code == "brand_not_supported");
  CHECK(unknown.payment.brand == "edy");

  CentreBook always(7, 1.0);
  CHECK(always.pay(attempt("pi_1", 100, "id"), "t").payment.decline_code == "do_not_honor");
  const auto waon = always.pay(attempt("pi_2", 100, "waon"), "t");
  CHECK(waon.payment.decline_code == "do_not_honor");
  CHECK(always.balance_yen(Brand::waon, kCard) == 10'000);

  CentreBook replay_a(99, 0.5);
  CentreBook replay_b(99, 0.5);
  for (int i = 0; i < 20; ++i) {
    const std::string reference = "pi_" + std::to_string(i);
    CHECK(replay_a.pay(attempt(reference, 1, "quicpay"), "t").payment.status ==
          replay_b.pay(attempt(reference, 1, "quicpay"), "t").payment.status);
  }
}

TEST_CASE("the centre pays a reference once, whatever the retries", "[emoney]") {
  CentreBook book(1, 0.0);
  const auto first = book.pay(attempt("pi_1", 3000, "nanaco"), "t1");
  const auto again = book.pay(attempt("pi_1", 3000, "nanaco"), "t2");
  CHECK_FALSE(first.replayed);
  CHECK(again.replayed);
  CHECK_FALSE(again.conflict);
  CHECK(again.payment.id == first.payment.id);
  CHECK(again.payment.created_at == "t1");
  CHECK(book.balance_yen(Brand::nanaco, kCard) == 7000);  // debited once

  CHECK(book.pay(attempt("pi_1", 2999, "nanaco"), "t").conflict);
  CHECK(book.pay(attempt("pi_1", 3000, "waon"), "t").conflict);
  CHECK(book.pay(attempt("pi_1", 3000, "nanaco", "0123456789ABCDEE"), "t").conflict);
  CHECK(book.all().size() == 1);
  CHECK(book.by_reference("pi_1")->id == first.payment.id);
  CHECK(book.by_id(first.payment.id)->reference == "pi_1");

  // A declined reference stays declined, even once the card could pay.
  const auto declined = book.pay(attempt("pi_2", 100, "waon", kEmptyCard), "t");
  CHECK(book.pay(attempt("pi_2", 100, "waon", kEmptyCard), "t").payment.status == "declined");
  CHECK(book.pay(attempt("pi_2", 100, "waon", kEmptyCard), "t").payment.id == declined.payment.id);
}

TEST_CASE("prepaid payments are refunded in parts up to the amount, the balance credited back", "[emoney]") {
  CentreBook book(1, 0.0);
  const std::string payment = paid(book, "pi_1", 2500, "waon");
  CHECK(book.balance_yen(Brand::waon, kCard) == 7500);

  const auto first = book.refund({payment, "re_1", 1000}, "t1");
  CHECK(first.outcome == RefundOutcome::done);
  CHECK(first.refund.id == "emr_000001");
  CHECK(first.refund.status == "succeeded");
  CHECK(first.refund.balance_after_yen == 8500);
  CHECK(first.payment.amount_refunded_yen == 1000);
  CHECK(book.balance_yen(Brand::waon, kCard) == 8500);

  const auto over = book.refund({payment, "re_2", 1501}, "t");
  CHECK(over.outcome == RefundOutcome::exceeds_payment);
  CHECK(over.refund.id.empty());
  CHECK(book.balance_yen(Brand::waon, kCard) == 8500);
  CHECK(book.refund({payment, "re_2", 1500}, "t").outcome == RefundOutcome::done);
  CHECK(book.balance_yen(Brand::waon, kCard) == 10'000);
  CHECK(book.refund({payment, "re_3", 1}, "t").outcome == RefundOutcome::exceeds_payment);
  CHECK(book.refund({payment, "re_4", 0}, "t").outcome == RefundOutcome::invalid_amount);
  CHECK(book.by_id(payment)->amount_refunded_yen == 2500);
  CHECK(book.by_id(payment)->status == "captured");

  for (const char* brand : {"transit_ic", "nanaco"}) {
    const std::string other = paid(book, std::string("pi_") + brand, 500, brand);
    CHECK(book.refund({other, std::string("re_") + brand, 500}, "t").outcome == RefundOutcome::done);
  }
  CHECK(book.all_refunds().size() == 4);
}

TEST_CASE("iD and QUICPay refunds are refused: the card issuer refunds them", "[emoney]") {
  CentreBook book(1, 0.0);
  for (const char* brand : {"id", "quicpay"}) {
    const std::string payment = paid(book, std::string("pi_") + brand, 3000, brand);
    const auto refused = book.refund({payment, std::string("re_") + brand, 1000}, "t");
    CHECK(refused.outcome == RefundOutcome::refund_not_supported);
    CHECK(refused.payment.brand == brand);
    CHECK(refused.refund.id.empty());
  }
  CHECK(book.all_refunds().empty());
}

TEST_CASE("the centre refunds only captured payments it knows, and a reference once", "[emoney]") {
  CentreBook book(1, 0.0);
  CHECK(book.refund({"em_999999", "re_1", 100}, "t").outcome == RefundOutcome::not_found);
  const auto declined = book.pay(attempt("pi_declined", 100, "waon", kEmptyCard), "t").payment;
  const auto not_captured = book.refund({declined.id, "re_1", 100}, "t");
  CHECK(not_captured.outcome == RefundOutcome::not_captured);
  CHECK(not_captured.payment.status == "declined");

  const std::string payment = paid(book, "pi_1", 3000, "transit_ic");
  const std::string other = paid(book, "pi_2", 3000, "transit_ic");
  const auto first = book.refund({payment, "re_1", 1000}, "t1");
  REQUIRE(first.outcome == RefundOutcome::done);
  const auto again = book.refund({payment, "re_1", 1000}, "t2");
  CHECK(again.outcome == RefundOutcome::replayed);
  CHECK(again.refund.id == first.refund.id);
  CHECK(again.refund.created_at == "t1");
  CHECK(book.refund({payment, "re_1", 999}, "t").outcome == RefundOutcome::reference_conflict);
  CHECK(book.refund({other, "re_1", 1000}, "t").outcome == RefundOutcome::reference_conflict);
  CHECK(book.all_refunds().size() == 1);
  CHECK(book.balance_yen(Brand::transit_ic, kCard) == 10'000 - 6000 + 1000);
  CHECK(book.refund_by_reference("re_1")->id == first.refund.id);
  CHECK(book.refund_by_id(first.refund.id)->payment_id == payment);
  CHECK_FALSE(book.refund_by_reference("re_unknown"));
}

TEST_CASE("the centre's records survive a round trip through their journal lines", "[emoney]") {
  CentreBook book(1, 0.0);
  const auto payment = book.pay(attempt("pi_1", 3000, "waon"), "t1").payment;
  const auto refund = book.refund({payment.id, "re_1", 700}, "t2").refund;
  const auto declined = book.pay(attempt("pi_2", 100, "id", kBlockedCard), "t3").payment;

  const auto payment_line =
      sim::emoney::parse_payment_line(boost::json::serialize(sim::emoney::payment_json(payment)));
  REQUIRE(payment_line);
  CHECK(payment_line->id == "em_000001");
  CHECK(payment_line->reference == "pi_1");
  CHECK(payment_line->brand == "waon");
  CHECK(payment_line->idm == kCard);
  CHECK(payment_line->amount_yen == 3000);
  CHECK(payment_line->merchant == "FAC001");
  CHECK(payment_line->status == "captured");
  CHECK(payment_line->balance_after_yen == 7000);
  CHECK(payment_line->created_at == "t1");
  const auto declined_line =
      sim::emoney::parse_payment_line(boost::json::serialize(sim::emoney::payment_json(declined)));
  REQUIRE(declined_line);
  CHECK(declined_line->decline_code == "card_blocked");
  CHECK_FALSE(declined_line->balance_after_yen);
  const auto refund_line =
      sim::emoney::parse_refund_line(boost::json::serialize(sim::emoney::refund_json(refund)));
  REQUIRE(refund_line);
  CHECK(refund_line->id == "emr_000001");
  CHECK(refund_line->payment_id == payment.id);
  CHECK(refund_line->reference == "re_1");
  CHECK(refund_line->amount_yen == 700);
  CHECK(refund_line->balance_after_yen == 7700);

  CHECK_FALSE(sim::emoney::parse_payment_line(""));
  CHECK_FALSE(sim::emoney::parse_payment_line(R"({"id":"em_000001","reference":"pi_1","bra)"));
  CHECK_FALSE(sim::emoney::parse_payment_line(
      R"({"id":"em_1","reference":"pi_1","brand":"waon","amount":100,"status":"captured","created_at":"t"})"));
  CHECK_FALSE(sim::emoney::parse_payment_line(R"({"id":"em_1","reference":"pi_1","brand":"waon","idm":"X",)"
                                              R"("amount":-1,"status":"captured","created_at":"t"})"));
  CHECK_FALSE(sim::emoney::parse_refund_line(R"({"id":"emr_1","payment":"em_1","amount":5})"));
  CHECK_FALSE(sim::emoney::parse_refund_line("[1,2]"));
}

TEST_CASE("the centre reloads its journals and derives every balance from them again", "[emoney]") {
  CentreBook before(1, 0.0);
  std::ostringstream payment_lines;
  std::ostringstream refund_lines;
  const auto write_payment = [&](const sim::emoney::Payment& payment) {
    payment_lines << boost::json::serialize(sim::emoney::payment_json(payment)) << '\n';
  };
  const auto write_refund = [&](const sim::emoney::Refund& refund) {
    refund_lines << boost::json::serialize(sim::emoney::refund_json(refund)) << '\n';
  };
  const auto waon = before.pay(attempt("pi_1", 3000, "waon"), "t").payment;
  write_payment(waon);
  write_payment(before.pay(attempt("pi_2", 4000, "waon"), "t").payment);
  write_payment(before.pay(attempt("pi_3", 9000, "id"), "t").payment);
  write_payment(before.pay(attempt("pi_4", 100, "nanaco", kEmptyCard), "t").payment);  // declined
  write_refund(before.refund({waon.id, "re_1", 500}, "t").refund);
  // Refunds that must not count: of an unknown payment, and beyond the payment's amount.
  refund_lines << R"({"id":"emr_000090","payment":"em_999999","reference":"re_x","amount":100,)"
               << R"("status":"succeeded","created_at":"t"})" << '\n';
  refund_lines << R"({"id":"emr_000091","payment":"em_000001","reference":"re_y","amount":2501,)"
               << R"("status":"succeeded","created_at":"t"})" << '\n';
  payment_lines << R"({"id":"em_000005","refer)";  // torn by a crash

  CentreBook after(1, 0.0);
  std::istringstream payments_in(payment_lines.str());
  std::istringstream refunds_in(refund_lines.str());
  const sim::emoney::JournalLoad load = sim::emoney::load_journals(after, payments_in, refunds_in);
  CHECK(load.payments == 4);
  CHECK(load.refunds == 3);
  CHECK(load.skipped_lines == 1);
  CHECK(load.refunds_not_counted == 2);
  CHECK(after.balance_yen(Brand::waon, kCard) == before.balance_yen(Brand::waon, kCard));
  CHECK(after.balance_yen(Brand::waon, kCard) == 10'000 - 3000 - 4000 + 500);
  CHECK(after.balance_yen(Brand::nanaco, kEmptyCard) == 0);
  CHECK(after.by_id(waon.id)->amount_refunded_yen == 500);
  CHECK(after.by_reference("pi_4")->decline_code == "insufficient_balance");

  // The reloaded centre goes on where the old one stopped.
  CHECK(after.pay(attempt("pi_1", 3000, "waon"), "t").replayed);
  CHECK(after.pay(attempt("pi_5", 3501, "waon"), "t").payment.decline_code == "insufficient_balance");
  const auto fresh = after.pay(attempt("pi_6", 3500, "waon"), "t").payment;
  CHECK(fresh.id == "em_000006");
  CHECK(fresh.balance_after_yen == 0);
  CHECK(after.refund({waon.id, "re_1", 500}, "t").outcome == RefundOutcome::replayed);
  CHECK(after.refund({waon.id, "re_2", 2501}, "t").outcome == RefundOutcome::exceeds_payment);
  CHECK(after.refund({waon.id, "re_2", 2500}, "t").refund.id == "emr_000004");
  CHECK(after.balance_yen(Brand::waon, kCard) == 2500);
}

// ---- The HTTP contract, without sockets ----

namespace {

struct Centre {
  CentreBook book{1, 0.0};
  std::ostringstream payments_journal;
  std::ostringstream refunds_journal;
  sim::emoney::CentreFront front{book, payments_journal, refunds_journal,
                                 [] { return "2024-04-01T00:00:00Z"; }};

  runtime::HttpResponse call(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    runtime::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    return front.handle(request);
  }
  runtime::HttpResponse pay(const std::string& reference, std::int64_t amount_yen, const std::string& brand,
                            const std::string& idm = kCard) {
    const boost::json::object body{{"reference", reference}, {"amount", amount_yen}, {"currency", "JPY"},
                                   {"brand", brand},         {"idm", idm},           {"merchant", "FAC001"}};
    return call("POST", "/v1/payments", boost::json::serialize(body));
  }
  runtime::HttpResponse refund(const std::string& payment, std::int64_t amount_yen,
                               const std::string& reference) {
    const boost::json::object body{{"payment", payment}, {"amount", amount_yen}, {"reference", reference}};
    return call("POST", "/v1/refunds", boost::json::serialize(body));
  }
};

boost::json::object body_of(const runtime::HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::size_t lines_in(const std::ostringstream& journal) {
  const std::string text = journal.str();
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("POST /v1/payments answers 201 captured, 200 on a replay, 402 declined, 409 on a conflict",
          "[emoney]") {
  Centre centre;
  const auto created = centre.pay("pi_1", 3000, "transit_ic");
  CHECK(created.status == 201);
  const auto payment = body_of(created);
  CHECK(payment.at("id") == "em_000001");
  CHECK(payment.at("object") == "emoney_payment");
  CHECK(payment.at("reference") == "pi_1");
  CHECK(payment.at("brand") == "transit_ic");
  CHECK(payment.at("amount") == 3000);
  CHECK(payment.at("status") == "captured");
  CHECK(payment.at("balance_after") == 7000);
  CHECK(payment.at("created_at") == "2024-04-01T00:00:00Z");
  CHECK(lines_in(centre.payments_journal) == 1);

  CHECK(centre.pay("pi_1", 3000, "transit_ic").status == 200);
  CHECK(lines_in(centre.payments_journal) == 1);
  const auto conflict = centre.pay("pi_1", 100, "transit_ic");
  CHECK(conflict.status == 409);
  CHECK(body_of(conflict).at("error") == "reference_conflict");

  const auto postpaid = body_of(centre.pay("pi_2", 3000, "quicpay"));
  CHECK(postpaid.at("status") == "captured");
  CHECK_FALSE(postpaid.contains("balance_after"));

  const auto expect_decline = [&](const std::string& reference, const std::string& brand,
                                  const std::string& idm, const char* code) {
    const auto answer = centre.pay(reference, 500, brand, idm);
    CHECK(answer.status == 402);
    const auto declined = body_of(answer);
    CHECK(declined.at("status") == "declined");
    CHECK(declined.at("decline_code") == code);
    CHECK(declined.at("message").as_string().size() > 0);
  };
  expect_decline("pi_3", "waon", kEmptyCard, "insufficient_balance");
  expect_decline("pi_4", "id", kBlockedCard, "card_blocked");
  expect_decline("pi_5", "edy", kCard, "brand_not_supported");
  CHECK(centre.pay("pi_3", 500, "waon", kEmptyCard).status == 402);  // a replayed decline
  CHECK(lines_in(centre.payments_journal) == 5);
}

TEST_CASE("POST /v1/payments refuses bad input with 400 and keeps nothing", "[emoney]") {
  Centre centre;
  const auto bad = [&](const std::string& body) {
    const auto answer = centre.call("POST", "/v1/payments", body);
    CHECK(answer.status == 400);
    CHECK(body_of(answer).at("error") == "invalid_request");
  };
  const std::string idm = kCard;
  bad("not json");
  bad("[]");
  bad(R"({"amount":100,"currency":"JPY","brand":"waon","idm":")" + idm + R"("})");
  bad(R"({"reference":"","amount":100,"currency":"JPY","brand":"waon","idm":")" + idm + R"("})");
  bad(R"({"reference":"r","amount":0,"currency":"JPY","brand":"waon","idm":")" + idm + R"("})");
  bad(R"({"reference":"r","amount":"100","currency":"JPY","brand":"waon","idm":")" + idm + R"("})");
  bad(R"({"reference":"r","amount":100,"currency":"USD","brand":"waon","idm":")" + idm + R"("})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","idm":")" + idm + R"("})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","brand":"waon"})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","brand":"waon","idm":"0123456789abcdef"})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","brand":"waon","idm":"0123"})");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","brand":"waon","idm":")" + idm +
      R"(","merchant":1})");
  bad(R"({"reference":")" + std::string(256, 'r') +
      R"(","amount":100,"currency":"JPY","brand":"waon","idm":")" + idm + R"("})");
  CHECK(centre.book.all().empty());
  CHECK(centre.payments_journal.str().empty());
}

TEST_CASE("GET /v1/payments finds a payment by reference, by id, or lists them all", "[emoney]") {
  Centre centre;
  REQUIRE(centre.pay("pi 1/a", 3000, "waon").status == 201);
  REQUIRE(centre.pay("pi_2", 100, "nanaco", kEmptyCard).status == 402);

  const auto found = body_of(centre.call("GET", "/v1/payments?reference=pi%201%2Fa"));
  CHECK(found.at("object") == "list");
  REQUIRE(found.at("data").as_array().size() == 1);
  CHECK(found.at("data").as_array()[0].at("id") == "em_000001");
  const auto declined = body_of(centre.call("GET", "/v1/payments?reference=pi_2"));
  CHECK(declined.at("data").as_array()[0].at("decline_code") == "insufficient_balance");
  CHECK(body_of(centre.call("GET", "/v1/payments?reference=pi_9")).at("data").as_array().empty());
  CHECK(centre.call("GET", "/v1/payments?reference=pi%2").status == 400);
  CHECK(body_of(centre.call("GET", "/v1/payments")).at("data").as_array().size() == 2);

  const auto one = centre.call("GET", "/v1/payments/em_000001");
  CHECK(one.status == 200);
  CHECK(body_of(one).at("reference") == "pi 1/a");
  CHECK(centre.call("GET", "/v1/payments/em_999999").status == 404);
  CHECK(centre.call("GET", "/healthz").status == 200);
  CHECK(centre.call("GET", "/v1/charges").status == 404);
}

TEST_CASE("capture and void answer 409 not_supported: e-money has no separate authorization", "[emoney]") {
  Centre centre;
  REQUIRE(centre.pay("pi_1", 3000, "waon").status == 201);
  for (const char* target :
       {"/v1/payments/em_000001/capture", "/v1/payments/em_000001/void", "/v1/payments/em_999999/capture"}) {
    const auto answer = centre.call("POST", target, "{}");
    CHECK(answer.status == 409);
    CHECK(body_of(answer).at("error") == "not_supported");
  }
  CHECK(centre.book.by_id("em_000001")->status == "captured");
}

TEST_CASE("POST /v1/refunds refunds prepaid brands and declines postpaid ones with refund_not_supported",
          "[emoney]") {
  Centre centre;
  REQUIRE(centre.pay("pi_1", 3000, "nanaco").status == 201);
  const auto created = centre.refund("em_000001", 1000, "re_1");
  CHECK(created.status == 201);
  const auto refund = body_of(created);
  CHECK(refund.at("id") == "emr_000001");
  CHECK(refund.at("object") == "emoney_refund");
  CHECK(refund.at("payment") == "em_000001");
  CHECK(refund.at("status") == "succeeded");
  CHECK(refund.at("balance_after") == 8000);
  CHECK(centre.refund("em_000001", 1000, "re_1").status == 200);
  CHECK(body_of(centre.refund("em_000001", 999, "re_1")).at("error") == "reference_conflict");
  const auto over = centre.refund("em_000001", 2001, "re_2");
  CHECK(over.status == 402);
  CHECK(body_of(over).at("decline_code") == "refund_exceeds_capture");
  CHECK(lines_in(centre.refunds_journal) == 1);

  REQUIRE(centre.pay("pi_2", 3000, "id").status == 201);
  REQUIRE(centre.pay("pi_3", 3000, "quicpay").status == 201);
  for (const char* payment : {"em_000002", "em_000003"}) {
    const auto refused = centre.refund(payment, 1000, std::string("re_") + payment);
    CHECK(refused.status == 402);
    const auto body = body_of(refused);
    CHECK(body.at("status") == "declined");
    CHECK(body.at("decline_code") == "refund_not_supported");
    CHECK_THAT(std::string(body.at("message").as_string()),
               Catch::Contains("refunds go through the card issuer"));
  }
  CHECK(lines_in(centre.refunds_journal) == 1);

  REQUIRE(centre.pay("pi_4", 100, "waon", kEmptyCard).status == 402);
  const auto not_captured = centre.refund("em_000004", 100, "re_4");
  CHECK(not_captured.status == 409);
  CHECK(body_of(not_captured).at("error") == "payment_not_captured");
  CHECK(centre.refund("em_999999", 100, "re_5").status == 404);
  CHECK(centre.call("POST", "/v1/refunds", R"({"payment":"em_000001","amount":0,"reference":"r"})").status ==
        400);
  CHECK(centre.call("POST", "/v1/refunds", R"({"payment":"em_000001","amount":1})").status == 400);
  CHECK(centre.call("POST", "/v1/refunds", "nope").status == 400);

  CHECK(body_of(centre.call("GET", "/v1/refunds?reference=re_1")).at("data").as_array().size() == 1);
  CHECK(body_of(centre.call("GET", "/v1/refunds?reference=re_2")).at("data").as_array().empty());
  CHECK(body_of(centre.call("GET", "/v1/refunds")).at("data").as_array().size() == 1);
  CHECK(centre.call("GET", "/v1/refunds/emr_000001").status == 200);
  CHECK(centre.call("GET", "/v1/refunds/emr_000009").status == 404);
}

TEST_CASE("the centre's journal lines reload into the same balances", "[emoney]") {
  Centre before;
  REQUIRE(before.pay("pi_1", 3000, "transit_ic").status == 201);
  REQUIRE(before.refund("em_000001", 1200, "re_1").status == 201);
  REQUIRE(before.pay("pi_2", 500, "transit_ic").status == 201);

  Centre after;
  std::istringstream payments_in(before.payments_journal.str());
  std::istringstream refunds_in(before.refunds_journal.str());
  const auto load = sim::emoney::load_journals(after.book, payments_in, refunds_in);
  CHECK(load.payments == 2);
  CHECK(load.refunds == 1);
  CHECK(after.book.balance_yen(Brand::transit_ic, kCard) == 10'000 - 3000 + 1200 - 500);
  CHECK(after.pay("pi_1", 3000, "transit_ic").status == 200);
  CHECK(body_of(after.call("GET", "/v1/payments/em_000001")).at("amount_refunded") == 1200);
  CHECK(body_of(after.pay("pi_3", 100, "transit_ic")).at("balance_after") == 7600);
}

// ---- The adapter ----

TEST_CASE("e-money payment answers become outcomes; anything ambiguous is unknown", "[emoney]") {
  using adapters::emoney::interpret_payment_response;
  const auto approved = interpret_payment_response(201, R"({"id":"em_000001","status":"captured"})");
  CHECK(approved.outcome == ChargeOutcome::approved);
  CHECK(approved.processor_reference == "em_000001");
  CHECK(interpret_payment_response(200, R"({"id":"em_000001","status":"captured"})").outcome ==
        ChargeOutcome::approved);
  for (const char* code : {"insufficient_balance", "card_blocked", "brand_not_supported", "do_not_honor"}) {
    const auto declined = interpret_payment_response(
        402, std::string(R"({"id":"em_000002","status":"declined","decline_code":")") + code +
                 R"(","message":"no"})");
    CHECK(declined.outcome == ChargeOutcome::declined);
    CHECK(declined.decline_code == code);
    CHECK(declined.message == "no");
  }
  // E-money is never only authorized: an "authorized" payment is not a done one.
  CHECK(interpret_payment_response(201, R"({"id":"em_1","status":"authorized"})").outcome ==
        ChargeOutcome::unknown);
  const auto conflict = interpret_payment_response(409, R"({"error":"reference_conflict"})");
  CHECK(conflict.outcome == ChargeOutcome::rejected);
  CHECK(conflict.message == "the e-money centre rejected the request (HTTP 409 reference_conflict)");
  CHECK(interpret_payment_response(400, R"({"error":"invalid_request","message":"idm"})").outcome ==
        ChargeOutcome::rejected);
  CHECK(interpret_payment_response(402, R"({"error":"payment_required"})").outcome ==
        ChargeOutcome::rejected);
  CHECK(interpret_payment_response(500, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(503, R"({"error":"unavailable"})").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(408, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(429, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(200, "not json").outcome == ChargeOutcome::unknown);
  CHECK(interpret_payment_response(201, "{}").outcome == ChargeOutcome::unknown);
}

TEST_CASE("e-money refund answers: refund_not_supported is a decline with its code", "[emoney]") {
  using adapters::emoney::interpret_refund_response;
  const auto done = interpret_refund_response(201, R"({"id":"emr_000001","status":"succeeded"})");
  CHECK(done.outcome == ChargeOutcome::approved);
  CHECK(done.processor_reference == "emr_000001");
  CHECK(interpret_refund_response(200, R"({"id":"emr_000001","status":"succeeded"})").outcome ==
        ChargeOutcome::approved);
  const auto refused = interpret_refund_response(
      402, R"({"status":"declined","decline_code":"refund_not_supported","message":"iD is postpaid"})");
  CHECK(refused.outcome == ChargeOutcome::declined);
  CHECK(refused.decline_code == "refund_not_supported");
  CHECK(refused.message == "iD is postpaid");
  CHECK(interpret_refund_response(402, R"({"status":"declined","decline_code":"refund_exceeds_capture"})")
            .decline_code == "refund_exceeds_capture");
  CHECK(interpret_refund_response(409, R"({"error":"payment_not_captured"})").outcome ==
        ChargeOutcome::rejected);
  CHECK(interpret_refund_response(404, R"({"error":"not_found"})").outcome == ChargeOutcome::rejected);
  CHECK(interpret_refund_response(502, "").outcome == ChargeOutcome::unknown);
  CHECK(interpret_refund_response(201, R"({"status":"captured"})").outcome == ChargeOutcome::unknown);
}

TEST_CASE("e-money inquiries: captured is found with its amount, an empty list not_found, errors unknown",
          "[emoney]") {
  using adapters::emoney::interpret_inquiry_response;
  const auto captured = interpret_inquiry_response(
      200, R"({"object":"list","data":[{"id":"em_000001","status":"captured","amount":3000}]})");
  CHECK(captured.outcome == InquiryOutcome::found);
  CHECK(captured.status == "captured");
  CHECK(captured.processor_reference == "em_000001");
  CHECK(captured.amount_captured == Yen(3000));
  const auto declined = interpret_inquiry_response(
      200, R"({"object":"list","data":[{"id":"em_2","status":"declined","amount":300,)"
           R"("decline_code":"insufficient_balance"}]})");
  CHECK(declined.outcome == InquiryOutcome::found);
  CHECK(declined.status == "declined");
  CHECK(declined.decline_code == "insufficient_balance");
  CHECK(declined.amount_captured == Yen(0));
  CHECK(interpret_inquiry_response(200, R"({"object":"list","data":[]})").outcome ==
        InquiryOutcome::not_found);
  CHECK(interpret_inquiry_response(500, R"({"object":"list","data":[]})").outcome == InquiryOutcome::unknown);
  CHECK(interpret_inquiry_response(200, "not json").outcome == InquiryOutcome::unknown);
  CHECK(interpret_inquiry_response(200, R"({"data":[1]})").outcome == InquiryOutcome::unknown);
  CHECK(interpret_inquiry_response(200, R"({"data":{}})").outcome == InquiryOutcome::unknown);
}

TEST_CASE("the adapter reads the simulator's own answers", "[emoney]") {
  using namespace adapters::emoney;
  Centre centre;
  const auto paid_answer = centre.pay("pi_1", 3000, "waon");
  CHECK(interpret_payment_response(paid_answer.status, paid_answer.body).outcome == ChargeOutcome::approved);
  const auto short_answer = centre.pay("pi_2", 9000, "waon");
  const auto short_of = interpret_payment_response(short_answer.status, short_answer.body);
  CHECK(short_of.outcome == ChargeOutcome::declined);
  CHECK(short_of.decline_code == "insufficient_balance");
  const auto refund_answer = centre.refund("em_000001", 3000, "re_1");
  CHECK(interpret_refund_response(refund_answer.status, refund_answer.body).outcome ==
        ChargeOutcome::approved);
  REQUIRE(centre.pay("pi_3", 3000, "id").status == 201);
  const auto issuer_answer = centre.refund("em_000003", 3000, "re_3");
  const auto issuer = interpret_refund_response(issuer_answer.status, issuer_answer.body);
  CHECK(issuer.outcome == ChargeOutcome::declined);
  CHECK(issuer.decline_code == "refund_not_supported");
  const auto capture_answer = centre.call("POST", "/v1/payments/em_000001/capture", "{}");
  CHECK(interpret_payment_response(capture_answer.status, capture_answer.body).outcome ==
        ChargeOutcome::rejected);

  const auto inquiry_answer = centre.call("GET", "/v1/payments?reference=pi_1");
  const auto found = interpret_inquiry_response(inquiry_answer.status, inquiry_answer.body);
  CHECK(found.outcome == InquiryOutcome::found);
  CHECK(found.status == "captured");
  CHECK(found.amount_captured == Yen(3000));
  const auto missing_answer = centre.call("GET", "/v1/payments?reference=pi_9");
  CHECK(interpret_inquiry_response(missing_answer.status, missing_answer.body).outcome ==
        InquiryOutcome::not_found);
}

TEST_CASE("the adapter refuses what it cannot send, before sending anything", "[emoney]") {
  // Nothing listens on the discard port: whatever was sent would come back not_sent, never rejected.
  adapters::ProcessorConfig config{
      .id = *ProcessorId::parse("emoney-sim"), .kind = "emoney", .url = "http://127.0.0.1:9"};
  auto made = adapters::make_processor(config);
  REQUIRE(made.ok());
  adapters::Processor& centre = *made.value();
  CHECK(centre.kind() == "emoney");
  CHECK(centre.id().str() == "emoney-sim");

  adapters::ChargeRequest request{.payment_id = "pi_1",
                                  .amount = Yen(3000),
                                  .merchant_reference = "FAC001",
                                  .card_token = "",
                                  .capture = true,
                                  .emoney_brand = "waon",
                                  .emoney_idm = kCard};
  CHECK_FALSE(adapters::emoney::charge_request_problem(request));
  auto no_brand = request;
  no_brand.emoney_brand.clear();
  const auto refused_brand = centre.charge(no_brand);
  CHECK(refused_brand.outcome == ChargeOutcome::rejected);
  CHECK_THAT(refused_brand.message, Catch::Contains("brand"));
  auto no_idm = request;
  no_idm.emoney_idm.clear();
  const auto refused_idm = centre.charge(no_idm);
  CHECK(refused_idm.outcome == ChargeOutcome::rejected);
  CHECK_THAT(refused_idm.message, Catch::Contains("IDm"));
  auto lower_case = request;
  lower_case.emoney_idm = "0123456789abcdef";
  CHECK(centre.charge(lower_case).outcome == ChargeOutcome::rejected);
  // Captured later is impossible: approving it would take the money while the engine holds an authorization.
  auto manual = request;
  manual.capture = false;
  const auto refused_manual = centre.charge(manual);
  CHECK(refused_manual.outcome == ChargeOutcome::rejected);
  CHECK_THAT(refused_manual.message, Catch::Contains("no separate authorization"));

  const auto capture = centre.capture({"pi_1", "em_000001", Yen(3000)});
  CHECK(capture.outcome == ChargeOutcome::rejected);
  CHECK(capture.message == "e-money has no separate authorization");
  const auto void_result = centre.void_authorization({"pi_1", "em_000001"});
  CHECK(void_result.outcome == ChargeOutcome::rejected);
  CHECK(void_result.message == "e-money has no separate authorization");
  CHECK(centre.refund({"re_1", "pi_1", "", Yen(100)}).outcome == ChargeOutcome::rejected);

  const auto kinds = adapters::known_kinds();
  CHECK(std::find(kinds.begin(), kinds.end(), "emoney") != kinds.end());
}
