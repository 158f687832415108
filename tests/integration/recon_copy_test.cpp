// The reconciliation's settlement lines in PostgreSQL as COPY writes them: every field as the file has
// it (text with characters COPY escapes, times, NULLs), the item each line settled however it was found
// (our reference, the processor's id, fallback, which read the items' details), and the exceptions
// pointing at their lines.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "kessai/recon/recon_store.hpp"
#include "test_database.hpp"

using namespace kessai;

namespace {

constexpr std::chrono::year_month_day kDay{std::chrono::year{2026}, std::chrono::month{11},
                                           std::chrono::day{20}};

struct Inbox {
  std::filesystem::path path;
  Inbox() {
    path = std::filesystem::temp_directory_path() / ("kessai-recon-copy-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~Inbox() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
  }
};

recon::ReconConfig config_for(const Inbox& inbox) {
  recon::ReconConfig config;
  config.profiles_dir = std::filesystem::path(KESSAI_SOURCE_DIR) / "ops/config/settlement";
  recon::ProcessorContract card;
  card.processor_id = "card-sim";
  card.profile = "card-acquirer";
  card.inbox = inbox.path;
  card.mdr_bp = {{"default", 250}};
  config.processors.push_back(card);
  return config;
}

// Captured card payments (id, amount, the acquirer's charge id, taken at HH:MM Japan time on kDay),
// each with its capture journal as the engine books it; the journal ids by payment.
std::map<std::string, std::int64_t> seed_captures(
    pqxx::connection& connection,
    const std::vector<std::tuple<std::string, std::int64_t, std::string, std::string>>& payments) {
  pqxx::work tx(connection);
  const ProcessorId card = *ProcessorId::parse("card-sim");
  const FeeCode fee = *FeeCode::parse("F001");
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(card));
  ledger::pg::ensure_accounts(tx, {ledger::chart::revenue_account(fee, "fee")});
  tx.exec("insert into fee_codes (code, name, account_code) values ('F001', 'fee', 'revenue:fee:F001')");
  tx.exec("insert into facilities (id, name) values ('FAC001', 'Library')");
  std::map<std::string, std::int64_t> journals{};
  for (const auto& [id, amount, charge, time] : payments) {
    const std::string taken_at = "2026-11-20 " + time + ":00+09";
    tx.exec_params(
        "insert into payment_intents (id, status, means, amount_yen, amount_captured_yen, currency, fee_code,"
        " facility_id, capture_method, processor_id, processor_reference, business_date, taken_at)"
        " values ($1, 'succeeded', 'card', $2, $2, 'JPY', 'F001', 'FAC001', 'automatic', 'card-sim', $3,"
        " '2026-11-20', $4::timestamptz)",
        id, amount, charge, taken_at);
    const ledger::Journal journal = ledger::capture_journal({.payment_id = id,
                                                             .amount = Yen(amount),
                                                             .processor = card,
                                                             .fee_code = fee,
                                                             .business_date = kDay})
                                        .value();
    const auto journal_id = tx.exec_params(
                                  "insert into journal_entries (kind, reference, business_date, created_at)"
                                  " values ($1, $2, $3::date, $4::timestamptz) returning id",
                                  journal.kind(), journal.reference(),
                                  ledger::format_date(journal.business_date()), taken_at)[0][0]
                                .as<std::int64_t>();
    for (const ledger::Posting& posting : journal.postings()) {
      tx.exec_params("insert into postings (journal_id, account_code, amount_yen) values ($1, $2, $3)",
                     journal_id, posting.account.str(), posting.amount.value());
    }
    journals[id] = journal_id;
  }
  tx.commit();
  return journals;
}

const std::string kHeader =
    "record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_"
    "brand\r\n";

}  // namespace

TEST_CASE("recon writes every settlement line as its file has it, with the item it settled however found") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  const auto journals = seed_captures(
      connection,
      {{"pi_a", 3000, "ch_a", "10:00"}, {"pi_b", 1000, "ch_b", "11:00"}, {"pi_c", 2000, "ch_c", "12:05"}});
  Inbox inbox;
  // pi_a by our reference; pi_b by the acquirer's id (our reference garbled); pi_c by fallback (an id
  // kessai never saw, the same amount and merchant, two minutes apart); a sale of nobody's whose
  // merchant and brand hold a backslash and a tab, which COPY's text format escapes.
  inbox.write("card_settlement_20261120.csv",
              kHeader +
                  "D,ch_a,pi_a,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\n"
                  "D,ch_b,pi_b_garbled,FAC001,2026-11-20T11:00:00+09:00,sale,1000,25,975,visa\r\n"
                  "D,ch_9999,unknown,FAC001,2026-11-20T12:07:30+09:00,sale,2000,50,1950,jcb\r\n"
                  "D,ch_x,pi_x,FAC\\001,2026-11-20T23:59:59+09:00,sale,777,19,758,vi\tsa\r\n"
                  "T,4,6777,169,6608\r\n");
  const recon::ReconConfig config = config_for(inbox);

  auto run = recon::run_reconciliation(connection, config, kDay);
  REQUIRE(run.ok());
  REQUIRE(run->files.size() == 1);
  CHECK(run->files[0].status == "accepted");
  CHECK(run->files[0].matched == 3);
  CHECK(run->new_exceptions == std::map<std::string, std::size_t>{{"unknown_in_ledger", 1}});

  pqxx::read_transaction tx(connection);
  const pqxx::result lines = tx.exec(
      "select record, kind, reference, processor_transaction_id, merchant, brand,"
      " to_char(transacted_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), amount_yen, fee_yen, net_yen,"
      " coalesce(settles_journal_id, 0), coalesce(matched_by, '-'), ledger_amount_yen,"
      " coalesce(payment_intent_id, '-'), processor_id, business_date::text"
      " from settlement_lines order by record");
  REQUIRE(lines.size() == 4);
  const auto text = [&](int line, int column) { return lines[line][column].as<std::string>(); };
  const auto number = [&](int line, int column) { return lines[line][column].as<std::int64_t>(); };
  for (int l = 0; l < 4; ++l) {
    CHECK(number(l, 0) == l + 2);
    CHECK(text(l, 1) == "sale");
    CHECK(text(l, 14) == "card-sim");
    CHECK(text(l, 15) == "2026-11-20");
  }
  CHECK(text(0, 2) == "pi_a");
  CHECK(text(0, 6) == "2026-11-20 01:00:00");
  CHECK(number(0, 10) == journals.at("pi_a"));
  CHECK(text(0, 11) == "reference");
  CHECK(text(0, 13) == "pi_a");
  CHECK(text(1, 2) == "pi_b_garbled");
  CHECK(number(1, 10) == journals.at("pi_b"));
  CHECK(text(1, 11) == "processor_transaction_id");
  CHECK(text(1, 13) == "pi_b");
  CHECK(text(2, 3) == "ch_9999");
  CHECK(number(2, 10) == journals.at("pi_c"));
  CHECK(text(2, 11) == "fallback");
  CHECK(number(2, 12) == 2000);
  CHECK(text(2, 13) == "pi_c");
  CHECK(text(3, 4) == "FAC\\001");
  CHECK(text(3, 5) == "vi\tsa");
  CHECK(text(3, 6) == "2026-11-20 14:59:59");
  CHECK(number(3, 7) == 777);
  CHECK(number(3, 8) == 19);
  CHECK(number(3, 9) == 758);
  CHECK(number(3, 10) == 0);  // settles nothing
  CHECK(text(3, 11) == "-");
  CHECK(number(3, 12) == 0);
  CHECK(text(3, 13) == "-");

  // The exception names its line, which COPY gave no id back for.
  const pqxx::result exception = tx.exec(
      "select e.subject, e.settlement_line_id, l.record from recon_exceptions e"
      " join settlement_lines l on l.id = e.settlement_line_id where e.reason = 'unknown_in_ledger'");
  REQUIRE(exception.size() == 1);
  CHECK(exception[0][0].as<std::string>() == "line:" + exception[0][1].as<std::string>());
  CHECK(exception[0][2].as<int>() == 5);
}

TEST_CASE("recon settles an item once: a second file's line for it settles nothing and is a duplicate") {
  testing::TestDatabase db;
  pqxx::connection connection(db.url());
  const auto journals = seed_captures(connection, {{"pi_a", 3000, "ch_a", "10:00"}});
  Inbox inbox;
  inbox.write(
      "card_settlement_20261120.csv",
      kHeader +
          "D,ch_a,pi_a,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\nT,1,3000,75,2925\r\n");
  inbox.write(
      "card_settlement_20261121.csv",
      kHeader +
          "D,ch_a2,pi_a,FAC001,2026-11-20T10:00:00+09:00,sale,3000,75,2925,visa\r\nT,1,3000,75,2925\r\n");
  const recon::ReconConfig config = config_for(inbox);
  auto run = recon::run_reconciliation(
      connection, config, std::chrono::year_month_day{std::chrono::sys_days(kDay) + std::chrono::days(1)});
  REQUIRE(run.ok());
  REQUIRE(run->files.size() == 2);
  CHECK(run->files[0].matched == 1);
  CHECK(run->files[1].matched == 0);
  CHECK(run->new_exceptions == std::map<std::string, std::size_t>{{"duplicate_settlement", 1}});
  const std::string journal = std::to_string(journals.at("pi_a"));
  {
    pqxx::read_transaction tx(connection);
    CHECK(tx.exec("select count(*) from settlement_lines where settles_journal_id = " + journal)[0][0]
              .as<int>() == 1);
  }
  // Without the foreign keys of 0007, the database still refuses a second line for the same item.
  pqxx::work tx(connection);
  CHECK_THROWS_AS(
      tx.exec("insert into settlement_lines (file_id, record, processor_id, business_date, kind,"
              " reference, processor_transaction_id, merchant, transacted_at, amount_yen, fee_yen,"
              " net_yen, settles_journal_id)"
              " select file_id, 99, processor_id, business_date, kind, reference, 'ch_a3', merchant,"
              " transacted_at, amount_yen, fee_yen, net_yen, settles_journal_id"
              " from settlement_lines where settles_journal_id = " +
              journal),
      pqxx::unique_violation);
}
