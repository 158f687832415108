// The card acquirer's settlement file, byte for byte, from charges made, captured, voided and refunded at
// known instants (the book takes its clock as the `now` of each call); charge lines from before capture
// times were kept. Apart from settlement_test.cpp: acquirer_records.hpp and the instant-payment books
// each have a JournalLoad of their own.

#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "acquirer_book.hpp"
#include "acquirer_records.hpp"
#include "card_settlement.hpp"
#include "settlement_profile_check.hpp"

using namespace kessai;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};
constexpr chrono::year_month_day kMarch31{chrono::year{2024} / 3 / 31};
constexpr chrono::year_month_day kApril2{chrono::year{2024} / 4 / 2};

// The last second of 31 March in Japan, and the first of 1 April.
constexpr const char* kJustBeforeMidnight = "2024-03-31T14:59:59Z";
constexpr const char* kMidnight = "2024-03-31T15:00:00Z";

}  // namespace

TEST_CASE("the card acquirer's day file: captures and refunds of the day, fees, trailer", "[settlement]") {
  sim::AcquirerBook book(1, 0.0);
  // 23:59:59 on 31 March in Japan: the day before.
  const auto early = book.charge({"pi_early", 3000, "FAC001", "tok_visa", true}, kJustBeforeMidnight).charge;
  // 00:00:00 on 1 April.
  book.charge({"pi_midnight", 1980, "FAC001", "tok_mastercard", true}, kMidnight);
  // Never captured, voided, declined: not settled.
  book.charge({"pi_authorized", 500, "FAC001", "tok_visa", false}, "2024-04-01T01:00:00Z");
  const auto voided = book.charge({"pi_voided", 700, "FAC001", "tok_visa", false}, "2024-04-01T01:00:00Z");
  REQUIRE(book.void_authorization(voided.charge.id).outcome == sim::BookOutcome::done);
  book.charge({"pi_declined", 900, "FAC001", "tok_decline", true}, "2024-04-01T01:00:00Z");
  // Authorized the evening before, captured in part at noon: the capture dates it.
  const auto late = book.charge({"pi_late", 3000, "FAC002", "tok_jcb", false}, "2024-03-31T10:00:00Z").charge;
  REQUIRE(book.capture(late.id, 1200, "2024-04-01T03:00:00Z").outcome == sim::BookOutcome::done);
  // A refund on 1 April of the sale of 31 March.
  REQUIRE(book.refund({early.id, "re_1", 1000}, "2024-04-01T05:30:00Z").outcome == sim::BookOutcome::done);
  // 00:00:00 on 2 April: the day after.
  book.charge({"pi_next", 400, "FAC001", "tok_visa", true}, "2024-04-01T15:00:00Z");

  const auto [charges, refunds] = book.records();
  const auto file = sim::card_settlement_file(charges, refunds, kApril1, sim::kCardMdrBasisPointsDefault);
  REQUIRE(file);
  CHECK(file->name == "card_settlement_20240401.csv");
  CHECK(file->content ==
        "record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_"
        "brand\r\n"
        "D,ch_000002,pi_midnight,FAC001,2024-04-01T00:00:00+09:00,sale,1980,49,1931,mastercard\r\n"
        "D,ch_000006,pi_late,FAC002,2024-04-01T12:00:00+09:00,sale,1200,30,1170,jcb\r\n"
        "D,rf_000001,re_1,FAC001,2024-04-01T14:30:00+09:00,refund,-1000,-25,-975,visa\r\n"
        "T,3,2180,54,2126\r\n");
  CHECK(file->lines == 3);
  CHECK(file->totals.amount_yen == 2180);
  CHECK(file->totals.fee_yen == 54);
  CHECK(file->totals.net_yen == 2126);

  const auto before = sim::card_settlement_file(charges, refunds, kMarch31, 250);
  REQUIRE(before);
  CHECK(before->content ==
        "record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_"
        "brand\r\n"
        "D,ch_000001,pi_early,FAC001,2024-03-31T23:59:59+09:00,sale,3000,75,2925,visa\r\n"
        "T,1,3000,75,2925\r\n");
  const auto after = sim::card_settlement_file(charges, refunds, kApril2, 250);
  REQUIRE(after);
  CHECK(
      after->content.find("D,ch_000007,pi_next,FAC001,2024-04-02T00:00:00+09:00,sale,400,10,390,visa\r\n") !=
      std::string::npos);
  CHECK(after->lines == 1);

  // The same records give the same bytes; another rate, other fees.
  CHECK(sim::card_settlement_file(charges, refunds, kApril1, 250)->content == file->content);
  CHECK(sim::card_settlement_file(charges, refunds, kApril1, 324)->totals.fee_yen == 64 + 38 - 32);
}

TEST_CASE("a day with nothing settled has a header and a zero trailer", "[settlement]") {
  const auto file = sim::card_settlement_file({}, {}, kApril1, 250);
  REQUIRE(file);
  CHECK(file->content ==
        "record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_"
        "brand\r\n"
        "T,0,0,0,0\r\n");
}

TEST_CASE("a charge's capture time and card brand survive its journal line", "[settlement]") {
  sim::AcquirerBook book(1, 0.0);
  const auto authorized =
      book.charge({"pi_1", 3000, "FAC001", "tok_amex", false}, "2024-03-31T10:00:00Z").charge;
  CHECK(authorized.card_brand == "amex");
  CHECK(authorized.captured_at.empty());
  CHECK_FALSE(sim::charge_json(authorized).contains("captured_at"));
  const auto captured = book.capture(authorized.id, std::nullopt, "2024-04-01T03:00:00Z").charge;
  const auto line = sim::parse_charge_line(boost::json::serialize(sim::charge_json(captured)));
  REQUIRE(line);
  CHECK(line->captured_at == "2024-04-01T03:00:00Z");
  CHECK(line->created_at == "2024-03-31T10:00:00Z");
  CHECK(line->card_brand == "amex");
  // Tokens that name no brand the acquirer knows leave it empty, and out of the answer.
  CHECK(sim::card_brand_for_token("tok_visa") == "visa");
  CHECK(sim::card_brand_for_token("tok_diners") == "diners");
  CHECK(sim::card_brand_for_token("tok_decline").empty());
  CHECK(sim::card_brand_for_token("tok_visa_debit").empty());
  CHECK(sim::card_brand_for_token("visa").empty());
  const auto unbranded = book.charge({"pi_2", 100, "", "tok_other", true}, "t").charge;
  CHECK_FALSE(sim::charge_json(unbranded).contains("card_brand"));
}

TEST_CASE("a charge line from before capture times reads as captured when made, and settles then",
          "[settlement]") {
  std::istringstream charge_lines(
      R"({"id":"ch_000001","object":"charge","reference":"pi_1","amount":3000,"currency":"JPY",)"
      R"("merchant":"FAC001","status":"captured","created_at":"2024-03-31T15:00:00Z"})"
      "\n");
  std::istringstream refund_lines("");
  sim::AcquirerBook book(1, 0.0);
  sim::load_journals(book, charge_lines, refund_lines);
  REQUIRE(book.by_id("ch_000001")->captured_at == "2024-03-31T15:00:00Z");
  const auto [charges, refunds] = book.records();
  const auto file = sim::card_settlement_file(charges, refunds, kApril1, 250);
  REQUIRE(file);
  CHECK(file->content.find("D,ch_000001,pi_1,FAC001,2024-04-01T00:00:00+09:00,sale,3000,75,2925,\r\n") !=
        std::string::npos);
  // A journal edited by hand beyond reading stops the file with a reason, rather than leaving a sale out.
  auto broken = charges;
  broken[0].captured_at = "yesterday";
  const auto refused = sim::card_settlement_file(broken, refunds, kApril1, 250);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == "ch_000001 has an unreadable time stamp 'yesterday'");
}

TEST_CASE("the card acquirer's settlement profile reads the file the simulator writes", "[settlement]") {
  sim::AcquirerBook book(1, 0.0);
  const auto sale = book.charge({"pi_1", 3000, "FAC,001", "tok_visa", true}, "2024-04-01T00:30:00Z").charge;
  REQUIRE(book.refund({sale.id, "re_1", 1000}, "2024-04-01T01:00:00Z").outcome == sim::BookOutcome::done);
  book.charge({"pi_2", 1980, "FAC002", "tok_amex", true}, "2024-04-01T02:00:00Z");
  const auto [charges, refunds] = book.records();
  const auto file = sim::card_settlement_file(charges, refunds, kApril1, 250);
  REQUIRE(file);
  testing::check_settlement_profile("card-acquirer", file.value());
}
