// The production reader (engine/recon, statement_reader.hpp) on the card acquirer's settlement file as
// its simulator writes it: UTF-8 CSV with English column names, signed amounts, ISO 8601 times with an
// offset, a "T" trailer; and that file damaged. Apart from statement_reader_test.cpp: the acquirer's
// headers and the instant-payment books' cannot meet in one translation unit.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "acquirer_book.hpp"
#include "card_settlement.hpp"
#include "kessai/recon/statement_profile.hpp"
#include "kessai/recon/statement_reader.hpp"

using namespace kessai;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};

recon::StatementProfile card_profile() {
  auto profile = recon::load_profile(std::filesystem::path(KESSAI_SOURCE_DIR) /
                                     "ops/config/settlement/card-acquirer.toml");
  INFO((profile ? "" : profile.error()));
  REQUIRE(profile);
  return std::move(profile).value();
}

sim::SettlementFile card_file() {
  sim::AcquirerBook book(1, 0.0);
  const auto sale = book.charge({"pi_1", 3000, "FAC,001", "tok_visa", true}, "2024-04-01T00:30:00Z").charge;
  REQUIRE(book.refund({sale.id, "re_1", 1000}, "2024-04-01T01:00:00Z").outcome == sim::BookOutcome::done);
  book.charge({"pi_2", 1980, "FAC002", "tok_amex", true}, "2024-04-01T02:00:00Z");
  const auto [charges, refunds] = book.records();
  auto file = sim::card_settlement_file(charges, refunds, kApril1, 250);
  REQUIRE(file);
  return std::move(file).value();
}

std::string with(std::string content, const std::string& from, const std::string& to) {
  const std::size_t at = content.find(from);
  INFO("'" << from << "' in the file");
  REQUIRE(at != std::string::npos);
  return content.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the card acquirer's file reads with signed refunds, offsets and its trailer",
          "[statement_reader]") {
  const sim::SettlementFile written = card_file();
  const auto read = recon::read_statement(card_profile(), written.name, written.content);
  INFO((read ? "" : read.error().message));
  REQUIRE(read);
  const recon::StatementFile& file = read.value();
  CHECK(file.profile == "card-acquirer");
  CHECK(file.business_date == kApril1);
  REQUIRE(file.lines.size() == 3);
  CHECK(file.lines.size() == written.lines);
  CHECK(file.amount_total_yen == written.totals.amount_yen);
  CHECK(file.fee_total_yen == written.totals.fee_yen);
  CHECK(file.net_total_yen == written.totals.net_yen);
  // 2.50 %; a refund gives back the fee on what it refunds.
  const auto& sale = file.lines[0];
  CHECK(sale.kind == recon::LineKind::sale);
  CHECK(sale.amount_yen == 3000);
  CHECK(sale.fee_yen == 75);
  CHECK(sale.net_yen == 2925);
  CHECK(sale.reference == "pi_1");
  CHECK(sale.merchant == "FAC,001");  // a quoted field with a comma
  CHECK(sale.brand == "visa");
  CHECK(sale.processor_transaction_id.starts_with("ch_"));
  CHECK(sale.occurred_at == chrono::sys_days{kApril1} + chrono::minutes{30});  // 09:30:00+09:00
  CHECK(sale.value_date == kApril1);
  CHECK(sale.record == 2);
  const auto& refund = file.lines[1];
  CHECK(refund.kind == recon::LineKind::refund);
  CHECK(refund.amount_yen == -1000);
  CHECK(refund.fee_yen == -25);
  CHECK(refund.net_yen == -975);
  CHECK(refund.reference == "re_1");
  CHECK(refund.processor_transaction_id.starts_with("rf_"));
  CHECK(file.lines[2].amount_yen == 1980);
  CHECK(file.lines[2].fee_yen == 49);
  CHECK(file.lines[2].brand == "amex");
}

TEST_CASE("a damaged card acquirer file is refused, with the line and the column", "[statement_reader]") {
  const recon::StatementProfile profile = card_profile();
  const sim::SettlementFile written = card_file();
  const std::string& good = written.content;
  const auto refused = [&](const std::string& bytes) {
    const auto read = recon::read_statement(profile, written.name, bytes);
    REQUIRE_FALSE(read);
    return read.error();
  };
  struct Case {
    const char* what;
    std::string bytes;
    const char* code;
    std::uint32_t record;
    const char* message;
  };
  const std::vector<Case> cases{
      {"net ≠ amount − fee", with(good, ",3000,75,2925,", ",3000,75,2926,"), "bad_net", 2,
       "line 2: net \"2926\" is not amount − fee = 2,925"},
      {"a refund with a positive amount", with(good, ",-1000,-25,-975,", ",1000,-25,-975,"), "bad_field", 3,
       "line 3: amount \"1000\" must be negative on a \"refund\" line"},
      {"a sale with a negative fee", with(good, ",3000,75,2925,", ",3000,-75,3075,"), "bad_field", 2,
       "line 2: fee \"-75\" must not be negative on a \"sale\" line"},
      {"a time that never was", with(good, "2024-04-01T09:30:00+09:00", "2024-04-31T09:30:00+09:00"),
       "bad_field", 2,
       "line 2: transaction_at \"2024-04-31T09:30:00+09:00\" is not a date and time written as"},
      {"a time without its offset", with(good, "2024-04-01T09:30:00+09:00", "2024-04-01T09:30:00"),
       "bad_field", 2, "is not a date and time"},
      {"a kind no one knows", with(good, ",sale,3000,", ",capture,3000,"), "bad_field", 2,
       "line 2: kind \"capture\" is neither \"sale\" (sale) nor \"refund\" (refund)"},
      {"an amount with a fraction", with(good, ",sale,3000,", ",sale,3000.5,"), "bad_field", 2,
       "\"3000.5\" is not a whole number of yen"},
      {"the trailer counting one line too few", with(good, "\r\nT,3,", "\r\nT,2,"), "bad_count", 5,
       "line 5 (trailer): it counts 2 lines (count_column (field 2)), the file holds 3"},
      {"the trailer's amount total a yen off", with(good, "\r\nT,3,3980,", "\r\nT,3,3981,"), "bad_total", 5,
       "its amount total is 3,981 yen"},
      {"the trailer's fee total a yen off", with(good, "\r\nT,3,3980,99,", "\r\nT,3,3980,98,"), "bad_total",
       5, "its fee total is 98 yen"},
      {"an unknown record type", with(good, "\r\nD,ch_", "\r\nX,ch_"), "bad_record", 2,
       "line 2 has the unknown record type \"X\" (data \"D\", trailer \"T\")"},
      {"a line ending in LF alone", with(good, "\r\nD,", "\nD,"), "bad_record", 1,
       "line 1 ends with LF alone; the file's lines end with CRLF"},
      {"a byte that is not UTF-8", with(good, "pi_1", "pi_\xFF"), "bad_encoding", 2, "is not UTF-8"},
      {"a byte order mark it should not have", "\xEF\xBB\xBF" + good, "bad_encoding", 0, "byte order mark"},
      {"cut in the middle of a line", good.substr(0, good.find("\r\nT,") - 5), "truncated", 4,
       "cut short: it ends in the middle of its line 4"},
      {"no trailer", good.substr(0, good.find("T,")), "truncated", 0,
       "without its trailer (a line starting \"T\")"},
      {"a header without merchant_id", with(good, "merchant_id", "merchant"), "bad_record", 1,
       "line 1 (header) has no column \"merchant_id\" (merchant)"},
  };
  for (const Case& damaged : cases) {
    INFO(damaged.what);
    const recon::Rejection rejection = refused(damaged.bytes);
    INFO(rejection.message);
    CHECK(rejection.code == damaged.code);
    CHECK(rejection.record == damaged.record);
    CHECK(rejection.message.find(damaged.message) != std::string::npos);
  }
}
