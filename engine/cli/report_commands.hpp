#pragma once
// `kessai report …`: the finance reports (kessai/reports/finance.hpp) of a business date or a period,
// written as CSV, XLSX or HTML for finance staff (会計課) and for ops/demo.

#include <string>
#include <string_view>
#include <vector>

namespace kessai::cli {

// The usage lines of the report commands, for kessai's help.
extern const std::string_view kReportUsage;

// args: the words after "report". Exit status: 0 written; 1 it could not run (database, the output
// file); 2 bad usage (an unknown report or format, a bad date, a period backwards or too long).
int report_command(const std::vector<std::string>& args, const std::string& database_url);

}  // namespace kessai::cli
