// The finance reports against a small but complete business day in PostgreSQL: two facilities and a
// procedure paid by card (two brands and a third), e-money, QR and Pay-easy, a refund and a Pay-easy
// reversal (取消), the card acquirer's settlement file reconciled with a difference injected and the
// bank's deposit; every figure checked to the yen against hand-computed values and against the ledger's
// own balances, then rendered and written by `kessai report`.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "child_process.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "kessai/recon/recon_store.hpp"
#include "kessai/reports/finance.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "test_database.hpp"

using namespace kessai;
using reports::Period;

namespace {

constexpr std::chrono::year_month_day day(unsigned d) {
  return {std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{d}};
}
// 2026-11-20 is a Friday; 11-23 (Monday) is 勤労感謝の日, so the acquirer's payout is due Tuesday 11-24.
constexpr std::chrono::year_month_day kDay = day(20);
constexpr std::chrono::year_month_day kDepositDay = day(24);
const Period kOneDay{.from = kDay, .to = kDay};

struct Folder {
  std::filesystem::path path = testing::make_temp_dir("kessai-finance");
  Folder() {
    std::filesystem::create_directories(path / "card");
    std::filesystem::create_directories(path / "bank");
  }
  Folder(const Folder&) = delete;
  Folder& operator=(const Folder&) = delete;
  ~Folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
  }
};

// Only the card acquirer sends files here: e-money, QR and Pay-easy have payments but no file.
recon::ReconConfig config_for(const Folder& folder) {
  recon::ReconConfig config;
  config.profiles_dir = std::filesystem::path(KESSAI_SOURCE_DIR) / "ops/config/settlement";
  recon::ProcessorContract card;
  card.processor_id = "card-sim";
  card.profile = "card-acquirer";
  card.inbox = folder.path / "card";
  card.mdr_bp = {{"default", 250}};
  card.payer_names = {"ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ"};
  config.processors.push_back(card);
  config.banks.push_back(recon::BankAccount{.profile = "zengin-03", .inbox = folder.path / "bank"});
  return config;
}

// A journal as the engine writes it, booked at noon Japan time on its business date.
void insert_journal_at_noon(pqxx::work& tx, const Result<ledger::Journal, ledger::JournalError>& built) {
  REQUIRE(built.ok());
  const ledger::Journal& journal = built.value();
  const auto id =
      tx.exec_params(
            "insert into journal_entries (kind, reference, business_date, created_at)"
            " values ($1, $2, $3::date, $3::date + time '12:00' at time zone 'Asia/Tokyo') returning id",
            journal.kind(), journal.reference(), ledger::format_date(journal.business_date()))[0][0]
          .as<std::int64_t>();
  for (const ledger::Posting& posting : journal.postings()) {
    tx.exec_params("insert into postings (journal_id, account_code, amount_yen) values ($1, $2, $3)", id,
                   posting.account.str(), posting.amount.value());
  }
}

void seed_catalogue(pqxx::work& tx) {
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  for (const char* processor : {"card-sim", "emoney-sim", "qr-sim", "payeasy-sim"}) {
    ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(*ProcessorId::parse(processor)));
  }
  const std::vector<std::pair<std::string, std::string>> fees{
      {"F001", "体育館 個人利用料"}, {"F002", "美術館 観覧料"}, {"F003", "住民票の写し 交付手数料"}};
  for (const auto& [code, name] : fees) {
    ledger::pg::ensure_accounts(tx, {ledger::chart::revenue_account(*FeeCode::parse(code), name)});
    tx.exec_params("insert into fee_codes (code, name, account_code) values ($1, $2, $3)", code, name,
                   "revenue:fee:" + code);
  }
  tx.exec(
      "insert into facilities (id, name, category) values ('FAC001', '中央体育館', 'citizen'),"
      " ('FAC002', '本庁舎 売店', 'office'), ('FAC003', '市民プール', 'citizen');"
      "insert into procedures (id, name) values ('PRC001', '住民票の写しの交付請求'),"
      " ('PRC002', '戸籍証明書の交付請求');"
      "insert into facility_means (facility_id, means, live_since) values"
      " ('FAC001', 'card', '2025-04-01'), ('FAC001', 'emoney', '2025-04-01'), ('FAC001', 'qr', '2026-10-01'),"
      " ('FAC002', 'card', '2026-04-01'), ('FAC002', 'emoney', '2027-04-01'), ('FAC002', 'qr', '2026-11-20');"
      "insert into procedure_means (procedure_id, means, live_since) values"
      " ('PRC001', 'card', '2026-01-01'), ('PRC001', 'payeasy', '2026-06-01'), ('PRC002', 'card', "
      "'2027-01-01')");
}

struct Payment {
  std::string id;
  std::string place;  // FAC… or PRC…
  std::string fee;
  std::string means;
  std::string brand;  // empty: none
  std::int64_t amount_yen = 0;
  std::string processor;
  std::chrono::year_month_day date = kDay;
};

// The day's payments, as the engine books them, and one payment of the next day.
const std::vector<Payment> kPayments{
    {"pi_card1", "FAC001", "F001", "card", "visa", 3000, "card-sim"},
    {"pi_card2", "FAC001", "F001", "card", "mastercard", 2000, "card-sim"},
    {"pi_card3", "FAC002", "F002", "card", "visa", 1000, "card-sim"},  // refunded 400 (re_1)
    {"pi_card4", "PRC001", "F003", "card", "jcb", 600, "card-sim"},    // missing from the acquirer's file
    {"pi_em1", "FAC001", "F001", "emoney", "transit_ic", 500, "emoney-sim"},
    {"pi_qr1", "FAC002", "F002", "qr", "paypay", 800, "qr-sim"},
    {"pi_pe1", "PRC001", "F003", "payeasy", "", 300, "payeasy-sim"},
    {"pi_pe2", "PRC001", "F003", "payeasy", "", 300, "payeasy-sim"},  // reversed (取消) the same day
    {"pi_next", "FAC001", "F001", "card", "visa", 5000, "card-sim", day(21)},
};

void seed_payments(pqxx::connection& connection) {
  pqxx::work tx(connection);
  seed_catalogue(tx);
  for (const Payment& p : kPayments) {
    const bool facility = p.place.starts_with("FAC");
    tx.exec_params(
        "insert into payment_intents (id, status, means, amount_yen, amount_captured_yen, currency, fee_code,"
        " facility_id, procedure_id, capture_method, processor_id, processor_reference, business_date, brand)"
        " values ($1, 'succeeded', $2, $3, $3, 'JPY', $4, $5, $6, 'automatic', $7, $8, $9::date, nullif($10, "
        "''))",
        p.id, p.means, p.amount_yen, p.fee, facility ? std::optional<std::string>(p.place) : std::nullopt,
        facility ? std::nullopt : std::optional<std::string>(p.place), p.processor, "ch_" + p.id.substr(3),
        ledger::format_date(p.date), p.brand);
    insert_journal_at_noon(tx, ledger::capture_journal({.payment_id = p.id,
                                                        .amount = Yen(p.amount_yen),
                                                        .processor = *ProcessorId::parse(p.processor),
                                                        .fee_code = *FeeCode::parse(p.fee),
                                                        .business_date = p.date}));
  }
  tx.exec(
      "update payment_intents set amount_refunded_yen = 400 where id = 'pi_card3';"
      "insert into refunds (id, payment_intent_id, amount_yen, status, processor_reference, business_date)"
      " values ('re_1', 'pi_card3', 400, 'succeeded', 'rf_1', '2026-11-20')");
  insert_journal_at_noon(tx, ledger::refund_journal({.refund_id = "re_1",
                                                     .amount = Yen(400),
                                                     .processor = *ProcessorId::parse("card-sim"),
                                                     .fee_code = *FeeCode::parse("F002"),
                                                     .business_date = kDay}));
  insert_journal_at_noon(tx, ledger::reversal_journal({.payment_id = "pi_pe2",
                                                       .amount = Yen(300),
                                                       .processor = *ProcessorId::parse("payeasy-sim"),
                                                       .fee_code = *FeeCode::parse("F003"),
                                                       .business_date = kDay}));
  tx.commit();
}

const std::string kCardHeader =
    "record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_"
    "brand\r\n";

// The acquirer's file of 2026-11-20 at 2.5 %: pi_card4 is missing and a sale nobody made (pi_x, 777 yen)
// is in it. Totals: amount 3000 + 2000 + 1000 − 400 + 777 = 6377, fee 75 + 50 + 25 − 10 + 19 = 159,
// net 6218. A clean file has pi_card4 (600, fee 15) instead of pi_x: 6200, 155, 6045.
std::string card_file(bool clean) {
  std::string file = kCardHeader +
                     "D,ch_card1,pi_card1,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\n"
                     "D,ch_card2,pi_card2,FAC001,2026-11-20T10:10:00+09:00,sale,2000,50,1950,mastercard\r\n"
                     "D,ch_card3,pi_card3,FAC002,2026-11-20T10:20:00+09:00,sale,1000,25,975,visa\r\n"
                     "D,rf_1,re_1,FAC002,2026-11-20T12:00:00+09:00,refund,-400,-10,-390,visa\r\n";
  if (clean) {
    return file +
           "D,ch_card4,pi_card4,PRC001,2026-11-20T10:30:00+09:00,sale,600,15,585,jcb\r\nT,5,6200,155,"
           "6045\r\n";
  }
  return file + "D,ch_x,pi_x,FAC001,2026-11-20T10:40:00+09:00,sale,777,19,758,visa\r\nT,5,6377,159,6218\r\n";
}

// A Zengin 入出金取引明細 (03) of 2026-11-24 with one deposit, every record 200 bytes of Shift_JIS.
std::string zengin_statement(std::int64_t amount, const std::string& payer_kana) {
  auto pad = [](std::string text, std::size_t width) {
    text.resize(width, ' ');
    return text;
  };
  auto number = [](std::int64_t value, std::size_t width) {
    std::string digits = std::to_string(value);
    return std::string(width - digits.size(), '0') + digits;
  };
  const auto sjis = [](const std::string& text) { return runtime::utf8_to_shift_jis(text).value(); };
  std::string header = "1030081124081124081124" + std::string("0001");
  header += pad(sjis("ｹｯｻｲｷﾞﾝｺｳ"), 15) + "001" + pad(sjis("ﾎﾝﾃﾝ"), 15) + "   " + "1" + "0001234567" +
            pad(sjis("ｹｯｻｲｼ ｶｲｹｲｶﾝﾘｼｬ"), 40) + "1" + "1" + number(1'000'000, 14);
  header = pad(header, 200);
  std::string data = "2" + number(1, 8) + "081124" + "081124" + "1" + "11" + number(amount, 12) +
                     number(0, 12) + "000000" + "000000" + " " + "0000000" + "000" + number(1234567890, 10) +
                     pad(sjis(payer_kana), 48) + pad(sjis("ｹｯｻｲｷﾞﾝｺｳ"), 15) + pad("", 15) + pad("", 20) +
                     pad("", 20);
  data = pad(data, 200);
  std::string trailer = "8" + number(1, 6) + number(amount, 13) + number(0, 6) + number(0, 13) + "1" +
                        number(1'000'000 + amount, 14);
  trailer = pad(trailer, 200);
  return header + "\r\n" + data + "\r\n" + trailer + "\r\n" + pad("9", 200) + "\r\n";
}

// The day reconciled: the acquirer's file and the bank's deposit of its payout; with the difference
// injected, the missing payment's exception is resolved with a note and the unknown sale stays open.
void reconcile(pqxx::connection& connection, bool clean, std::int64_t deposit_short_yen = 0) {
  Folder folder;
  folder.write("card/card_settlement_20261120.csv", card_file(clean));
  folder.write("bank/zengin03_20261124.dat",
               zengin_statement((clean ? 6045 : 6218) - deposit_short_yen, "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ"));
  const auto run = recon::run_reconciliation(connection, config_for(folder), kDepositDay);
  REQUIRE(run.ok());
  REQUIRE(run->files.size() == 2);
  CHECK(run->files[0].status == "accepted");
  CHECK(run->files[1].status == "accepted");
  if (clean) {
    REQUIRE(run->new_exceptions.size() == (deposit_short_yen == 0 ? 0U : 1U));
    return;
  }
  REQUIRE(run->new_exceptions ==
          std::map<std::string, std::size_t>{{"missing_in_settlement", 1}, {"unknown_in_ledger", 1}});
  const auto open = recon::list_exceptions(connection, {});
  const auto missing =
      std::find_if(open.begin(), open.end(), [](const auto& e) { return e.reference == "pi_card4"; });
  REQUIRE(missing != open.end());
  REQUIRE(recon::resolve_exception(connection, missing->id, "tanaka",
                                   "acquirer confirms pi_card4 settles on 11-21")
              .ok());
}

// Every account's balance from the ledger's own trial balance.
std::map<std::string, std::int64_t> trial_balance(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::map<std::string, std::int64_t> balances;
  for (const auto& balance : ledger::pg::trial_balance(tx)) balances[balance.code] = balance.balance.value();
  return balances;
}

std::int64_t revenue_movement(const std::map<std::string, std::int64_t>& balances) {
  std::int64_t credit = 0;
  for (const auto& [code, balance] : balances) {
    if (code.starts_with("revenue:fee:")) credit -= balance;
  }
  return credit;
}

const reports::ProcessorReconRow& processor(const reports::ReconSummaryReport& report,
                                            const std::string& id) {
  const auto found =
      std::find_if(report.rows.begin(), report.rows.end(),
                   [&](const reports::ProcessorReconRow& row) { return row.processor_id == id; });
  REQUIRE(found != report.rows.end());
  return *found;
}

void check_takings_row(const reports::TakingsRow& row, const std::string& place, const std::string& means,
                       const std::string& brand, std::int64_t payments, std::int64_t gross,
                       std::int64_t refunds, std::int64_t refunded) {
  INFO(row.place_id << " " << row.means << " " << row.brand);
  CHECK(row.business_date == "2026-11-20");
  CHECK(row.place_id == place);
  CHECK(row.means == means);
  CHECK(row.brand == brand);
  CHECK(row.payments == payments);
  CHECK(row.gross_yen == gross);
  CHECK(row.refunds == refunds);
  CHECK(row.refunded_yen == refunded);
  CHECK(row.net_yen == gross - refunded);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("takings per facility, procedure, fee, means and brand agree with the revenue accounts") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);

  const reports::TakingsReport takings = reports::load_takings(connection, kOneDay);
  REQUIRE(takings.rows.size() == 7);
  check_takings_row(takings.rows[0], "FAC001", "card", "mastercard", 1, 2000, 0, 0);
  check_takings_row(takings.rows[1], "FAC001", "card", "visa", 1, 3000, 0, 0);
  check_takings_row(takings.rows[2], "FAC001", "emoney", "transit_ic", 1, 500, 0, 0);
  check_takings_row(takings.rows[3], "FAC002", "card", "visa", 1, 1000, 1, 400);
  check_takings_row(takings.rows[4], "FAC002", "qr", "paypay", 1, 800, 0, 0);
  check_takings_row(takings.rows[5], "PRC001", "card", "jcb", 1, 600, 0, 0);
  check_takings_row(takings.rows[6], "PRC001", "payeasy", "", 2, 600, 1, 300);  // the reversal
  CHECK(takings.rows[0].place_kind == "facility");
  CHECK(takings.rows[0].place_name == "中央体育館");
  CHECK(takings.rows[0].fee_code == "F001");
  CHECK(takings.rows[0].fee_name == "体育館 個人利用料");
  CHECK(takings.rows[6].place_kind == "procedure");
  CHECK(takings.rows[6].place_name == "住民票の写しの交付請求");

  std::int64_t net = 0;
  for (const auto& row : takings.rows) net += row.net_yen;
  CHECK(net == 7800);  // 8500 taken − 400 refunded − 300 reversed
  CHECK(takings.ledger_revenue_yen == 7800);

  // Over every date the ledger holds, the trial balance's revenue is the takings' net.
  const reports::TakingsReport both = reports::load_takings(connection, Period{.from = kDay, .to = day(21)});
  std::int64_t both_net = 0;
  for (const auto& row : both.rows) both_net += row.net_yen;
  CHECK(both_net == 12800);
  CHECK(both.ledger_revenue_yen == 12800);
  CHECK(revenue_movement(trial_balance(connection)) == 12800);

  // A day with nothing booked.
  const reports::TakingsReport empty =
      reports::load_takings(connection, Period{.from = day(22), .to = day(22)});
  CHECK(empty.rows.empty());
  CHECK(empty.ledger_revenue_yen == 0);
}

TEST_CASE("the reconciliation summary is the postings on receivable, fee, clearing and suspense") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  reconcile(connection, false);

  const reports::ReconSummaryReport summary = reports::load_recon_summary(connection, kOneDay);
  REQUIRE(summary.rows.size() == 4);
  CHECK(summary.rows[0].processor_id == "card-sim");  // by id
  CHECK(summary.rows[3].processor_id == "qr-sim");
  const auto& card = processor(summary, "card-sim");
  CHECK(card.captured_yen == 6600);  // 3000 + 2000 + 1000 + 600
  CHECK(card.refunded_yen == 400);
  CHECK(card.settled_yen == 5600);  // pi_card1..3 − re_1; pi_card4 missing
  CHECK(card.fees_yen == 159);
  CHECK(card.payout_yen == 6218);
  CHECK(card.deposited_yen == 6218);
  CHECK(card.suspense_yen == 777);  // the sale nobody made
  CHECK(card.unsettled_yen == 600);
  CHECK(card.files == 1);
  CHECK(card.open_exceptions == 1);
  CHECK(card.resolved_exceptions == 1);
  CHECK(card.status == "differences");
  const auto& emoney = processor(summary, "emoney-sim");
  CHECK(emoney.captured_yen == 500);
  CHECK(emoney.unsettled_yen == 500);
  CHECK(emoney.files == 0);
  CHECK(emoney.status == "no_file");
  const auto& payeasy = processor(summary, "payeasy-sim");
  CHECK(payeasy.captured_yen == 600);
  CHECK(payeasy.refunded_yen == 300);
  CHECK(payeasy.unsettled_yen == 300);
  CHECK(payeasy.status == "no_file");
  CHECK(processor(summary, "qr-sim").captured_yen == 800);

  // From the first payment to the deposit, the summary is the accounts' balances in the trial balance.
  const auto balances = trial_balance(connection);
  const auto all = reports::load_recon_summary(connection, Period{.from = kDay, .to = kDepositDay});
  for (const auto& row : all.rows) {
    INFO(row.processor_id);
    CHECK(row.unsettled_yen == balances.at("assets:receivable:" + row.processor_id));
    CHECK(row.fees_yen == balances.at("expenses:processor-fee:" + row.processor_id));
    CHECK(row.payout_yen - row.deposited_yen == balances.at("assets:clearing:" + row.processor_id));
  }
  CHECK(processor(all, "card-sim").unsettled_yen == 5600);  // pi_card4 and the next day's pi_next
  CHECK(processor(all, "card-sim").suspense_yen == -balances.at("liabilities:suspense"));
  CHECK(balances.at("assets:bank:main") == processor(all, "card-sim").deposited_yen);
}

TEST_CASE("a clean day is reconciled") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  reconcile(connection, true);
  const auto card = processor(reports::load_recon_summary(connection, kOneDay), "card-sim");
  CHECK(card.settled_yen == 6200);
  CHECK(card.fees_yen == 155);
  CHECK(card.payout_yen == 6045);
  CHECK(card.deposited_yen == 6045);
  CHECK(card.suspense_yen == 0);
  CHECK(card.unsettled_yen == 0);
  CHECK(card.open_exceptions == 0);
  CHECK(card.status == "reconciled");
}

TEST_CASE("a short deposit: deposited is what reached the bank, the difference on suspense") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  reconcile(connection, true, 100);
  const auto card = processor(reports::load_recon_summary(connection, kOneDay), "card-sim");
  CHECK(card.payout_yen == 6045);
  CHECK(card.deposited_yen == 5945);
  CHECK(card.suspense_yen == -100);  // the processor owes it: a debit on suspense
  CHECK(card.status == "differences");
  // The deposit_mismatch exception is dated the day of the deposit.
  CHECK(card.open_exceptions == 0);
  const auto to_deposit = reports::load_recon_summary(connection, Period{.from = kDay, .to = kDepositDay});
  CHECK(processor(to_deposit, "card-sim").open_exceptions == 1);
  const auto balances = trial_balance(connection);
  CHECK(balances.at("assets:bank:main") == card.deposited_yen);
  CHECK(-balances.at("liabilities:suspense") == card.suspense_yen);
}

TEST_CASE("the exceptions of a day, open first, with their file and resolution") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  reconcile(connection, false);

  const reports::ExceptionsReport exceptions = reports::load_exceptions(connection, kOneDay);
  CHECK(exceptions.open == 1);
  CHECK(exceptions.resolved == 1);
  REQUIRE(exceptions.rows.size() == 2);
  const reports::ExceptionEntry& unknown = exceptions.rows[0];
  CHECK(unknown.status == "open");
  CHECK(unknown.reason == "unknown_in_ledger");
  CHECK(unknown.business_date == "2026-11-20");
  CHECK(unknown.processor_id == "card-sim");
  CHECK(unknown.reference == "pi_x");
  CHECK(unknown.file_name == "card_settlement_20261120.csv");
  CHECK(unknown.expected_yen == 0);
  CHECK(unknown.actual_yen == 777);
  CHECK(unknown.suspense_yen == 777);
  CHECK_THAT(unknown.detail, Catch::Contains("777"));
  CHECK(unknown.created_at.size() == 20);
  CHECK(unknown.resolved_at.empty());
  const reports::ExceptionEntry& missing = exceptions.rows[1];
  CHECK(missing.status == "resolved");
  CHECK(missing.reason == "missing_in_settlement");
  CHECK(missing.reference == "pi_card4");
  CHECK(missing.payment_intent_id == "pi_card4");
  CHECK(missing.file_name.empty());
  CHECK(missing.expected_yen == 600);
  CHECK(missing.suspense_yen == 0);
  CHECK(missing.resolved_by == "tanaka");
  CHECK(missing.resolution_note == "acquirer confirms pi_card4 settles on 11-21");
  CHECK(missing.resolved_at.size() == 20);

  CHECK(reports::load_exceptions(connection, Period{.from = day(21), .to = day(21)}).rows.empty());
}

TEST_CASE("cashless status: every facility and procedure, the means in place and their shares") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);

  const reports::CashlessStatusReport status = reports::load_cashless_status(connection, kOneDay);
  REQUIRE(status.facilities.size() == 3);
  const auto& gym = status.facilities[0];
  CHECK(gym.facility_id == "FAC001");
  CHECK(gym.category == "citizen");
  REQUIRE(gym.means.size() == 3);
  CHECK(gym.means[0].means == "card");
  CHECK(gym.means[0].state == "live");
  CHECK(gym.means[0].live_since == "2025-04-01");
  CHECK(gym.means[0].payments == 2);
  CHECK(gym.means[0].net_yen == 5000);
  CHECK(gym.means[0].share_basis_points == 9091);  // 5000 / 5500, the left-over basis point to the largest
  CHECK(gym.means[1].net_yen == 500);
  CHECK(gym.means[1].share_basis_points == 909);
  CHECK(gym.means[2].means == "qr");
  CHECK(gym.means[2].state == "live");
  CHECK(gym.means[2].share_basis_points == 0);
  CHECK(gym.payments == 3);
  CHECK(gym.net_yen == 5500);
  CHECK(gym.all_three_live);

  const auto& shop = status.facilities[1];
  CHECK(shop.category == "office");
  CHECK(shop.means[0].state == "live");
  CHECK(shop.means[1].state == "planned");  // e-money from 2027-04-01
  CHECK(shop.means[1].live_since == "2027-04-01");
  CHECK(shop.means[2].state == "live");  // QR from the report's own date
  CHECK(shop.means[0].net_yen == 600);   // 1000 − 400 refunded
  CHECK(shop.means[0].share_basis_points == 4286);
  CHECK(shop.means[2].share_basis_points == 5714);
  CHECK(shop.net_yen == 1400);
  CHECK_FALSE(shop.all_three_live);

  const auto& pool = status.facilities[2];
  CHECK(pool.facility_id == "FAC003");
  for (const auto& means : pool.means) {
    CHECK(means.state == "none");
    CHECK(means.share_basis_points == 0);
  }
  CHECK(pool.payments == 0);
  CHECK_FALSE(pool.all_three_live);

  REQUIRE(status.procedures.size() == 2);
  const auto& certificate = status.procedures[0];
  REQUIRE(certificate.means.size() == 2);
  CHECK(certificate.means[1].means == "payeasy");
  CHECK(certificate.means[1].state == "live");
  CHECK(certificate.means[1].payments == 2);
  CHECK(certificate.means[1].net_yen == 300);
  CHECK(certificate.means[0].share_basis_points == 6667);
  CHECK(certificate.means[1].share_basis_points == 3333);
  CHECK(certificate.payments == 3);
  CHECK(certificate.net_yen == 900);
  CHECK(status.procedures[1].means[0].state == "planned");
  CHECK(status.procedures[1].means[1].state == "none");
  CHECK(status.facilities_all_three_live == 1);
  CHECK(status.procedures_payeasy_live == 1);

  // The day before, FAC002's QR was still planned.
  const auto before = reports::load_cashless_status(connection, Period{.from = day(19), .to = day(19)});
  CHECK(before.facilities[1].means[2].state == "planned");
  CHECK(before.facilities[0].payments == 0);
}

TEST_CASE("the reports as tables: figures in the CSV, the ledger check stated, a mismatch loud") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  reconcile(connection, false);

  for (const std::string& name : reports::report_names()) {
    const auto report = reports::load_report(connection, name, kOneDay);
    REQUIRE(report.has_value());
    CHECK(report->name == name);
    CHECK(report->period == "2026-11-20");
    CHECK_FALSE(report->tables.empty());
  }
  CHECK_FALSE(reports::load_report(connection, "nonsense", kOneDay).has_value());

  const std::string takings = reports::render_csv(*reports::load_report(connection, "takings", kOneDay));
  CHECK_THAT(takings, Catch::Contains(
                          "純額合計 = 収益勘定 (revenue accounts) ¥7,800 — 一致 (agrees with the ledger)"));
  CHECK_THAT(takings, Catch::Contains("2026-11-20,手続 (procedure),PRC001,住民票の写しの交付請求,F003,"
                                      "住民票の写し 交付手数料,ペイジー (payeasy),,2,600,1,300,300\r\n"));
  CHECK_THAT(takings, Catch::Contains("合計 (total),,,,,,,,8,8500,2,700,7800\r\n"));
  CHECK_THAT(takings, Catch::Contains("カード (card),4,6600,1,400,6200\r\n"));
  const std::string summary =
      reports::render_csv(*reports::load_report(connection, "recon-summary", kOneDay));
  CHECK_THAT(summary, Catch::Contains(
                          "card-sim,6600,400,5600,159,6218,6218,777,600,1,1,1,差異あり (differences)\r\n"));
  const std::string cashless =
      reports::render_csv(*reports::load_report(connection, "cashless-status", kOneDay));
  CHECK_THAT(cashless, Catch::Contains("FAC001,中央体育館,市民利用 (citizen),導入済 (live) 2025-04-01,"));
  CHECK_THAT(cashless, Catch::Contains(",はい (yes),90.91%,9.09%,0.00%,3,5500\r\n"));
  const std::string exceptions =
      reports::render_html(*reports::load_report(connection, "exceptions", kOneDay));
  CHECK_THAT(exceptions, Catch::Contains("acquirer confirms pi_card4 settles on 11-21"));
  CHECK_THAT(exceptions, Catch::Contains("台帳にない精算 (unknown_in_ledger)"));

  // A journal on a revenue account that is no payment, refund or reversal: the check says so.
  {
    pqxx::work tx(connection);
    insert_journal_at_noon(
        tx, ledger::Journal::build("adjustment", "manual-1", kDay,
                                   {{*ledger::AccountCode::parse("assets:bank:main"), Yen(100)},
                                    {*ledger::AccountCode::parse("revenue:fee:F001"), Yen(-100)}}));
    tx.commit();
  }
  const reports::TakingsReport off = reports::load_takings(connection, kOneDay);
  CHECK(off.ledger_revenue_yen == 7900);
  const reports::Report loud = reports::to_report(off);
  REQUIRE_FALSE(loud.notes.empty());
  CHECK_THAT(loud.notes[0], Catch::StartsWith("【不一致 (MISMATCH)】"));
  CHECK_THAT(loud.notes[0], Catch::Contains("¥7,800 ≠ 収益勘定 (revenue accounts) ¥7,900"));
}

TEST_CASE("kessai report writes CSV to standard output and XLSX and HTML files, and refuses bad usage") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  reconcile(connection, false);
  const std::string kessai = std::string(KESSAI_BIN_DIR) + "/kessai";
  const std::vector<std::string> env{"KESSAI_DATABASE_URL=" + db.url()};
  const std::string folder = testing::make_temp_dir("kessai-report-cli");
  std::string output;

  REQUIRE(testing::run_command(kessai,
                               {"report", "takings", "--date", "2026-11-20", "--format", "csv", "--out", "-"},
                               env, output) == 0);
  CHECK(output.starts_with("\xEF\xBB\xBF収納実績 (takings)\r\n"));
  CHECK_THAT(output, Catch::Contains("合計 (total),,,,,,,,8,8500,2,700,7800\r\n"));

  const std::string xlsx = folder + "/recon.xlsx";
  REQUIRE(testing::run_command(kessai,
                               {"report", "recon-summary", "--date", "2026-11-20", "--to", "2026-11-24",
                                "--format", "xlsx", "--out", xlsx},
                               env, output) == 0);
  CHECK_THAT(output, Catch::Contains("wrote recon-summary of 2026-11-20 – 2026-11-24 (xlsx) to " + xlsx));
  CHECK(read_file(xlsx).starts_with("PK"));
  CHECK_FALSE(std::filesystem::exists(xlsx + ".tmp"));

  const std::string html = folder + "/cashless.html";
  REQUIRE(testing::run_command(
              kessai,
              {"report", "cashless-status", "--date", "2026-11-20", "--format", "html", "--out", html}, env,
              output) == 0);
  CHECK_THAT(read_file(html), Catch::Contains("キャッシュレス導入状況 (cashless status)"));

  CHECK(testing::run_command(kessai, {"report", "list"}, {}, output) == 0);
  CHECK_THAT(output, Catch::Contains("cashless-status "));
  CHECK(testing::run_command(kessai,
                             {"report", "sales", "--date", "2026-11-20", "--format", "csv", "--out", "-"},
                             env, output) == 2);
  CHECK_THAT(output, Catch::Contains("takings, recon-summary, exceptions, cashless-status"));
  CHECK(testing::run_command(kessai,
                             {"report", "takings", "--date", "2026-11-20", "--to", "2026-11-19", "--format",
                              "csv", "--out", "-"},
                             env, output) == 2);
  CHECK(testing::run_command(kessai,
                             {"report", "takings", "--date", "2026-11-31", "--format", "csv", "--out", "-"},
                             env, output) == 2);
  CHECK(testing::run_command(kessai,
                             {"report", "takings", "--date", "2026-11-20", "--format", "pdf", "--out", "-"},
                             env, output) == 2);
  CHECK(testing::run_command(kessai,
                             {"report", "takings", "--date", "2026-11-20", "--format", "xlsx", "--out", "-"},
                             env, output) == 2);
  CHECK(testing::run_command(kessai,
                             {"report", "takings", "--date", "2026-11-20", "--format", "csv", "--out",
                              folder + "/no-such-folder/takings.csv"},
                             env, output) == 1);
  CHECK_THAT(output, Catch::Contains("no-such-folder/takings.csv.tmp"));
  CHECK(testing::run_command(kessai,
                             {"report", "takings", "--date", "2026-11-20", "--format", "csv", "--out", "-"},
                             {"KESSAI_DATABASE_URL=postgresql://nobody@127.0.0.1:1/none"}, output) == 1);
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
}
