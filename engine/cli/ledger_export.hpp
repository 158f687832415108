#pragma once
// `kessai ledger export --format hledger`: the ledger as an hledger journal, streamed from PostgreSQL
// (ledger/pg journal_stream) through the rendering of reports/hledger, to standard output or a file.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/ledger/pg/journal_stream.hpp"
#include "kessai/result.hpp"

namespace kessai::cli {

struct LedgerExportOptions {
  ledger::pg::JournalRange range{};
  std::string out_path{};  // empty: standard output
};

// Parses the arguments of `ledger export` (args[0] "ledger", args[1] "export"): `--format hledger`
// (required: the format is named so that others can come), `--from YYYY-MM-DD`, `--to YYYY-MM-DD`
// (business dates, both included) and `--out FILE`.
Result<LedgerExportOptions, std::string> parse_ledger_export(const std::vector<std::string>& args);

struct LedgerExportSummary {
  std::int64_t accounts = 0;
  std::int64_t journals = 0;
};

// Writes the declarations and every journal in range to out, reading accounts and journals in one
// repeatable-read transaction so they come from the same snapshot of the ledger.
Result<LedgerExportSummary, std::string> write_hledger_export(pqxx::connection& connection,
                                                              const ledger::pg::JournalRange& range,
                                                              std::FILE* out);

// To standard output, or to options.out_path atomically: written to FILE.part, flushed to disk, then
// renamed, so FILE is either the previous file or the complete export, never a part of one.
Result<LedgerExportSummary, std::string> export_hledger(pqxx::connection& connection,
                                                        const LedgerExportOptions& options);

}  // namespace kessai::cli
