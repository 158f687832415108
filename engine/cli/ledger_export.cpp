#include "ledger_export.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kessai/ledger/journal.hpp"
#include "kessai/reports/hledger.hpp"

namespace kessai::cli {

namespace {

bool write_all(std::FILE* out, const std::string& text) {
  return std::fwrite(text.data(), 1, text.size(), out) == text.size();
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

Result<LedgerExportOptions, std::string> parse_ledger_export(const std::vector<std::string>& args) {
  LedgerExportOptions options;
  bool format_given = false;
  for (std::size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return fail(args[i] + " needs a value");
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--format") {
      if (value != "hledger") return fail("unknown format '" + value + "'; the format is hledger");
      format_given = true;
    } else if (flag == "--from" || flag == "--to") {
      const auto date = ledger::parse_date(value);
      if (!date) return fail(flag + " '" + value + "' is not a date YYYY-MM-DD");
      (flag == "--from" ? options.range.from : options.range.to) = *date;
    } else if (flag == "--out") {
      if (value.empty()) return fail("--out needs a file name");
      options.out_path = value;
    } else {
      return fail("unexpected '" + flag + "'");
    }
  }
  if (!format_given) return fail("--format hledger is required");
  if (options.range.from && options.range.to && *options.range.to < *options.range.from) {
    return fail("--to " + ledger::format_date(*options.range.to) + " is before --from " +
                ledger::format_date(*options.range.from));
  }
  return options;
}

Result<LedgerExportSummary, std::string> write_hledger_export(pqxx::connection& connection,
                                                              const ledger::pg::JournalRange& range,
                                                              std::FILE* out) {
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection, "ledger export");
  const std::vector<ledger::StoredAccount> accounts = ledger::pg::list_accounts(tx);
  auto declarations = reports::hledger_declarations(accounts);
  if (!declarations.ok()) return fail(declarations.error());
  if (!write_all(out, declarations.value())) return fail("cannot write: " + errno_text());

  bool written = true;
  const std::int64_t journals =
      ledger::pg::for_each_journal(tx, range, [&](const ledger::StoredJournal& journal) {
        written = write_all(out, reports::hledger_transaction(journal));
        return written;
      });
  if (!written || std::fflush(out) != 0) return fail("cannot write: " + errno_text());
  tx.commit();
  return LedgerExportSummary{static_cast<std::int64_t>(accounts.size()), journals};
}

Result<LedgerExportSummary, std::string> export_hledger(pqxx::connection& connection,
                                                        const LedgerExportOptions& options) {
  if (options.out_path.empty()) return write_hledger_export(connection, options.range, stdout);

  const std::string part_path = options.out_path + ".part";
  std::FILE* file = std::fopen(part_path.c_str(), "wb");
  if (file == nullptr) return fail("cannot create " + part_path + ": " + errno_text());
  Result<LedgerExportSummary, std::string> summary = fail(std::string("not written"));
  try {
    summary = write_hledger_export(connection, options.range, file);
  } catch (...) {
    std::fclose(file);
    std::remove(part_path.c_str());
    throw;
  }
  // Synced before the rename, so after a crash FILE is never a renamed but empty or partial file.
  if (summary.ok() && ::fsync(::fileno(file)) != 0)
    summary = fail("cannot sync " + part_path + ": " + errno_text());
  if (std::fclose(file) != 0 && summary.ok())
    summary = fail("cannot write " + part_path + ": " + errno_text());
  if (summary.ok() && std::rename(part_path.c_str(), options.out_path.c_str()) != 0) {
    summary = fail("cannot rename " + part_path + " to " + options.out_path + ": " + errno_text());
  }
  if (!summary.ok()) std::remove(part_path.c_str());
  return summary;
}

}  // namespace kessai::cli
