#include "report_commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

#include <pqxx/pqxx>

#include "kessai/ledger/journal.hpp"
#include "kessai/ledger/pg/pool.hpp"
#include "kessai/reports/finance.hpp"

namespace kessai::cli {

const std::string_view kReportUsage =
    "  report list                      the reports, one line each: name and what it shows\n"
    "  report NAME --date YYYY-MM-DD [--to YYYY-MM-DD] --format csv|xlsx|html --out FILE\n"
    "                                   a finance report of a business date (or of --date to --to, both\n"
    "                                   included, a year at most) written to FILE (through FILE.tmp,\n"
    "                                   renamed when complete); --out - writes csv or html to standard\n"
    "                                   output. NAME: takings, recon-summary, exceptions, cashless-status\n";

namespace {

using std::chrono::year_month_day;

// A fiscal year (4月–3月) at most: a report of more is a query for the database, not for finance staff.
constexpr std::chrono::days kPeriodDaysMax{366};

struct ReportArguments {
  std::string name{};
  reports::Period period{};
  std::string format{};
  std::string out{};
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "kessai report: %s\n", message.c_str());
  return 2;
}

std::string names_text() {
  std::string text;
  for (const std::string& name : reports::report_names()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string errno_text() {
  return std::strerror(errno);
}

// Parses `report NAME …`; prints what is wrong and returns nullopt when it does not fit.
std::optional<ReportArguments> parse(const std::vector<std::string>& args) {
  ReportArguments parsed{.name = args[0]};
  const auto& names = reports::report_names();
  if (std::find(names.begin(), names.end(), parsed.name) == names.end()) {
    usage_error("unknown report '" + parsed.name + "'; the reports are: " + names_text());
    return std::nullopt;
  }
  std::optional<year_month_day> from, to;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      usage_error(flag.starts_with("--") ? flag + " needs a value" : "unexpected '" + flag + "'");
      return std::nullopt;
    }
    const std::string& value = args[++i];
    if (flag == "--date" || flag == "--to") {
      const auto day = ledger::parse_date(value);
      if (!day) {
        usage_error(flag + " " + value + " is not a date YYYY-MM-DD");
        return std::nullopt;
      }
      (flag == "--date" ? from : to) = day;
    } else if (flag == "--format") {
      parsed.format = value;
    } else if (flag == "--out") {
      parsed.out = value;
    } else {
      usage_error("unexpected '" + flag + "'");
      return std::nullopt;
    }
  }
  if (!from) {
    usage_error("report " + parsed.name +
                " needs --date YYYY-MM-DD (the business date, or the first of a period)");
    return std::nullopt;
  }
  parsed.period = reports::Period{.from = *from, .to = to.value_or(*from)};
  const auto days = std::chrono::sys_days(parsed.period.to) - std::chrono::sys_days(parsed.period.from);
  if (days < std::chrono::days{0}) {
    usage_error("--to " + ledger::format_date(parsed.period.to) + " is before --date " +
                ledger::format_date(parsed.period.from));
    return std::nullopt;
  }
  if (days >= kPeriodDaysMax) {
    usage_error("a report covers " + std::to_string(kPeriodDaysMax.count()) + " days at most");
    return std::nullopt;
  }
  if (parsed.format != "csv" && parsed.format != "xlsx" && parsed.format != "html") {
    usage_error(parsed.format.empty()
                    ? "give --format csv, xlsx or html"
                    : "unknown format '" + parsed.format + "'; the formats are csv, xlsx, html");
    return std::nullopt;
  }
  if (parsed.out.empty()) {
    usage_error("give --out FILE (or --out - for standard output)");
    return std::nullopt;
  }
  if (parsed.out == "-" && parsed.format == "xlsx") {
    usage_error("an xlsx workbook needs a file: give --out FILE.xlsx");
    return std::nullopt;
  }
  return parsed;
}

std::string utc_now() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::hh_mm_ss time{now - day};
  char text[32];
  std::snprintf(text, sizeof text, "%sT%02d:%02d:%02dZ", ledger::format_date(year_month_day{day}).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

// Synced before the rename, so after a crash FILE is never a renamed but partial file.
Result<void, std::string> sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return fail("cannot open " + path + ": " + errno_text());
  const bool synced = ::fsync(fd) == 0;
  const std::string error = errno_text();
  ::close(fd);
  if (!synced) return fail("cannot sync " + path + ": " + error);
  return {};
}

Result<void, std::string> write_text(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return fail("cannot create " + path + ": " + errno_text());
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const std::string error = errno_text();
  if (std::fclose(file) != 0 || !written) return fail("cannot write " + path + ": " + error);
  return {};
}

// The report written to FILE.tmp, synced and renamed to FILE: FILE is whole or untouched.
Result<void, std::string> write_report(const reports::Report& report, const ReportArguments& arguments) {
  const std::string temporary = arguments.out + ".tmp";
  Result<void, std::string> written =
      arguments.format == "xlsx"
          ? reports::write_xlsx(report, temporary)
          : write_text(temporary, arguments.format == "csv" ? reports::render_csv(report)
                                                            : reports::render_html(report));
  if (written.ok()) written = sync_file(temporary);
  if (written.ok() && std::rename(temporary.c_str(), arguments.out.c_str()) != 0) {
    written = fail("cannot rename " + temporary + " to " + arguments.out + ": " + errno_text());
  }
  if (!written.ok()) std::remove(temporary.c_str());
  return written;
}

// Fails early, before the database is asked, when FILE.tmp cannot be created where FILE is to go.
Result<void, std::string> check_writable(const std::string& out) {
  const std::string temporary = out + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return fail("cannot create " + temporary + ": " + errno_text());
  std::fclose(file);
  std::remove(temporary.c_str());
  return {};
}

int run(pqxx::connection& connection, const ReportArguments& arguments) {
  std::optional<reports::Report> report = reports::load_report(connection, arguments.name, arguments.period);
  if (!report) return usage_error("unknown report '" + arguments.name + "'");  // parse() let it through
  report->generated_at = utc_now();
  if (arguments.out == "-") {
    const std::string text =
        arguments.format == "csv" ? reports::render_csv(*report) : reports::render_html(*report);
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
      std::fprintf(stderr, "kessai report: cannot write to standard output: %s\n", errno_text().c_str());
      return 1;
    }
    return 0;
  }
  const auto written = write_report(*report, arguments);
  if (!written.ok()) {
    std::fprintf(stderr, "kessai report: %s\n", written.error().c_str());
    return 1;
  }
  std::printf("wrote %s of %s (%s) to %s\n", arguments.name.c_str(), report->period.c_str(),
              arguments.format.c_str(), arguments.out.c_str());
  return 0;
}

}  // namespace

int report_command(const std::vector<std::string>& args, const std::string& database_url) {
  if (!args.empty() && args[0] == "list") {
    if (args.size() > 1) return usage_error("report list takes no arguments");
    for (const std::string& name : reports::report_names()) {
      std::printf("%-16s %s\n", name.c_str(), std::string(reports::report_description(name)).c_str());
    }
    return 0;
  }
  if (args.empty() || args[0].starts_with("-")) {
    std::fprintf(stderr, "usage: kessai report ...\n%s", kReportUsage.data());
    return 2;
  }
  const std::optional<ReportArguments> arguments = parse(args);
  if (!arguments) return 2;
  if (database_url.empty()) {
    std::fputs(
        "kessai: no database: set KESSAI_DATABASE_URL or pass --database-url (`ops/pg url` prints the "
        "embedded one)\n",
        stderr);
    return 2;
  }
  if (arguments->out != "-") {
    if (const auto writable = check_writable(arguments->out); !writable.ok()) {
      std::fprintf(stderr, "kessai report: %s\n", writable.error().c_str());
      return 1;
    }
  }
  try {
    pqxx::connection connection(database_url);
    return run(connection, *arguments);
  } catch (const pqxx::broken_connection& error) {
    std::fprintf(stderr, "kessai report: cannot connect to %s: %s\n",
                 ledger::pg::redact_url(database_url).c_str(), error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kessai report: %s\n", error.what());
    return 1;
  }
}

}  // namespace kessai::cli
