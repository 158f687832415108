// kessai's ledger exported as an hledger journal and checked by hledger itself: its strict checks pass,
// and its balances are kessai's trial balance, account by account. hledger is a required tool of the
// tests (ops/install-deps installs it); without it these tests fail rather than skip.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "child_process.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/pg/journal_stream.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "kessai/reports/hledger.hpp"
#include "ledger_export.hpp"
#include "test_database.hpp"

using namespace kessai;

namespace {

std::chrono::year_month_day day(unsigned d) {
  return {std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{d}};
}

ProcessorId processor(const char* id) {
  return *ProcessorId::parse(id);
}
FeeCode fee(const char* code) {
  return *FeeCode::parse(code);
}

// The path of hledger on PATH; empty when it is not installed.
std::string find_hledger() {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    const std::string candidate = (directory.empty() ? "." : directory) + "/hledger";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string require_hledger() {
  const std::string path = find_hledger();
  if (path.empty()) {
    FAIL(
        "hledger is not installed (not found on PATH): run ops/install-deps, which installs the Debian "
        "package hledger");
  }
  return path;
}

// Runs hledger and requires it to succeed; returns what it printed (stdout and stderr).
std::string run_hledger(const std::string& hledger, const std::vector<std::string>& args) {
  std::string output;
  const int status = testing::run_command(hledger, args, {}, output);
  std::string command = "hledger";
  for (const auto& arg : args) command += " " + arg;
  INFO(command << "\nexit status " << status << ", output:\n" << output);
  REQUIRE(status == 0);
  return output;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `hledger balance --layout=bare -O csv` rows: "account","commodity","balance". One line per account,
// "<account> <yen>", so a difference shows as a text diff. With -E (the default here) accounts whose
// postings sum to zero are listed too; extra_args without it list only nonzero balances.
std::string hledger_balances(const std::string& hledger, const std::string& journal_path,
                             const std::string& csv_path,
                             const std::vector<std::string>& extra_args = {"-E"}) {
  std::vector<std::string> args{"-f", journal_path, "balance", "--flat", "-N", "--layout=bare",
                                "-O", "csv",        "-o",      csv_path};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  run_hledger(hledger, args);
  std::stringstream csv(read_file(csv_path));
  std::string line;
  REQUIRE(std::getline(csv, line));
  REQUIRE(line == R"("account","commodity","balance")");
  std::map<std::string, std::int64_t> balances;
  while (std::getline(csv, line)) {
    INFO("hledger CSV line: " << line);
    REQUIRE(line.size() > 2);
    REQUIRE(line.front() == '"');
    REQUIRE(line.back() == '"');
    const std::string inner = line.substr(1, line.size() - 2);
    const std::size_t first = inner.find("\",\"");
    const std::size_t second = inner.find("\",\"", first + 3);
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    const std::string amount = inner.substr(second + 3);
    // hledger leaves the commodity out of a zero it did not compute from postings (an account with
    // postings only outside -b/-e).
    const std::string commodity = inner.substr(first + 3, second - first - 3);
    REQUIRE((commodity == "JPY" || (commodity.empty() && amount == "0")));
    std::int64_t yen = 0;
    const auto [end, error] = std::from_chars(amount.data(), amount.data() + amount.size(), yen);
    REQUIRE(error == std::errc{});
    REQUIRE(end == amount.data() + amount.size());
    balances[inner.substr(0, first)] = yen;
  }
  std::string out;
  for (const auto& [code, yen] : balances) out += code + " " + std::to_string(yen) + "\n";
  return out;
}

// kessai's trial balance in the same form, for the accounts that have postings (hledger shows only
// those; the declared ones are compared apart).
std::string kessai_balances(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto balances = ledger::pg::trial_balance(tx);
  const auto totals = ledger::total(balances);
  REQUIRE(totals.has_value());
  REQUIRE(totals->balanced);
  std::string out;
  for (const auto& balance : balances) {
    if (balance.debits.is_zero() && balance.credits.is_zero()) continue;
    out += balance.code + " " + std::to_string(balance.balance.value()) + "\n";
  }
  return out;
}

// "<account> <type code>" per line, from kessai and from `hledger accounts --declared --types`.
std::string kessai_account_types(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::string out;
  for (const auto& balance : ledger::pg::trial_balance(tx)) {
    out += balance.code + " " + std::string(reports::hledger_account_type(balance.type)) + "\n";
  }
  return out;
}
std::string hledger_account_types(const std::string& hledger, const std::string& journal_path) {
  std::stringstream listing(run_hledger(hledger, {"-f", journal_path, "accounts", "--declared", "--types"}));
  std::string out;
  std::string line;
  while (std::getline(listing, line)) {
    const std::size_t tag = line.find("; type: ");
    INFO("hledger accounts line: " << line);
    REQUIRE(tag != std::string::npos);
    const std::string code = line.substr(0, line.find(' '));
    out += code + " " + line.substr(tag + 8) + "\n";
  }
  return out;
}

// The journal ids hledger read, in file order, from the transactions' codes "J<id>".
std::vector<std::int64_t> hledger_journal_ids(const std::string& hledger, const std::string& journal_path) {
  std::stringstream codes(run_hledger(hledger, {"-f", journal_path, "codes"}));
  std::vector<std::int64_t> ids;
  std::string line;
  while (std::getline(codes, line)) {
    REQUIRE(line.starts_with("J"));
    ids.push_back(std::stoll(line.substr(1)));
  }
  return ids;
}

// A temporary directory removed when the test ends, passed or failed.
struct TempDirectory {
  std::string path = testing::make_temp_dir("kessai-hledger");
  TempDirectory() = default;
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

void seed_accounts(pqxx::connection& connection) {
  pqxx::work tx(connection);
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  for (const char* id : {"card-sim", "emoney-sim", "qr-sim"}) {
    ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(processor(id)));
  }
  ledger::pg::ensure_accounts(tx, {ledger::chart::revenue_account(fee("F001"), "体育館 個人利用料"),
                                   ledger::chart::revenue_account(fee("F002"), "住民票の写し 交付手数料")});
  tx.commit();
}

std::int64_t post(pqxx::connection& connection,
                  const Result<ledger::Journal, ledger::JournalError>& journal) {
  REQUIRE(journal.ok());
  pqxx::work tx(connection);
  const std::int64_t id = ledger::pg::insert_journal(tx, journal.value());
  tx.commit();
  return id;
}

struct PostedLedger {
  std::vector<std::int64_t> ids_in_order{};  // by business date, then id
  std::vector<std::int64_t> ids_on_22nd{};
};

// Journals of three processors and two fee codes over four days, written out of date order: captures, a
// refund, a Pay-easy reversal, a settlement with the processor's fee, and a reference with a ';'.
PostedLedger post_journals(pqxx::connection& connection) {
  const auto capture = [&](const char* id, std::int64_t yen, const char* processor_id, const char* fee_code,
                           unsigned d) {
    return post(connection,
                ledger::capture_journal({id, Yen(yen), processor(processor_id), fee(fee_code), day(d)}));
  };
  const std::int64_t late = capture("pi_late", 800, "card-sim", "F001", 23);
  const std::int64_t card = capture("pi_card", 3000, "card-sim", "F001", 21);
  const std::int64_t emoney = capture("pi_emoney", 1200, "emoney-sim", "F001", 21);
  const std::int64_t qr = capture("pi_qr; counter 2", 450, "qr-sim", "F002", 22);
  const std::int64_t payeasy = capture("pi_payeasy", 300, "qr-sim", "F002", 22);
  const std::int64_t refund =
      post(connection,
           ledger::refund_journal({"re_card", Yen(1000), processor("card-sim"), fee("F001"), day(22)}));
  const std::int64_t reversal =
      post(connection,
           ledger::reversal_journal({"pi_payeasy", Yen(300), processor("qr-sim"), fee("F002"), day(22)}));
  // What a settlement posts: the payout reaches the bank, net of the processor's fee (MDR).
  const std::int64_t settlement =
      post(connection,
           ledger::Journal::build("settlement", "card-sim/2026-11-24/line 1\nsecond line", day(24),
                                  {{ledger::chart::bank(), Yen(1960)},
                                   {ledger::chart::processor_fee_expense(processor("card-sim")), Yen(40)},
                                   {ledger::chart::receivable(processor("card-sim")), Yen(-2000)}}));
  return {{card, emoney, qr, payeasy, refund, reversal, late, settlement}, {qr, payeasy, refund, reversal}};
}

}  // namespace

TEST_CASE("hledger export: strict checks pass and hledger's balances are kessai's trial balance") {
  const std::string hledger = require_hledger();
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  const PostedLedger posted = post_journals(connection);

  const TempDirectory temporary;
  const std::string& directory = temporary.path;
  const std::string path = directory + "/ledger.journal";
  const auto summary = cli::export_hledger(connection, {{}, path});
  REQUIRE(summary.ok());
  CHECK(summary->journals == 8);
  {
    pqxx::read_transaction tx(connection);
    CHECK(summary->accounts == static_cast<std::int64_t>(ledger::pg::list_accounts(tx).size()));
  }
  CHECK(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(path + ".part"));
  INFO("exported journal:\n" << read_file(path));

  // Strict: every account and the commodity declared, every transaction balanced without inference;
  // and the dates in order.
  run_hledger(hledger, {"-f", path, "check", "--strict", "ordereddates"});
  CHECK(hledger_journal_ids(hledger, path) == posted.ids_in_order);
  CHECK(hledger_balances(hledger, path, directory + "/balances.csv") == kessai_balances(connection));
  CHECK(hledger_account_types(hledger, path) == kessai_account_types(connection));

  // A later export replaces the file whole.
  post(connection,
       ledger::capture_journal({"pi_more", Yen(5000), processor("emoney-sim"), fee("F002"), day(25)}));
  REQUIRE(cli::export_hledger(connection, {{}, path}).ok());
  run_hledger(hledger, {"-f", path, "check", "--strict", "ordereddates"});
  CHECK(hledger_balances(hledger, path, directory + "/balances.csv") == kessai_balances(connection));
}

TEST_CASE("hledger export: a range of business dates holds exactly its journals") {
  const std::string hledger = require_hledger();
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  const PostedLedger posted = post_journals(connection);

  const TempDirectory temporary;
  const std::string& directory = temporary.path;
  const std::string whole = directory + "/whole.journal";
  const std::string ranged = directory + "/ranged.journal";
  REQUIRE(cli::export_hledger(connection, {{}, whole}).ok());
  const auto summary = cli::export_hledger(connection, {{day(22), day(22)}, ranged});
  REQUIRE(summary.ok());
  CHECK(summary->journals == 4);

  run_hledger(hledger, {"-f", ranged, "check", "--strict", "ordereddates"});
  CHECK(hledger_journal_ids(hledger, ranged) == posted.ids_on_22nd);
  // hledger's own date filter on the whole export agrees (its end date is exclusive).
  const std::string ranged_balances = hledger_balances(hledger, ranged, directory + "/ranged.csv", {});
  CHECK(ranged_balances ==
        hledger_balances(hledger, whole, directory + "/whole.csv", {"-b", "2026-11-22", "-e", "2026-11-23"}));
  CHECK(ranged_balances ==
        "assets:receivable:card-sim -1000\n"
        "assets:receivable:qr-sim 450\n"
        "revenue:fee:F001 1000\n"
        "revenue:fee:F002 -450\n");

  const auto from_only = cli::export_hledger(connection, {{day(23), std::nullopt}, ranged});
  REQUIRE(from_only.ok());
  CHECK(from_only->journals == 2);
  const auto to_only = cli::export_hledger(connection, {{std::nullopt, day(21)}, ranged});
  REQUIRE(to_only.ok());
  CHECK(to_only->journals == 2);
  const auto none = cli::export_hledger(connection, {{day(26), day(30)}, ranged});
  REQUIRE(none.ok());
  CHECK(none->journals == 0);
  run_hledger(hledger, {"-f", ranged, "check", "--strict"});
}

TEST_CASE("hledger export: the cursor passes journals whole however few rows it fetches") {
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  const PostedLedger posted = post_journals(connection);

  pqxx::read_transaction tx(connection);
  for (const int rows_per_fetch : {1, 2, 3, 1000}) {
    INFO("rows per fetch " << rows_per_fetch);
    std::vector<ledger::StoredJournal> streamed;
    const std::int64_t passed = ledger::pg::for_each_journal(
        tx, {},
        [&](const ledger::StoredJournal& journal) {
          streamed.push_back(journal);
          return true;
        },
        rows_per_fetch);
    CHECK(passed == 8);
    REQUIRE(streamed.size() == posted.ids_in_order.size());
    for (std::size_t i = 0; i < streamed.size(); ++i) {
      CHECK(streamed[i].id == posted.ids_in_order[i]);
      const auto stored = ledger::pg::journals_by_reference(tx, streamed[i].reference);
      const auto same = std::find_if(stored.begin(), stored.end(),
                                     [&](const ledger::StoredJournal& j) { return j.id == streamed[i].id; });
      REQUIRE(same != stored.end());
      CHECK(streamed[i].business_date == same->business_date);
      CHECK(streamed[i].kind == same->kind);
      REQUIRE(streamed[i].postings.size() == same->postings.size());
      for (std::size_t p = 0; p < same->postings.size(); ++p) {
        CHECK(streamed[i].postings[p].account_code == same->postings[p].account_code);
        CHECK(streamed[i].postings[p].amount == same->postings[p].amount);
      }
    }
  }
  std::int64_t seen = 0;
  const std::int64_t stopped = ledger::pg::for_each_journal(
      tx, {}, [&](const ledger::StoredJournal&) { return ++seen < 3; }, 2);
  CHECK(stopped == 3);
  CHECK(seen == 3);
}

TEST_CASE("hledger export: a failed write leaves no partial file") {
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  const TempDirectory temporary;
  const std::string& directory = temporary.path;
  // The target is a directory: the export is written to .part, the rename fails, and .part goes.
  const std::string target = directory + "/taken";
  std::filesystem::create_directory(target);
  const auto refused = cli::export_hledger(connection, {{}, target});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error(), Catch::StartsWith("cannot rename " + target + ".part to " + target));
  CHECK_FALSE(std::filesystem::exists(target + ".part"));
  CHECK(std::filesystem::is_directory(target));

  const auto nowhere = cli::export_hledger(connection, {{}, directory + "/missing/ledger.journal"});
  REQUIRE_FALSE(nowhere.ok());
  CHECK_THAT(nowhere.error(),
             Catch::StartsWith("cannot create " + directory + "/missing/ledger.journal.part"));
}

TEST_CASE("hledger export: the command's arguments") {
  const auto parse = [](std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"ledger", "export"});
    return cli::parse_ledger_export(flags);
  };
  const auto all =
      parse({"--format", "hledger", "--from", "2026-11-01", "--to", "2026-11-30", "--out", "x.j"});
  REQUIRE(all.ok());
  CHECK(all->range.from == day(1));
  CHECK(all->range.to == day(30));
  CHECK(all->out_path == "x.j");
  const auto bare = parse({"--format", "hledger"});
  REQUIRE(bare.ok());
  CHECK_FALSE(bare->range.from.has_value());
  CHECK_FALSE(bare->range.to.has_value());
  CHECK(bare->out_path.empty());
  CHECK(parse({"--format", "hledger", "--from", "2026-11-21", "--to", "2026-11-21"}).ok());

  CHECK(parse({}).error() == "--format hledger is required");
  CHECK(parse({"--out", "x.j"}).error() == "--format hledger is required");
  CHECK(parse({"--format", "ledger"}).error() == "unknown format 'ledger'; the format is hledger");
  CHECK(parse({"--format"}).error() == "--format needs a value");
  CHECK(parse({"--format", "hledger", "--from", "2026-02-30"}).error() ==
        "--from '2026-02-30' is not a date YYYY-MM-DD");
  CHECK(parse({"--format", "hledger", "--to", "21/11/2026"}).error() ==
        "--to '21/11/2026' is not a date YYYY-MM-DD");
  CHECK(parse({"--format", "hledger", "--from", "2026-11-22", "--to", "2026-11-21"}).error() ==
        "--to 2026-11-21 is before --from 2026-11-22");
  CHECK(parse({"--format", "hledger", "--out", ""}).error() == "--out needs a file name");
  CHECK(parse({"--format", "hledger", "--verbose", "yes"}).error() == "unexpected '--verbose'");
}
