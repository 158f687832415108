#pragma once
// A report as tables of typed cells, and its three renderings for finance staff: CSV that Excel opens
// as it is (UTF-8 with BOM, CRLF), an XLSX workbook (numbers typed, yen formatted, headers frozen), and a
// self-contained HTML page. Every finance report is built as a Report, so the three never disagree.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kessai/result.hpp"

namespace kessai::reports {

// How a column's values are written: text as it is; counts and yen as integers (yen with a thousands
// separator and ¥ where the format has number formats); percentages from basis points (1234 = 12.34 %).
enum class ColumnKind : std::uint8_t { text = 1, count = 2, yen = 3, basis_points = 4, date = 5 };

struct Column {
  std::string heading{};  // as finance staff read it, Japanese first: "施設 (facility)"
  ColumnKind kind = ColumnKind::text;
};

// Text or an integer, as the column's kind says.
using Cell = std::variant<std::string, std::int64_t>;

struct Table {
  std::string title{};  // also the worksheet's name in XLSX (31 characters at most there)
  std::vector<Column> columns{};
  std::vector<std::vector<Cell>> rows{};
  std::vector<Cell> totals{};  // empty: no totals row
};

struct Report {
  std::string name{};    // "takings", …
  std::string title{};   // "収納実績 (takings)"
  std::string period{};  // "2026-11-21" or "2026-11-01 – 2026-11-30"
  std::string generated_at{};
  std::vector<std::string> notes{};  // lines under the title: checks against the ledger, what a figure means
  std::vector<Table> tables{};
};

std::string render_csv(const Report& report);
std::string render_html(const Report& report);
// Text for HTML content or a quoted attribute: & < > " ' escaped.
std::string html_escape(std::string_view text);
// Writes the workbook to path (one worksheet per table); the error says what failed and where.
Result<void, std::string> write_xlsx(const Report& report, const std::string& path);

}  // namespace kessai::reports
