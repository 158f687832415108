// The reconciliation in PostgreSQL: files taken whole or not at all, the same file twice changing
// nothing, the settlement and deposit journals, the receivable netting to zero after a clean day, and
// the exception queue with its audit trail.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "kessai/recon/recon_store.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "test_database.hpp"

using namespace kessai;

namespace {

constexpr std::chrono::year_month_day kDay{std::chrono::year{2026}, std::chrono::month{11},
                                           std::chrono::day{20}};
// 2026-11-20 is a Friday; 11-23 (Monday) is 勤労感謝の日, so the next bank business day is Tuesday 11-24.
constexpr std::chrono::year_month_day kDepositDay{std::chrono::year{2026}, std::chrono::month{11},
                                                  std::chrono::day{24}};

struct Folder {
  std::filesystem::path path;
  Folder() {
    path = std::filesystem::temp_directory_path() /
           ("kessai-recon-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path / "card");
    std::filesystem::create_directories(path / "bank");
  }
  ~Folder() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
  }
};

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

// A journal as the engine writes it, booked at noon Japan time on its business date (the moment the
// processor took the payment decides the settlement file it belongs in).
void insert_journal_at_noon(pqxx::work& tx, const ledger::Journal& journal) {
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

// Two captured payments and a partial refund, as the engine books them.
void seed_payments(pqxx::connection& connection) {
  pqxx::work tx(connection);
  const ProcessorId card = *ProcessorId::parse("card-sim");
  const FeeCode fee = *FeeCode::parse("F001");
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(card));
  ledger::pg::ensure_accounts(tx, {ledger::chart::revenue_account(fee, "fee")});
  tx.exec("insert into fee_codes (code, name, account_code) values ('F001', 'fee', 'revenue:fee:F001')");
  tx.exec("insert into facilities (id, name) values ('FAC001', 'Library')");
  for (const auto& [id, amount] :
       std::vector<std::pair<std::string, std::int64_t>>{{"pi_a", 3000}, {"pi_b", 1000}}) {
    tx.exec_params(
        "insert into payment_intents (id, status, means, amount_yen, amount_captured_yen, currency, fee_code,"
        " facility_id, capture_method, processor_id, processor_reference, business_date)"
        " values ($1, 'succeeded', 'card', $2, $2, 'JPY', 'F001', 'FAC001', 'automatic', 'card-sim', $3, "
        "'2026-11-20')",
        id, amount, "ch_" + id.substr(3));
    insert_journal_at_noon(tx, ledger::capture_journal({.payment_id = id,
                                                        .amount = Yen(amount),
                                                        .processor = card,
                                                        .fee_code = fee,
                                                        .business_date = kDay})
                                   .value());
  }
  tx.exec(
      "update payment_intents set amount_refunded_yen = 400 where id = 'pi_b';"
      "insert into refunds (id, payment_intent_id, amount_yen, status, processor_reference, business_date)"
      " values ('re_c', 'pi_b', 400, 'succeeded', 'rf_c', '2026-11-20')");
  insert_journal_at_noon(tx, ledger::refund_journal({.refund_id = "re_c",
                                                     .amount = Yen(400),
                                                     .processor = card,
                                                     .fee_code = fee,
                                                     .business_date = kDay})
                                 .value());
  tx.commit();
}

const std::string kCardHeader =
    "record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_"
    "brand\r\n";

std::string clean_card_file() {
  return kCardHeader +
         "D,ch_a,pi_a,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\n"
         "D,ch_b,pi_b,FAC001,2026-11-20T11:00:00+09:00,sale,1000,25,975,visa\r\n"
         "D,rf_c,re_c,FAC001,2026-11-20T12:00:00+09:00,refund,-400,-10,-390,visa\r\n"
         "T,3,3600,90,3510\r\n";
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
  const std::string payer = runtime::utf8_to_shift_jis(payer_kana).value();
  std::string header =
      "1"
      "03"
      "0"
      "081124"
      "081124"
      "081124"
      "0001";
  header += pad(runtime::utf8_to_shift_jis("ｹｯｻｲｷﾞﾝｺｳ").value(), 15) + "001" +
            pad(runtime::utf8_to_shift_jis("ﾎﾝﾃﾝ").value(), 15) + "   " + "1" + "0001234567" +
            pad(runtime::utf8_to_shift_jis("ｹｯｻｲｼ ｶｲｹｲｶﾝﾘｼｬ").value(), 40) + "1" + "1" +
            number(1'000'000, 14);
  header = pad(header, 200);
  std::string data = "2" + number(1, 8) + "081124" + "081124" + "1" + "11" + number(amount, 12) +
                     number(0, 12) + "000000" + "000000" + " " + "0000000" + "000" + number(1234567890, 10) +
                     pad(payer, 48) + pad(runtime::utf8_to_shift_jis("ｹｯｻｲｷﾞﾝｺｳ").value(), 15) + pad("", 15) +
                     pad("", 20) + pad("", 20);
  data = pad(data, 200);
  std::string trailer = "8" + number(1, 6) + number(amount, 13) + number(0, 6) + number(0, 13) + "1" +
                        number(1'000'000 + amount, 14);
  trailer = pad(trailer, 200);
  const std::string end = pad("9", 200);
  return header + "\r\n" + data + "\r\n" + trailer + "\r\n" + end + "\r\n";
}

std::int64_t balance(pqxx::connection& connection, const std::string& account, const std::string& date = "") {
  pqxx::read_transaction tx(connection);
  return tx
      .exec_params(
          "select coalesce(sum(p.amount_yen), 0)::bigint from postings p join journal_entries j on j.id = "
          "p.journal_id"
          " where p.account_code = $1 and ($2 = '' or j.business_date = $2::date)",
          account, date)[0][0]
      .as<std::int64_t>();
}

std::int64_t count(pqxx::connection& connection, const std::string& sql) {
  pqxx::read_transaction tx(connection);
  return tx.exec(sql)[0][0].as<std::int64_t>();
}

}  // namespace

TEST_CASE("a clean day settles every payment, the deposit clears the payout, the receivable nets to zero") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  Folder folder;
  folder.write("card/card_settlement_20261120.csv", clean_card_file());
  const recon::ReconConfig config = config_for(folder);

  auto first = recon::run_reconciliation(connection, config, kDay);
  REQUIRE(first.ok());
  REQUIRE(first->files.size() == 1);
  CHECK(first->files[0].status == "accepted");
  CHECK(first->files[0].matched == 3);
  CHECK(first->new_exceptions.empty());
  CHECK(balance(connection, "assets:receivable:card-sim", "2026-11-20") == 0);
  CHECK(balance(connection, "assets:clearing:card-sim") == 3510);
  CHECK(balance(connection, "expenses:processor-fee:card-sim") == 90);
  CHECK(balance(connection, "liabilities:suspense") == 0);
  CHECK(count(connection,
              "select count(*) from settlement_lines where processor_transaction_id = 'ch_a'"
              " and transacted_at = '2026-11-20T10:00:00+09:00' and settles_journal_id is not null") == 1);

  // The bank's statement of the deposit day pays the payout.
  folder.write("bank/zengin03_20261124.dat", zengin_statement(3510, "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ"));
  auto second = recon::run_reconciliation(connection, config, kDepositDay);
  REQUIRE(second.ok());
  REQUIRE(second->files.size() == 2);
  CHECK(second->files[0].status == "already_ingested");
  CHECK(second->files[1].status == "accepted");
  CHECK(second->files[1].matched == 1);
  CHECK(second->new_exceptions.empty());
  CHECK(balance(connection, "assets:clearing:card-sim") == 0);
  CHECK(balance(connection, "assets:bank:main") == 3510);
  CHECK(count(connection, "select count(*) from recon_payouts where bank_line_id is null") == 0);

  // Running the dates again changes nothing.
  const auto journals = count(connection, "select count(*) from journal_entries");
  auto again = recon::run_reconciliation(connection, config, kDepositDay);
  REQUIRE(again.ok());
  for (const auto& file : again->files) CHECK(file.status == "already_ingested");
  CHECK(again->new_exceptions.empty());
  CHECK(count(connection, "select count(*) from journal_entries") == journals);
  CHECK(count(connection, "select count(*) from recon_files") == 2);
}

TEST_CASE("a damaged file is rejected whole with its reason and nothing posted; a replaced name is refused") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  Folder folder;
  const recon::ReconConfig config = config_for(folder);
  std::string bad_total = clean_card_file();
  bad_total.replace(bad_total.find("T,3,3600,90,3510"), 16, "T,3,3601,90,3510");
  folder.write("card/card_settlement_20261120.csv", bad_total);

  auto run = recon::run_reconciliation(connection, config, kDay);
  REQUIRE(run.ok());
  REQUIRE(run->files.size() == 1);
  CHECK(run->files[0].status == "rejected");
  CHECK(run->files[0].code == "bad_total");
  CHECK(run->rejected_files());
  CHECK(count(connection, "select count(*) from settlement_lines") == 0);
  CHECK(count(connection, "select count(*) from journal_entries where kind = 'settlement'") == 0);
  CHECK(count(connection, "select count(*) from recon_exceptions") == 0);  // no file of the date was accepted
  // Seen again, it stays one rejection.
  REQUIRE(recon::run_reconciliation(connection, config, kDay).ok());
  CHECK(count(connection, "select count(*) from recon_files where status = 'rejected'") == 1);

  // The processor sends the right file: accepted. Then other bytes under the same name: refused.
  folder.write("card/card_settlement_20261120.csv", clean_card_file());
  auto fixed = recon::run_reconciliation(connection, config, kDay);
  REQUIRE(fixed.ok());
  CHECK(fixed->files[0].status == "accepted");
  std::string other = clean_card_file();
  other.replace(other.find("visa"), 4, "jcb ");
  folder.write("card/card_settlement_20261120.csv", other);
  auto replaced = recon::run_reconciliation(connection, config, kDay);
  REQUIRE(replaced.ok());
  CHECK(replaced->files[0].status == "rejected");
  CHECK(replaced->files[0].code == "replaced");
  CHECK(count(connection, "select count(*) from settlement_lines") == 3);
}

TEST_CASE(
    "missing and unknown settlements and a deposit difference become exceptions, resolved with an audited "
    "note") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  Folder folder;
  const recon::ReconConfig config = config_for(folder);
  // pi_b and its refund are not settled; a sale nobody made is.
  folder.write("card/card_settlement_20261120.csv",
               kCardHeader +
                   "D,ch_a,pi_a,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\n"
                   "D,ch_x,pi_x,FAC001,2026-11-20T10:30:00+09:00,sale,777,19,758,visa\r\n"
                   "T,2,3777,94,3683\r\n");
  folder.write("bank/zengin03_20261124.dat", zengin_statement(3600, "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ"));
  auto run = recon::run_reconciliation(connection, config, kDepositDay);
  REQUIRE(run.ok());
  CHECK(run->new_exceptions == std::map<std::string, std::size_t>{{"deposit_mismatch", 1},
                                                                  {"missing_in_settlement", 2},
                                                                  {"unknown_in_ledger", 1}});
  CHECK(balance(connection, "liabilities:suspense") == -777 + (3683 - 3600));
  CHECK(balance(connection, "assets:receivable:card-sim", "2026-11-20") == 600);  // pi_b 1000 − re_c 400

  const auto open = recon::list_exceptions(connection, {});
  REQUIRE(open.size() == 4);
  const auto missing = std::find_if(open.begin(), open.end(), [](const auto& e) {
    return e.reason == "missing_in_settlement" && e.reference == "pi_b";
  });
  REQUIRE(missing != open.end());
  CHECK(missing->expected_yen == 1000);

  CHECK_FALSE(recon::resolve_exception(connection, missing->id, "tanaka", "  ").ok());
  auto resolved =
      recon::resolve_exception(connection, missing->id, "tanaka", "acquirer confirms it settles tomorrow");
  REQUIRE(resolved.ok());
  CHECK(resolved->status == "resolved");
  CHECK(resolved->resolved_by == "tanaka");
  auto twice = recon::resolve_exception(connection, missing->id, "suzuki", "again");
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error(), Catch::Contains("resolved already"));
  CHECK_FALSE(recon::resolve_exception(connection, 999'999, "tanaka", "x").ok());
  const auto audit = recon::exception_audit(connection, missing->id);
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].action == "opened");
  CHECK(audit[1].action == "resolved");
  CHECK(audit[1].actor == "tanaka");
  CHECK(audit[1].note == "acquirer confirms it settles tomorrow");
  CHECK(recon::list_exceptions(connection, {}).size() == 3);
  CHECK(recon::list_exceptions(connection, {.status = "resolved"}).size() == 1);
  // The audit trail cannot be rewritten.
  pqxx::work tx(connection);
  CHECK_THROWS(tx.exec("update recon_exception_audit set actor = 'someone else'"));
}

TEST_CASE("a payment settled in a later file is a late settlement and closes its missing exception") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  seed_payments(connection);
  Folder folder;
  const recon::ReconConfig config = config_for(folder);
  folder.write("card/card_settlement_20261120.csv",
               kCardHeader +
                   "D,ch_a,pi_a,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\n"
                   "D,rf_c,re_c,FAC001,2026-11-20T12:00:00+09:00,refund,-400,-10,-390,visa\r\n"
                   "T,2,2600,65,2535\r\n");
  folder.write(
      "card/card_settlement_20261121.csv",
      kCardHeader +
          "D,ch_b,pi_b,FAC001,2026-11-20T11:00:00+09:00,sale,1000,25,975,visa\r\nT,1,1000,25,975\r\n");
  auto first = recon::run_reconciliation(connection, config, kDay);
  REQUIRE(first.ok());
  CHECK(first->files.size() == 2);
  CHECK(first->files[1].status == "later");
  CHECK(first->new_exceptions == std::map<std::string, std::size_t>{{"missing_in_settlement", 1}});
  const std::chrono::year_month_day next{std::chrono::sys_days(kDay) + std::chrono::days(1)};
  auto second = recon::run_reconciliation(connection, config, next);
  REQUIRE(second.ok());
  CHECK(second->new_exceptions == std::map<std::string, std::size_t>{{"late_settlement", 1}});
  CHECK(second->auto_resolved == 1);
  CHECK(balance(connection, "assets:receivable:card-sim") == 0);
  const auto resolved = recon::list_exceptions(connection, {.status = "resolved"});
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].resolved_by == "kessai recon");
  CHECK_THAT(resolved[0].resolution_note, Catch::Contains("card_settlement_20261121.csv"));
}
