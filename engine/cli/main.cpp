// kessai: the admin and finance command line.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "catalog_file.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/pg/migrate.hpp"
#include "kessai/ledger/pg/pool.hpp"
#include "kessai/reports/ledger_text.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: kessai [--database-url URL] COMMAND\n"
    "commands:\n"
    "  migrate                          apply pending database migrations\n"
    "  catalog load FILE                load fee codes, facilities and procedures (TOML)\n"
    "  ledger trial-balance             balances per account; debits must equal credits\n"
    "  ledger journal --reference ID    the journals of one payment (or other reference)\n"
    "The database is --database-url, else KESSAI_DATABASE_URL.\n";

int usage() {
  std::fputs(kUsage.data(), stderr);
  return 2;
}

int migrate(pqxx::connection& connection) {
  auto report = kessai::ledger::pg::migrate(connection);
  if (!report.ok()) {
    std::fprintf(stderr, "kessai migrate: %s\n", report.error().c_str());
    return 1;
  }
  for (int version : report->applied) std::printf("applied migration %04d\n", version);
  std::printf("schema at version %d\n", report->schema_version);
  return 0;
}

int catalog_load(pqxx::connection& connection, const std::string& path) {
  auto catalog = kessai::cli::read_catalog_file(path);
  if (!catalog.ok()) {
    std::fprintf(stderr, "kessai catalog load: %s\n", catalog.error().c_str());
    return 1;
  }
  kessai::engine::load_catalog(connection, catalog.value());
  std::printf("catalog loaded: %zu fee codes, %zu facilities, %zu procedures\n", catalog->fee_codes.size(),
              catalog->facilities.size(), catalog->procedures.size());
  return 0;
}

int trial_balance(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto balances = kessai::ledger::pg::trial_balance(tx);
  std::fputs(kessai::reports::trial_balance_text(balances).c_str(), stdout);
  const auto totals = kessai::ledger::total(balances);
  return totals && totals->balanced ? 0 : 1;
}

int journal(pqxx::connection& connection, const std::string& reference) {
  pqxx::read_transaction tx(connection);
  const auto journals = kessai::ledger::pg::journals_by_reference(tx, reference);
  if (journals.empty()) {
    std::printf("no journals for %s\n", reference.c_str());
    return 0;
  }
  std::fputs(kessai::reports::journals_text(journals).c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string url;
  if (const char* env = std::getenv("KESSAI_DATABASE_URL")) url = env;
  if (args.size() >= 2 && args[0] == "--database-url") {
    url = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  const bool known =
      (args.size() == 1 && args[0] == "migrate") ||
      (args.size() == 3 && args[0] == "catalog" && args[1] == "load") ||
      (args.size() == 2 && args[0] == "ledger" && args[1] == "trial-balance") ||
      (args.size() == 4 && args[0] == "ledger" && args[1] == "journal" && args[2] == "--reference");
  if (!known) return usage();
  if (url.empty()) {
    std::fprintf(stderr,
                 "kessai: no database: set KESSAI_DATABASE_URL or pass --database-url "
                 "(`ops/pg url` prints the embedded one)\n");
    return 2;
  }
  try {
    pqxx::connection connection(url);
    if (args[0] == "migrate" && args.size() == 1) return migrate(connection);
    if (args[0] == "catalog" && args.size() == 3 && args[1] == "load")
      return catalog_load(connection, args[2]);
    if (args[0] == "ledger" && args.size() == 2 && args[1] == "trial-balance")
      return trial_balance(connection);
    if (args[0] == "ledger" && args.size() == 4 && args[1] == "journal" && args[2] == "--reference") {
      return journal(connection, args[3]);
    }
    return usage();
  } catch (const pqxx::broken_connection& error) {
    std::fprintf(stderr, "kessai: cannot connect to %s: %s\n", kessai::ledger::pg::redact_url(url).c_str(),
                 error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai: %s\n", error.what());
    return 1;
  }
}
