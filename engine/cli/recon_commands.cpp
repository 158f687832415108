#include "recon_commands.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "kessai/ledger/journal.hpp"
#include "kessai/recon/recon_store.hpp"

namespace kessai::cli {

const std::string_view kReconUsage =
    "  recon run --date YYYY-MM-DD [--config FILE] [--json]\n"
    "                                   reconcile a business date: read every new settlement file and bank\n"
    "                                   statement in the inboxes of recon.toml (--config, else\n"
    "                                   KESSAI_RECON_CONFIG), match, post, and record every difference\n"
    "  recon exceptions list [--status open|resolved|all] [--date D | --from D --to D] [--reason R]\n"
    "                        [--format table|json]\n"
    "                                   the exception queue (open ones by default)\n"
    "  recon exceptions show ID         one exception and its audit trail\n"
    "  recon exceptions resolve ID --note TEXT [--by NAME]\n"
    "                                   mark an exception resolved; the note and who (--by, else $USER)\n"
    "                                   are kept in its audit trail\n";

namespace {

using std::chrono::year_month_day;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "kessai recon: %s\n", message.c_str());
  return 2;
}

std::optional<year_month_day> parse_day(const std::string& text) {
  return ledger::parse_date(text);
}

std::string yen_text(std::int64_t yen) {
  std::string digits = std::to_string(yen < 0 ? -yen : yen);
  for (std::size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return (yen < 0 ? "-" : "") + digits;
}

std::string optional_yen(const std::optional<std::int64_t>& yen) {
  return yen ? yen_text(*yen) : "-";
}

boost::json::object exception_json(const recon::ExceptionRow& e) {
  boost::json::object o;
  o["id"] = e.id;
  o["reason"] = e.reason;
  o["status"] = e.status;
  o["business_date"] = e.business_date;
  o["processor"] = e.processor_id;
  o["reference"] = e.reference;
  o["payment_intent"] = e.payment_intent_id;
  o["file"] = e.file_name;
  o["expected_yen"] = e.expected_yen ? boost::json::value(*e.expected_yen) : boost::json::value(nullptr);
  o["actual_yen"] = e.actual_yen ? boost::json::value(*e.actual_yen) : boost::json::value(nullptr);
  o["suspense_yen"] = e.suspense_yen;
  o["detail"] = e.detail;
  o["created_at"] = e.created_at;
  if (e.status == "resolved") {
    o["resolved_at"] = e.resolved_at;
    o["resolved_by"] = e.resolved_by;
    o["note"] = e.resolution_note;
  }
  return o;
}

std::string config_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("KESSAI_RECON_CONFIG")) return env;
  return "";
}

int run(pqxx::connection& connection, const std::vector<std::string>& args) {
  std::optional<year_month_day> date;
  std::string config_flag;
  bool json = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--date" && i + 1 < args.size()) {
      date = parse_day(args[++i]);
      if (!date) return usage_error("--date " + args[i] + " is not a date YYYY-MM-DD");
    } else if (args[i] == "--config" && i + 1 < args.size()) {
      config_flag = args[++i];
    } else if (args[i] == "--json") {
      json = true;
    } else {
      return usage_error("unexpected '" + args[i] + "'");
    }
  }
  if (!date) return usage_error("recon run needs --date YYYY-MM-DD (the business date to reconcile)");
  const std::string path = config_path(config_flag);
  if (path.empty()) {
    return usage_error(
        "no reconciliation configuration: give --config FILE or set KESSAI_RECON_CONFIG "
        "(ops/config/recon.toml "
        "shows every key)");
  }
  auto config = recon::load_recon_config(path);
  if (!config.ok()) {
    std::fprintf(stderr, "kessai recon run: %s\n", config.error().c_str());
    return 1;
  }
  auto report = recon::run_reconciliation(connection, config.value(), *date);
  if (!report.ok()) {
    std::fprintf(stderr, "kessai recon run: %s\n", report.error().c_str());
    return 1;
  }
  const recon::RunReport& r = report.value();
  if (json) {
    boost::json::object out;
    out["date"] = ledger::format_date(r.date);
    boost::json::array files;
    for (const recon::FileReport& f : r.files) {
      boost::json::object o;
      o["file"] = f.file_name;
      o["path"] = f.path;
      o["profile"] = f.profile;
      o["status"] = f.status;
      if (!f.code.empty()) o["code"] = f.code;
      if (!f.message.empty()) o["message"] = f.message;
      o["lines"] = f.lines;
      o["matched"] = f.matched;
      o["net_yen"] = f.net_yen;
      boost::json::object exceptions;
      for (const auto& [reason, count] : f.exceptions) exceptions[reason] = count;
      o["exceptions"] = exceptions;
      files.push_back(o);
    }
    out["files"] = files;
    boost::json::object found;
    for (const auto& [reason, count] : r.new_exceptions) found[reason] = count;
    out["new_exceptions"] = found;
    out["auto_resolved"] = r.auto_resolved;
    out["open_exceptions"] = r.open_exceptions;
    boost::json::array warnings;
    for (const std::string& w : r.warnings) warnings.push_back(boost::json::string(w));
    out["warnings"] = warnings;
    std::printf("%s\n", boost::json::serialize(out).c_str());
  } else {
    std::printf("reconciliation of %s\n", ledger::format_date(r.date).c_str());
    for (const recon::FileReport& f : r.files) {
      if (f.status == "accepted") {
        std::size_t count = 0;
        for (const auto& [reason, n] : f.exceptions) count += n;
        std::printf("  %-34s accepted   %7zu lines, %7zu matched, net %s yen, %zu new exceptions\n",
                    f.file_name.c_str(), f.lines, f.matched, yen_text(f.net_yen).c_str(), count);
      } else if (f.status == "rejected") {
        std::printf("  %-34s REJECTED   %s: %s (nothing from it was posted)\n", f.file_name.c_str(),
                    f.code.c_str(), f.message.c_str());
      } else if (f.status == "already_ingested") {
        std::printf("  %-34s already ingested, unchanged\n", f.file_name.c_str());
      } else {
        std::printf("  %-34s of a later date, left for its own night\n", f.file_name.c_str());
      }
    }
    for (const std::string& w : r.warnings) std::printf("  warning: %s\n", w.c_str());
    std::printf("new exceptions:");
    if (r.new_exceptions.empty()) std::printf(" none");
    for (const auto& [reason, count] : r.new_exceptions) std::printf(" %s %zu", reason.c_str(), count);
    std::printf("\nauto-resolved: %zu; open exceptions (every date): %zu, see kessai recon exceptions list\n",
                r.auto_resolved, r.open_exceptions);
  }
  return r.rejected_files() ? 3 : 0;
}

int list(pqxx::connection& connection, const std::vector<std::string>& args) {
  recon::ExceptionFilter filter;
  bool json = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--status" && has_value) {
      filter.status = args[++i];
      if (filter.status != "open" && filter.status != "resolved" && filter.status != "all") {
        return usage_error("--status is open, resolved or all");
      }
    } else if ((args[i] == "--date" || args[i] == "--from" || args[i] == "--to") && has_value) {
      const std::string flag = args[i];
      const auto day = parse_day(args[++i]);
      if (!day) return usage_error(flag + " " + args[i] + " is not a date YYYY-MM-DD");
      if (flag != "--to") filter.from = day;
      if (flag != "--from") filter.to = day;
    } else if (args[i] == "--reason" && has_value) {
      filter.reason = recon::parse_reason(args[++i]);
      if (!filter.reason) {
        return usage_error(
            "--reason " + args[i] +
            " is not one of missing_in_settlement, unknown_in_ledger, amount_mismatch, fee_mismatch,"
            " duplicate_settlement, settled_after_refund, deposit_mismatch, late_settlement");
      }
    } else if (args[i] == "--format" && has_value && (args[i + 1] == "json" || args[i + 1] == "table")) {
      json = args[++i] == "json";
    } else {
      return usage_error("unexpected '" + args[i] + "'");
    }
  }
  const auto rows = recon::list_exceptions(connection, filter);
  if (json) {
    boost::json::array out;
    for (const auto& e : rows) out.push_back(exception_json(e));
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return 0;
  }
  if (rows.empty()) {
    std::printf("no %s exceptions\n", filter.status == "all" ? "" : filter.status.c_str());
    return 0;
  }
  std::printf("%-6s %-10s %-22s %-9s %-14s %-30s %12s %12s  %s\n", "ID", "DATE", "REASON", "STATUS",
              "PROCESSOR", "REFERENCE", "EXPECTED", "ACTUAL", "DETAIL");
  for (const auto& e : rows) {
    std::printf("%-6lld %-10s %-22s %-9s %-14s %-30s %12s %12s  %s\n", static_cast<long long>(e.id),
                e.business_date.c_str(), e.reason.c_str(), e.status.c_str(),
                e.processor_id.empty() ? "-" : e.processor_id.c_str(),
                e.reference.empty() ? "-" : e.reference.c_str(), optional_yen(e.expected_yen).c_str(),
                optional_yen(e.actual_yen).c_str(), e.detail.c_str());
    if (e.status == "resolved") {
      std::printf("       resolved %s by %s: %s\n", e.resolved_at.c_str(), e.resolved_by.c_str(),
                  e.resolution_note.c_str());
    }
  }
  return 0;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

int show(pqxx::connection& connection, std::int64_t id) {
  const auto e = recon::find_exception(connection, id);
  if (!e) {
    std::fprintf(stderr, "kessai recon exceptions show: no exception %lld\n", static_cast<long long>(id));
    return 1;
  }
  std::printf("%s\n", boost::json::serialize(exception_json(*e)).c_str());
  for (const auto& a : recon::exception_audit(connection, id)) {
    std::printf("  %s %-13s by %s%s%s\n", a.at.c_str(), a.action.c_str(), a.actor.c_str(),
                a.note.empty() ? "" : ": ", a.note.c_str());
  }
  return 0;
}

int resolve(pqxx::connection& connection, const std::vector<std::string>& args) {
  const auto id = parse_id(args[2]);
  if (!id) return usage_error("resolve needs the exception's number (see kessai recon exceptions list)");
  std::string note, by;
  for (std::size_t i = 3; i < args.size(); ++i) {
    if (args[i] == "--note" && i + 1 < args.size()) {
      note = args[++i];
    } else if (args[i] == "--by" && i + 1 < args.size()) {
      by = args[++i];
    } else {
      return usage_error("unexpected '" + args[i] + "'");
    }
  }
  if (by.empty()) {
    const char* user = std::getenv("USER");
    if (user == nullptr) user = std::getenv("LOGNAME");
    by = user != nullptr ? user : "";
  }
  if (by.empty()) return usage_error("who resolves it? give --by NAME");
  auto resolved = recon::resolve_exception(connection, *id, by, note);
  if (!resolved.ok()) {
    std::fprintf(stderr, "kessai recon exceptions resolve: %s\n", resolved.error().c_str());
    return 1;
  }
  std::printf("resolved exception %lld (%s) by %s: %s\n", static_cast<long long>(*id),
              resolved->reason.c_str(), by.c_str(), note.c_str());
  return 0;
}

}  // namespace

int recon_command(const std::vector<std::string>& args, const std::string& database_url) {
  const bool is_run = !args.empty() && args[0] == "run";
  const bool is_exceptions = args.size() >= 2 && args[0] == "exceptions" &&
                             (args[1] == "list" || (args[1] == "show" && args.size() == 3) ||
                              (args[1] == "resolve" && args.size() >= 3));
  if (!is_run && !is_exceptions) {
    std::fprintf(stderr, "usage: kessai recon ...\n%s", kReconUsage.data());
    return 2;
  }
  if (database_url.empty()) {
    std::fputs(
        "kessai: no database: set KESSAI_DATABASE_URL or pass --database-url (`ops/pg url` prints the "
        "embedded one)\n",
        stderr);
    return 2;
  }
  try {
    pqxx::connection connection(database_url);
    if (is_run) return run(connection, args);
    if (args[1] == "list") return list(connection, args);
    if (args[1] == "show") {
      const auto id = parse_id(args[2]);
      if (!id) return usage_error("show needs the exception's number");
      return show(connection, *id);
    }
    return resolve(connection, args);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai recon: %s\n", error.what());
    return 1;
  }
}

}  // namespace kessai::cli
