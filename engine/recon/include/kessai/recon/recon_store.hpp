#pragma once
// The nightly reconciliation in PostgreSQL: reading the inboxes, each file whole or not at all in one
// transaction (its lines, what they settled, its exceptions, its journal), the missing settlements and
// deposits, and the exception queue finance staff work through. Used by `kessai recon …`.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/recon/matching.hpp"
#include "kessai/recon/recon_config.hpp"
#include "kessai/result.hpp"

namespace kessai::recon {

// What happened to one file of an inbox.
struct FileReport {
  std::string path{};
  std::string file_name{};
  std::string profile{};
  // "accepted", "rejected", "already_ingested" (the same bytes were accepted before: nothing changes),
  // "later" (a settlement file of a date after the run's: left for its own night).
  std::string status{};
  std::string code{};     // a rejection's code
  std::string message{};  // a rejection's message
  std::size_t lines = 0;
  std::size_t matched = 0;  // lines that settled a ledger item (or deposits that paid payouts)
  std::int64_t net_yen = 0;
  std::map<std::string, std::size_t> exceptions{};  // new ones, by reason
};

struct RunReport {
  std::chrono::year_month_day date{};
  std::vector<FileReport> files{};
  std::vector<std::string> warnings{};                  // e.g. an inbox that does not exist
  std::map<std::string, std::size_t> new_exceptions{};  // by reason, files and day checks together
  std::size_t auto_resolved = 0;                        // exceptions a later file explained
  std::size_t open_exceptions = 0;                      // open after the run, every date
  bool rejected_files() const;
};

// Reconciles the business date `date`: ingests every new file of the configured inboxes (settlement
// files of dates up to `date`, bank statements of any date), then records what is missing: ledger
// items of every date whose file was accepted that no line settled, payouts due by the last statement
// date that no deposit paid. Running it again changes nothing that ran before. Fails only when it cannot
// work at all (profiles, inboxes unreadable, another run in progress, the database); a bad file is a
// rejection in the report, not a failure.
Result<RunReport, std::string> run_reconciliation(pqxx::connection& connection, const ReconConfig& config,
                                                  std::chrono::year_month_day date);

struct ExceptionRow {
  std::int64_t id = 0;
  std::string reason{};
  std::string status{};
  std::string business_date{};
  std::string processor_id{};
  std::string reference{};
  std::string payment_intent_id{};
  std::string file_name{};
  std::optional<std::int64_t> expected_yen{};
  std::optional<std::int64_t> actual_yen{};
  std::int64_t suspense_yen = 0;
  std::string detail{};
  std::string created_at{};
  std::string resolved_at{};
  std::string resolved_by{};
  std::string resolution_note{};
};

struct ExceptionFilter {
  std::string status = "open";  // "open", "resolved" or "all"
  std::optional<std::chrono::year_month_day> from{};
  std::optional<std::chrono::year_month_day> to{};
  std::optional<Reason> reason{};
};

std::vector<ExceptionRow> list_exceptions(pqxx::connection& connection, const ExceptionFilter& filter);

// One exception, whatever its status; nullopt when there is none with that id.
std::optional<ExceptionRow> find_exception(pqxx::connection& connection, std::int64_t id);

// Marks an open exception resolved with the note, by `actor`, and writes it to the audit trail. Fails
// (nothing changed) on an unknown id, one already resolved, or an empty note.
Result<ExceptionRow, std::string> resolve_exception(pqxx::connection& connection, std::int64_t id,
                                                    const std::string& actor, const std::string& note);

struct AuditRow {
  std::int64_t exception_id = 0;
  std::string action{};
  std::string actor{};
  std::string note{};
  std::string at{};
};
std::vector<AuditRow> exception_audit(pqxx::connection& connection, std::int64_t exception_id);

}  // namespace kessai::recon
