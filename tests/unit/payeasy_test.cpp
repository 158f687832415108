// The Pay-easy centre simulator: its book (numbers issued, paid, expired, canceled, reversed; customer
// numbers with their check digit), its records and journal reload, and its HTTP contract without sockets,
// the notices it queues included.

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "notifier.hpp"
#include "payeasy_book.hpp"
#include "payeasy_front.hpp"
#include "payeasy_records.hpp"
#include "utc_time.hpp"

using namespace kessai;
using sim::payeasy::CentreBook;
using sim::payeasy::ChangeOutcome;
using sim::payeasy::IssueOutcome;
using sim::payeasy::Number;
using sim::payeasy::NumberTerms;
using sim::payeasy::PayAttempt;
using sim::payeasy::PayOutcome;

namespace {

constexpr std::int64_t kNow = 1775001600;  // 2026-04-01T00:00:00Z
constexpr std::int64_t kDay = 86'400;

NumberTerms terms(const std::string& reference, std::int64_t amount_yen = 3000,
                  std::int64_t expires_at_s = kNow + 7 * kDay) {
  return NumberTerms{reference, amount_yen, "PROC001", expires_at_s, "http://127.0.0.1:9/hooks", ""};
}

Number issued(CentreBook& book, const std::string& reference, std::int64_t amount_yen = 3000) {
  const auto decision = book.issue(terms(reference, amount_yen), kNow);
  REQUIRE(decision.outcome == IssueOutcome::issued);
  return decision.number;
}

PayAttempt attempt_for(const Number& number) {
  return PayAttempt{number.institution_number, number.customer_number, number.confirmation_number,
                    std::nullopt};
}

}  // namespace

TEST_CASE("Pay-easy: the check digit of a customer number is Luhn's", "[payeasy]") {
  using sim::payeasy::luhn_check_digit;
  using sim::payeasy::luhn_valid;
  CHECK(luhn_check_digit("7992739871") == '3');  // the textbook example
  CHECK(luhn_valid("79927398713"));
  CHECK_FALSE(luhn_valid("79927398710"));
  CHECK(luhn_check_digit("0") == '0');
  CHECK_FALSE(luhn_valid("1"));
  CHECK_FALSE(luhn_valid("7992739871X"));
}

TEST_CASE("Pay-easy: a number is issued with the centre's numbers, de-duplicated on the reference",
          "[payeasy]") {
  CentreBook book("58091", 1, 0.0);
  const auto first = book.issue(terms("pi_1"), kNow);
  CHECK(first.outcome == IssueOutcome::issued);
  const Number& number = first.number;
  CHECK(number.id == "pe_000001");
  CHECK(number.reference == "pi_1");
  CHECK(number.amount_yen == 3000);
  CHECK(number.merchant == "PROC001");
  CHECK(number.institution_number == "58091");
  CHECK(number.customer_number.size() == 20);
  CHECK(sim::payeasy::luhn_valid(number.customer_number));
  CHECK(number.customer_number.substr(12, 7) == "0000001");  // the sequence
  CHECK(number.confirmation_number.size() == 6);
  CHECK(std::ranges::all_of(number.confirmation_number, [](char c) { return c >= '0' && c <= '9'; }));
  CHECK(number.status == "issued");
  CHECK(number.created_at_s == kNow);
  CHECK(number.expires_at_s == kNow + 7 * kDay);
  CHECK_FALSE(number.paid_at_s);
  CHECK_FALSE(first.auto_pay);

  const auto again = book.issue(terms("pi_1"), kNow + 10);
  CHECK(again.outcome == IssueOutcome::replayed);
  CHECK(again.number.id == number.id);
  CHECK(again.number.customer_number == number.customer_number);
  CHECK(book.issue(terms("pi_1", 3001), kNow).outcome == IssueOutcome::reference_conflict);
  CHECK(book.issue(terms("pi_1", 3000, kNow + 8 * kDay), kNow).outcome == IssueOutcome::reference_conflict);

  CHECK(book.issue(terms("pi_2", 100, kNow), kNow).outcome == IssueOutcome::expiry_not_future);
  CHECK(book.issue(terms("pi_2", 100, kNow - 1), kNow).outcome == IssueOutcome::expiry_not_future);
  CHECK(book.issue(terms("pi_2", 100, kNow + 60 * kDay + 1), kNow).outcome == IssueOutcome::expiry_too_far);
  CHECK(book.issue(terms("pi_2", 100, kNow + 60 * kDay), kNow).outcome == IssueOutcome::issued);
  CHECK(book.all().size() == 2);

  // Customer numbers are unique; the same seed gives the same numbers.
  CentreBook a("12345", 7, 0.0);
  CentreBook b("12345", 7, 0.0);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const Number one = issued(a, "pi_" + std::to_string(i));
    const Number other = issued(b, "pi_" + std::to_string(i));
    CHECK(one.customer_number == other.customer_number);
    CHECK(one.confirmation_number == other.confirmation_number);
    CHECK(one.institution_number == "12345");
    CHECK(sim::payeasy::luhn_valid(one.customer_number));
    seen.insert(one.customer_number);
  }
  CHECK(seen.size() == 50);

  CentreBook always("58091", 1, 1.0);
  CHECK(always.issue(terms("pi_1"), kNow).auto_pay);
  CHECK_FALSE(always.issue(terms("pi_1"), kNow).auto_pay);  // a replay is not paid again
}

TEST_CASE("Pay-easy: the payer pays with the three numbers, checked in the centre's order", "[payeasy]") {
  CentreBook book("58091", 1, 0.0);
  const Number number = issued(book, "pi_1", 5000);

  PayAttempt wrong = attempt_for(number);
  wrong.institution_number = "58092";
  CHECK(book.pay(wrong, kNow).outcome == PayOutcome::not_found);
  wrong = attempt_for(number);
  wrong.customer_number = "00000000000000000000";
  CHECK(book.pay(wrong, kNow).outcome == PayOutcome::not_found);
  wrong = attempt_for(number);
  wrong.confirmation_number = number.confirmation_number == "000000" ? "000001" : "000000";
  CHECK(book.pay(wrong, kNow).outcome == PayOutcome::confirmation_mismatch);
  wrong = attempt_for(number);
  wrong.amount_yen = 4999;
  const auto mismatch = book.pay(wrong, kNow);
  CHECK(mismatch.outcome == PayOutcome::amount_mismatch);
  CHECK_FALSE(mismatch.changed);
  CHECK(book.by_id(number.id)->status == "issued");

  PayAttempt right = attempt_for(number);
  right.amount_yen = 5000;
  const auto paid = book.pay(right, kNow + 60);
  CHECK(paid.outcome == PayOutcome::paid);
  CHECK(paid.changed);
  CHECK(paid.number.status == "paid");
  CHECK(paid.number.paid_at_s == kNow + 60);
  CHECK(book.pay(right, kNow + 61).outcome == PayOutcome::already_paid);

  // Expired: issued and past its deadline (paying at the deadline itself is still in time).
  const Number late = issued(book, "pi_2");
  CHECK(book.pay(attempt_for(late), late.expires_at_s + 1).outcome == PayOutcome::expired);
  CHECK(book.by_id(late.id)->status == "expired");
  const Number on_time = issued(book, "pi_3");
  CHECK(book.pay(attempt_for(on_time), on_time.expires_at_s).outcome == PayOutcome::paid);

  const Number withdrawn = issued(book, "pi_4");
  CHECK(book.cancel(withdrawn.id, kNow).outcome == ChangeOutcome::done);
  CHECK(book.pay(attempt_for(withdrawn), kNow).outcome == PayOutcome::canceled);

  CHECK(book.reverse(number.id, kNow).outcome == ChangeOutcome::done);
  CHECK(book.pay(attempt_for(number), kNow).outcome == PayOutcome::already_paid);
}

TEST_CASE("Pay-easy: cancel withdraws an unpaid number; reverse takes back a paid one", "[payeasy]") {
  CentreBook book("58091", 1, 0.0);
  const Number number = issued(book, "pi_1");
  const auto canceled = book.cancel(number.id, kNow + 5);
  CHECK(canceled.outcome == ChangeOutcome::done);
  CHECK(canceled.changed);
  CHECK(canceled.number.status == "canceled");
  CHECK(canceled.number.canceled_at_s == kNow + 5);
  const auto again = book.cancel(number.id, kNow + 6);
  CHECK(again.outcome == ChangeOutcome::replayed);
  CHECK_FALSE(again.changed);
  CHECK(again.number.canceled_at_s == kNow + 5);
  CHECK(book.cancel("pe_999999", kNow).outcome == ChangeOutcome::not_found);
  CHECK(book.reverse(number.id, kNow).outcome == ChangeOutcome::not_paid);

  const Number expiring = issued(book, "pi_2");
  const auto expired = book.cancel(expiring.id, expiring.expires_at_s + 1);
  CHECK(expired.outcome == ChangeOutcome::expired);
  CHECK(expired.changed);  // found expired now: to be persisted
  CHECK(expired.number.status == "expired");
  CHECK(book.cancel(expiring.id, expiring.expires_at_s + 2).outcome == ChangeOutcome::expired);
  CHECK_FALSE(book.cancel(expiring.id, expiring.expires_at_s + 2).changed);
  CHECK(book.reverse(expiring.id, kNow).outcome == ChangeOutcome::not_paid);

  const Number paid = issued(book, "pi_3");
  REQUIRE(book.pay(attempt_for(paid), kNow + 1).outcome == PayOutcome::paid);
  CHECK(book.cancel(paid.id, kNow + 2).outcome == ChangeOutcome::already_paid);
  CHECK(book.reverse("pe_999999", kNow).outcome == ChangeOutcome::not_found);
  const auto reversed = book.reverse(paid.id, kNow + 3);
  CHECK(reversed.outcome == ChangeOutcome::done);
  CHECK(reversed.number.status == "reversed");
  CHECK(reversed.number.reversed_at_s == kNow + 3);
  CHECK(reversed.number.paid_at_s == kNow + 1);
  CHECK(book.reverse(paid.id, kNow + 4).outcome == ChangeOutcome::replayed);
  CHECK(book.cancel(paid.id, kNow + 4).outcome == ChangeOutcome::already_paid);

  // expire_due: every issued number past its deadline, once.
  const Number a = issued(book, "pi_4");
  issued(book, "pi_5");
  CHECK(book.expire_due(a.expires_at_s).empty());
  const auto due = book.expire_due(a.expires_at_s + 1);
  CHECK(due.size() == 2);
  CHECK(book.expire_due(a.expires_at_s + 2).empty());
  CHECK(book.by_reference("pi_4")->status == "expired");
  CHECK(book.by_reference("pi_3")->status == "reversed");
}

TEST_CASE("Pay-easy: numbers survive a round trip through the journal; the latest line wins", "[payeasy]") {
  CentreBook before("58091", 1, 0.0);
  std::ostringstream lines;
  const auto write = [&lines](const Number& number) {
    lines << boost::json::serialize(sim::payeasy::number_json(number)) << '\n';
  };
  NumberTerms named = terms("pi_1");
  named.payer_name = "トウキョウ タロウ";
  const Number first = before.issue(named, kNow).number;
  write(first);
  const Number second = issued(before, "pi_2");
  write(second);
  write(before.pay(attempt_for(first), kNow + 30).number);
  write(before.reverse(first.id, kNow + 60).number);
  lines << R"({"id":"pe_000003","refer)";  // torn by a crash

  const auto parsed =
      sim::payeasy::parse_number_line(boost::json::serialize(sim::payeasy::number_json(first)));
  REQUIRE(parsed);
  CHECK(parsed->customer_number == first.customer_number);
  CHECK(parsed->confirmation_number == first.confirmation_number);
  CHECK(parsed->payer_name == "トウキョウ タロウ");
  CHECK(parsed->notify_url == first.notify_url);
  CHECK(parsed->expires_at_s == first.expires_at_s);
  CHECK_FALSE(parsed->paid_at_s);
  CHECK_FALSE(sim::payeasy::parse_number_line(""));
  CHECK_FALSE(sim::payeasy::parse_number_line(R"({"id":"pe_000001","paid_at":5})"));

  CentreBook after("58091", 1, 0.0);
  std::istringstream in(lines.str());
  const auto load = sim::payeasy::load_journal(after, in);
  CHECK(load.numbers == 2);
  CHECK(load.skipped_lines == 1);
  const auto reloaded = after.by_id(first.id);
  REQUIRE(reloaded);
  CHECK(reloaded->status == "reversed");
  CHECK(reloaded->paid_at_s == kNow + 30);
  CHECK(reloaded->reversed_at_s == kNow + 60);
  // The reloaded centre goes on: the payer can pay the second number, ids continue.
  CHECK(after.pay(attempt_for(second), kNow).outcome == PayOutcome::paid);
  CHECK(issued(after, "pi_9").id == "pe_000003");
  CHECK(after.issue(terms("pi_2"), kNow).outcome == IssueOutcome::replayed);
}

// ---- The HTTP contract, without sockets ----

namespace {

struct Centre {
  explicit Centre(std::string secret = "whsec_test", double auto_pay_rate = 0.0)
      : book("58091", 1, auto_pay_rate),
        notifier(sim::NotifierOptions{std::move(secret), "pen", 0.0, 0, false, 1}, notices_journal) {}

  CentreBook book;
  std::ostringstream numbers_journal;
  std::ostringstream notices_journal;
  sim::Notifier notifier;
  std::int64_t now_s = kNow;
  std::vector<std::string> auto_paid;
  // No settlement file is written here (payeasy_settlement_test.cpp writes them): no directory.
  sim::payeasy::CentreFront front{book,
                                  numbers_journal,
                                  notifier,
                                  [this] { return now_s; },
                                  sim::payeasy::SettlementTerms{},
                                  [this](const std::string& id) { auto_paid.push_back(id); }};

  runtime::HttpResponse call(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    runtime::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    return front.handle(request);
  }
  runtime::HttpResponse issue(const std::string& reference, std::int64_t amount_yen = 3000,
                              const std::string& expires_at = "2026-04-08T00:00:00Z") {
    const boost::json::object body{
        {"reference", reference},   {"amount", amount_yen},
        {"currency", "JPY"},        {"merchant", "PROC001"},
        {"expires_at", expires_at}, {"notify_url", "http://127.0.0.1:9/hooks/payeasy"}};
    return call("POST", "/v1/numbers", boost::json::serialize(body));
  }
  runtime::HttpResponse pay(const boost::json::object& number, std::optional<std::int64_t> amount_yen = {}) {
    boost::json::object body{{"institution_number", number.at("institution_number")},
                             {"customer_number", number.at("customer_number")},
                             {"confirmation_number", number.at("confirmation_number")}};
    if (amount_yen) body["amount"] = *amount_yen;
    return call("POST", "/sim/pay", boost::json::serialize(body));
  }
  runtime::HttpResponse reverse(const std::string& id) {
    return call("POST", "/sim/reverse", boost::json::serialize(boost::json::object{{"number", id}}));
  }
};

boost::json::object body_of(const runtime::HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::size_t lines_in(const std::ostringstream& journal) {
  const std::string text = journal.str();
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

void check_error(const runtime::HttpResponse& answer, unsigned status, const char* error) {
  CHECK(answer.status == status);
  const auto body = body_of(answer);
  CHECK(body.at("error") == error);
  CHECK(body.at("message").as_string().size() > 0);
}

}  // namespace

TEST_CASE("Pay-easy: POST /v1/numbers answers 201 a number, 200 on a retry, 409 on a conflict", "[payeasy]") {
  Centre centre;
  const auto created = centre.issue("pi_1");
  REQUIRE(created.status == 201);
  const auto number = body_of(created);
  CHECK(number.at("id") == "pe_000001");
  CHECK(number.at("object") == "payeasy_number");
  CHECK(number.at("reference") == "pi_1");
  CHECK(number.at("amount") == 3000);
  CHECK(number.at("currency") == "JPY");
  CHECK(number.at("merchant") == "PROC001");
  CHECK(number.at("institution_number") == "58091");
  CHECK(number.at("customer_number").as_string().size() == 20);
  CHECK(number.at("confirmation_number").as_string().size() == 6);
  CHECK(number.at("expires_at") == "2026-04-08T00:00:00Z");
  CHECK(number.at("status") == "issued");
  CHECK(number.at("created_at") == "2026-04-01T00:00:00Z");
  CHECK(number.at("paid_at").is_null());
  CHECK(number.at("reversed_at").is_null());
  CHECK(number.at("canceled_at").is_null());
  CHECK(lines_in(centre.numbers_journal) == 1);

  const auto again = centre.issue("pi_1");
  CHECK(again.status == 200);
  CHECK(body_of(again).at("customer_number") == number.at("customer_number"));
  CHECK(lines_in(centre.numbers_journal) == 1);
  check_error(centre.issue("pi_1", 3001), 409, "reference_conflict");
  check_error(centre.issue("pi_1", 3000, "2026-04-09T00:00:00Z"), 409, "reference_conflict");
  // The same instant written otherwise is the same deadline.
  CHECK(centre.issue("pi_1", 3000, "2026-04-08T00:00:00.000+00:00").status == 200);
  CHECK(centre.auto_paid.empty());
  CHECK(centre.notifier.all().empty());
}

TEST_CASE("Pay-easy: POST /v1/numbers refuses bad input with 400 naming the field, keeping nothing",
          "[payeasy]") {
  Centre centre;
  const auto bad = [&](const std::string& body, const std::string& field) {
    INFO(body);
    const auto answer = centre.call("POST", "/v1/numbers", body);
    CHECK(answer.status == 400);
    const auto error = body_of(answer);
    CHECK(error.at("error") == "invalid_request");
    CHECK(std::string(error.at("message").as_string()).find(field) != std::string::npos);
  };
  const std::string rest =
      R"("currency":"JPY","expires_at":"2026-04-08T00:00:00Z","notify_url":"http://127.0.0.1:9/h")";
  bad("not json", "body");
  bad("[]", "body");
  bad(R"({"amount":100,)" + rest + "}", "reference");
  bad(R"({"reference":"","amount":100,)" + rest + "}", "reference");
  bad(R"({"reference":")" + std::string(256, 'r') + R"(","amount":100,)" + rest + "}", "reference");
  bad(R"({"reference":"r",)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":0,)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":-1,)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":"100",)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":100.5,)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":1000000000,)" + rest + "}", "amount");
  bad(R"({"reference":"r","amount":100,"currency":"USD","expires_at":"2026-04-08T00:00:00Z","notify_url":"http://h/"})",
      "currency");
  bad(R"({"reference":"r","amount":100,"expires_at":"2026-04-08T00:00:00Z","notify_url":"http://h/"})",
      "currency");
  bad(R"({"reference":"r","amount":100,"merchant":7,)" + rest + "}", "merchant");
  bad(R"({"reference":"r","amount":100,"merchant":")" + std::string(256, 'm') + R"(",)" + rest + "}",
      "merchant");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","notify_url":"http://h/"})", "expires_at");
  for (const char* expires_at :
       {"tomorrow", "2026-04-08", "2026-04-08T09:00:00+09:00", "2026-02-30T00:00:00Z"}) {
    bad(R"({"reference":"r","amount":100,"currency":"JPY","expires_at":")" + std::string(expires_at) +
            R"(","notify_url":"http://h/"})",
        "expires_at");
  }
  bad(R"({"reference":"r","amount":100,"currency":"JPY","expires_at":"2026-03-31T23:59:59Z","notify_url":"http://h/"})",
      "expires_at must be in the future");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","expires_at":"2026-04-01T00:00:00Z","notify_url":"http://h/"})",
      "expires_at must be in the future");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","expires_at":"2026-05-31T00:00:01Z","notify_url":"http://h/"})",
      "at most 60 days");
  bad(R"({"reference":"r","amount":100,"currency":"JPY","expires_at":"2026-04-08T00:00:00Z"})", "notify_url");
  for (const std::string& url : {std::string("https://h/"), std::string("ftp://h/"), std::string("http://"),
                                 "http://h/" + std::string(2000, 'a')}) {
    bad(R"({"reference":"r","amount":100,"currency":"JPY","expires_at":"2026-04-08T00:00:00Z","notify_url":")" +
            url + R"("})",
        "notify_url");
  }
  bad(R"({"reference":"r","amount":100,)" + rest + R"(,"payer_name":")" + std::string(101, 'n') + R"("})",
      "payer_name");
  bad(R"({"reference":"r","amount":100,)" + rest + R"(,"payer_name":5})", "payer_name");
  CHECK(centre.book.all().empty());
  CHECK(centre.numbers_journal.str().empty());

  // At the limits: 999,999,999 yen, 60 days ahead, a payer name of 100 bytes.
  CHECK(
      centre
          .call("POST", "/v1/numbers",
                R"({"reference":"r","amount":999999999,"currency":"JPY","expires_at":"2026-05-31T00:00:00Z",)"
                R"("notify_url":"http://h/","payer_name":")" +
                    std::string(100, 'n') + R"("})")
          .status == 201);
}

TEST_CASE("Pay-easy: without a callback secret no number is issued", "[payeasy]") {
  Centre centre("");
  check_error(centre.issue("pi_1"), 409, "callbacks_not_configured");
  CHECK(centre.book.all().empty());
}

TEST_CASE("Pay-easy: GET /v1/numbers finds a number by reference, by id, or lists them all", "[payeasy]") {
  Centre centre;
  REQUIRE(centre.issue("pi 1/a").status == 201);
  REQUIRE(centre.issue("pi_2").status == 201);
  const auto found = body_of(centre.call("GET", "/v1/numbers?reference=pi%201%2Fa"));
  CHECK(found.at("object") == "list");
  REQUIRE(found.at("data").as_array().size() == 1);
  CHECK(found.at("data").as_array()[0].at("id") == "pe_000001");
  CHECK(body_of(centre.call("GET", "/v1/numbers?reference=pi_9")).at("data").as_array().empty());
  CHECK(body_of(centre.call("GET", "/v1/numbers")).at("data").as_array().size() == 2);
  CHECK(centre.call("GET", "/v1/numbers?reference=%zz").status == 400);
  CHECK(body_of(centre.call("GET", "/v1/numbers/pe_000002")).at("reference") == "pi_2");
  CHECK(centre.call("GET", "/v1/numbers/pe_000009").status == 404);
  CHECK(centre.call("GET", "/v1/numbers/pe_000001/cancel").status == 404);
  CHECK(centre.call("DELETE", "/v1/numbers/pe_000001").status == 404);
  CHECK(centre.call("GET", "/healthz").status == 200);
  CHECK(centre.call("GET", "/v1/nothing").status == 404);
}

TEST_CASE("Pay-easy: a number past its deadline is answered and recorded expired", "[payeasy]") {
  Centre centre;
  const auto number = body_of(centre.issue("pi_1", 3000, "2026-04-01T00:10:00Z"));
  centre.now_s = kNow + 600;
  CHECK(body_of(centre.call("GET", "/v1/numbers/pe_000001")).at("status") == "issued");
  centre.now_s = kNow + 601;
  CHECK(body_of(centre.call("GET", "/v1/numbers/pe_000001")).at("status") == "expired");
  CHECK(lines_in(centre.numbers_journal) == 2);
  CHECK(centre.numbers_journal.str().find(R"("status":"expired")") != std::string::npos);
  CHECK(body_of(centre.call("GET", "/v1/numbers?reference=pi_1")).at("data").as_array()[0].at("status") ==
        "expired");
  CHECK(lines_in(centre.numbers_journal) == 2);  // recorded once

  const auto late = centre.pay(number);
  check_error(late, 409, "number_expired");
  CHECK(body_of(late).at("number") == "pe_000001");
  CHECK(body_of(late).at("number_status") == "expired");
  const auto cancel = centre.call("POST", "/v1/numbers/pe_000001/cancel");
  CHECK(cancel.status == 200);
  CHECK(body_of(cancel).at("status") == "expired");
  // A retry of the issue gets the number back, expired.
  const auto retry = centre.issue("pi_1", 3000, "2026-04-01T00:10:00Z");
  CHECK(retry.status == 200);
  CHECK(body_of(retry).at("status") == "expired");
  CHECK(centre.notifier.all().empty());
}

TEST_CASE("Pay-easy: POST /v1/numbers/{id}/cancel withdraws an unpaid number", "[payeasy]") {
  Centre centre;
  const auto number = body_of(centre.issue("pi_1"));
  centre.now_s = kNow + 30;
  const auto canceled = centre.call("POST", "/v1/numbers/pe_000001/cancel");
  CHECK(canceled.status == 200);
  CHECK(body_of(canceled).at("status") == "canceled");
  CHECK(body_of(canceled).at("canceled_at") == "2026-04-01T00:00:30Z");
  const auto again = centre.call("POST", "/v1/numbers/pe_000001/cancel");
  CHECK(again.status == 200);
  CHECK(body_of(again).at("canceled_at") == "2026-04-01T00:00:30Z");
  CHECK(lines_in(centre.numbers_journal) == 2);
  check_error(centre.pay(number), 409, "number_canceled");
  CHECK(centre.call("POST", "/v1/numbers/pe_000009/cancel").status == 404);
  CHECK(body_of(centre.call("POST", "/v1/numbers/pe_000009/cancel")).at("error") == "not_found");

  const auto paid = body_of(centre.issue("pi_2"));
  REQUIRE(centre.pay(paid).status == 200);
  const auto refused = centre.call("POST", "/v1/numbers/pe_000002/cancel");
  check_error(refused, 409, "already_paid");
  CHECK(body_of(refused).at("number") == "pe_000002");
  CHECK(body_of(refused).at("number_status") == "paid");
  REQUIRE(centre.reverse("pe_000002").status == 200);
  const auto reversed = centre.call("POST", "/v1/numbers/pe_000002/cancel");
  check_error(reversed, 409, "already_paid");
  CHECK(body_of(reversed).at("number_status") == "reversed");
}

TEST_CASE("Pay-easy: POST /sim/pay pays the number and queues the quick notice", "[payeasy]") {
  Centre centre;
  const auto number = body_of(centre.issue("pi_1", 5000));
  centre.now_s = kNow + 90;

  boost::json::object wrong = number;
  wrong["institution_number"] = "58092";
  check_error(centre.pay(wrong), 404, "number_not_found");
  wrong = number;
  wrong["customer_number"] = "12345678901234567890";
  check_error(centre.pay(wrong), 404, "number_not_found");
  wrong = number;
  wrong["confirmation_number"] = number.at("confirmation_number") == "000000" ? "000001" : "000000";
  check_error(centre.pay(wrong), 400, "confirmation_mismatch");
  check_error(centre.pay(number, 4999), 400, "amount_mismatch");
  CHECK(centre.notifier.all().empty());

  const auto paid = centre.pay(number, 5000);
  REQUIRE(paid.status == 200);
  CHECK(body_of(paid).at("status") == "paid");
  CHECK(body_of(paid).at("paid_at") == "2026-04-01T00:01:30Z");
  CHECK(lines_in(centre.numbers_journal) == 2);
  const auto notices = centre.notifier.all();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].id == "pen_000001");
  CHECK(notices[0].type == "payment.paid");
  CHECK(notices[0].reference == "pi_1");
  CHECK(notices[0].notify_url == "http://127.0.0.1:9/hooks/payeasy");
  const auto notice = boost::json::parse(notices[0].body).as_object();
  CHECK(notice.at("id") == "pen_000001");
  CHECK(notice.at("type") == "payment.paid");
  CHECK(notice.at("created_at") == "2026-04-01T00:01:30Z");
  const auto& data = notice.at("data").as_object();
  CHECK(data.at("number") == "pe_000001");
  CHECK(data.at("reference") == "pi_1");
  CHECK(data.at("amount") == 5000);
  CHECK(data.at("institution_number") == "58091");
  CHECK(data.at("customer_number") == number.at("customer_number"));
  CHECK(data.at("status") == "paid");
  CHECK(data.at("paid_at") == "2026-04-01T00:01:30Z");
  CHECK_FALSE(data.contains("reversed_at"));

  const auto twice = centre.pay(number);
  check_error(twice, 409, "already_paid");
  CHECK(body_of(twice).at("number_status") == "paid");
  CHECK(centre.notifier.all().size() == 1);

  const auto bad = [&](const std::string& body) {
    INFO(body);
    check_error(centre.call("POST", "/sim/pay", body), 400, "invalid_request");
  };
  bad("nope");
  bad(R"({"customer_number":"1","confirmation_number":"1"})");
  bad(R"({"institution_number":"58091","confirmation_number":"1"})");
  bad(R"({"institution_number":"58091","customer_number":"1"})");
  bad(R"({"institution_number":"58091","customer_number":"1","confirmation_number":"1","amount":0})");
  bad(R"({"institution_number":"58091","customer_number":"1","confirmation_number":"1","amount":"5"})");
  bad(R"({"institution_number":58091,"customer_number":"1","confirmation_number":"1"})");
}

TEST_CASE("Pay-easy: POST /sim/reverse takes back a paid number and queues its notice", "[payeasy]") {
  Centre centre;
  const auto number = body_of(centre.issue("pi_1"));
  check_error(centre.reverse("pe_000001"), 409, "not_paid");
  CHECK(body_of(centre.reverse("pe_000001")).at("number_status") == "issued");
  check_error(centre.reverse("pe_000009"), 404, "number_not_found");
  check_error(centre.call("POST", "/sim/reverse", "{}"), 400, "invalid_request");
  check_error(centre.call("POST", "/sim/reverse", R"({"number":""})"), 400, "invalid_request");

  REQUIRE(centre.pay(number).status == 200);
  centre.now_s = kNow + 3 * kDay;
  const auto reversed = centre.reverse("pe_000001");
  REQUIRE(reversed.status == 200);
  CHECK(body_of(reversed).at("status") == "reversed");
  CHECK(body_of(reversed).at("reversed_at") == "2026-04-04T00:00:00Z");
  const auto notices = centre.notifier.all();
  REQUIRE(notices.size() == 2);
  CHECK(notices[1].id == "pen_000002");
  CHECK(notices[1].type == "payment.reversed");
  const auto data = boost::json::parse(notices[1].body).at("data").as_object();
  CHECK(data.at("status") == "reversed");
  CHECK(data.at("paid_at") == "2026-04-01T00:00:00Z");
  CHECK(data.at("reversed_at") == "2026-04-04T00:00:00Z");

  const auto again = centre.reverse("pe_000001");
  CHECK(again.status == 200);
  CHECK(body_of(again).at("status") == "reversed");
  CHECK(centre.notifier.all().size() == 2);  // no second notice

  const auto listed = body_of(centre.call("GET", "/sim/callbacks"));
  CHECK(listed.at("data").as_array().size() == 2);
  CHECK(listed.at("data").as_array()[1].at("type") == "payment.reversed");
  CHECK(centre.call("POST", "/sim/callbacks/release").status == 200);
}

TEST_CASE("Pay-easy: a share of new numbers is paid by the simulated payer", "[payeasy]") {
  Centre centre("whsec_test", 1.0);
  REQUIRE(centre.issue("pi_1").status == 201);
  REQUIRE(centre.auto_paid == std::vector<std::string>{"pe_000001"});
  REQUIRE(centre.issue("pi_1").status == 200);
  CHECK(centre.auto_paid.size() == 1);
  centre.now_s = kNow + 2;
  const auto paid = centre.front.auto_pay("pe_000001");
  CHECK(paid.status == 200);
  CHECK(body_of(paid).at("status") == "paid");
  REQUIRE(centre.notifier.all().size() == 1);
  CHECK(centre.notifier.all()[0].type == "payment.paid");
  // Paid meanwhile by someone else, or withdrawn: the simulated payer is refused like any payer.
  CHECK(centre.front.auto_pay("pe_000001").status == 409);
  CHECK(centre.front.auto_pay("pe_000009").status == 404);
}
