#include "kessai/reports/table.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>
#include <set>
#include <string_view>

#include "kessai/money.hpp"

namespace kessai::reports {

namespace {

// Excel's limits: rows per worksheet, characters per cell, characters in a worksheet's name.
constexpr std::size_t kWorksheetRowsMax = 1'048'576;
constexpr std::size_t kCellBytesMax = 32'767;
constexpr std::size_t kSheetNameCharactersMax = 31;
// Column widths in Excel's character units: wide enough for a date, never wider than a screen's half.
constexpr double kColumnWidthMin = 8;
constexpr double kColumnWidthMax = 60;

const std::int64_t* integer_of(const Cell& cell) {
  return std::get_if<std::int64_t>(&cell);
}
const std::string* text_of(const Cell& cell) {
  return std::get_if<std::string>(&cell);
}

// 1234 → "12.34%", -5 → "-0.05%": exact, from the integer.
std::string basis_points_text(std::int64_t basis_points) {
  const bool negative = basis_points < 0;
  // Widened so that the magnitude of INT64_MIN fits.
  const unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(basis_points)
                                                : static_cast<unsigned long long>(basis_points);
  const unsigned long long hundredths = magnitude % 100;
  return std::string(negative ? "-" : "") + std::to_string(magnitude / 100) + "." +
         (hundredths < 10 ? "0" : "") + std::to_string(hundredths) + "%";
}

// The cell as plain text, for CSV: integers without separators (Excel types them as numbers), basis
// points as a percentage.
std::string plain_text(const Column& column, const Cell& cell) {
  if (const std::string* text = text_of(cell)) return *text;
  const std::int64_t value = *integer_of(cell);
  if (column.kind == ColumnKind::basis_points) return basis_points_text(value);
  return std::to_string(value);
}

// The cell as people read it, for HTML: thousands separators, ¥ before yen.
std::string display_text(const Column& column, const Cell& cell) {
  if (const std::string* text = text_of(cell)) return *text;
  const std::int64_t value = *integer_of(cell);
  switch (column.kind) {
    case ColumnKind::count:
      return format_yen(Yen(value));  // the same grouping, no sign of currency
    case ColumnKind::yen:
      return value < 0 ? "-¥" + format_yen(Yen(value)).substr(1) : "¥" + format_yen(Yen(value));
    case ColumnKind::basis_points:
      return basis_points_text(value);
    case ColumnKind::text:
    case ColumnKind::date:
      break;
  }
  return std::to_string(value);
}

bool is_numeric(ColumnKind kind) {
  return kind == ColumnKind::count || kind == ColumnKind::yen || kind == ColumnKind::basis_points;
}

// --- CSV ---------------------------------------------------------------------------------------------

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. Text that a
// spreadsheet would run as a formula (= + - @ at the start) is prefixed with an apostrophe: settlement
// files and exception details carry text from outside the city.
std::string csv_field(const std::string& text, bool guard_formula) {
  std::string field = text;
  if (guard_formula && !field.empty() &&
      std::string_view("=+-@\t\r").find(field.front()) != std::string::npos) {
    field.insert(field.begin(), '\'');
  }
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

void csv_line(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += csv_field(fields[i], true);
  }
  out += "\r\n";
}

void csv_cells(std::string& out, const Table& table, const std::vector<Cell>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(',');
    const Column column = i < table.columns.size() ? table.columns[i] : Column{};
    // Only text may be guarded: a negative number must stay a number.
    out += csv_field(plain_text(column, cells[i]), text_of(cells[i]) != nullptr);
  }
  out += "\r\n";
}

// --- HTML --------------------------------------------------------------------------------------------

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

constexpr std::string_view kHtmlStyle =
    "body{font-family:\"Hiragino Sans\",\"Noto Sans CJK JP\",\"IPAGothic\",\"Yu Gothic\",Meiryo,sans-serif;"
    "margin:2em;color:#1a1a1a}"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .4em}"
    "p.period{margin:.2em 0;color:#444}ul.notes{margin:.6em 0;padding-left:1.2em}"
    "table{border-collapse:collapse;font-size:.92em}"
    "th,td{border:1px solid #bbb;padding:.25em .6em;vertical-align:top}"
    "thead th{background:#e8eef5;position:sticky;top:0}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "tr.totals td{font-weight:bold;background:#f3f3f3;border-top:2px solid #666}"
    "tbody tr:nth-child(even){background:#fafafa}td.none{color:#777;font-style:italic}"
    "@media print{thead th{position:static}}";

void html_row(std::string& out, const Table& table, const std::vector<Cell>& cells, std::string_view tr) {
  out += tr;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const Column column = i < table.columns.size() ? table.columns[i] : Column{};
    const bool number = integer_of(cells[i]) != nullptr && is_numeric(column.kind);
    out += number ? "<td class=\"num\">" : "<td>";
    out += html_escape(display_text(column, cells[i]));
    out += "</td>";
  }
  out += "</tr>\n";
}

// --- XLSX --------------------------------------------------------------------------------------------

// Width in Excel's character units: East Asian wide characters take two, half-width katakana one.
double display_width(const std::string& text) {
  double width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t code = lead < 0x80   ? lead
                    : lead < 0xE0 ? (lead & 0x1F)
                    : lead < 0xF0 ? (lead & 0x0F)
                                  : (lead & 0x07);
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    const bool halfwidth_kana = code >= 0xFF61 && code <= 0xFF9F;
    width += code >= 0x1100 && !halfwidth_kana ? 2 : 1;
    i += length;
  }
  return width;
}

// The first `bytes` bytes of text or fewer, never cutting a UTF-8 character.
std::string clip_utf8(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  std::size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// A worksheet name Excel accepts: no []:*?/\, no apostrophe at either end, 31 characters at most,
// unique in the workbook (Excel compares them ignoring case).
std::string sheet_name(const std::string& title, std::size_t index, std::set<std::string>& taken) {
  std::string name;
  for (char c : title) name.push_back(std::string_view("[]:*?/\\").find(c) == std::string::npos ? c : '_');
  while (!name.empty() && name.front() == '\'') name.erase(name.begin());
  while (!name.empty() && name.back() == '\'') name.pop_back();
  if (name.empty()) name = "Sheet" + std::to_string(index + 1);
  const auto fit = [](const std::string& text, std::size_t characters) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == characters)
        return text.substr(0, i);
    }
    return text;
  };
  const auto folded = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  std::string candidate = fit(name, kSheetNameCharactersMax);
  for (int n = 2; taken.count(folded(candidate)) > 0; ++n) {
    const std::string suffix = " (" + std::to_string(n) + ")";
    candidate = fit(name, kSheetNameCharactersMax - suffix.size()) + suffix;
  }
  taken.insert(folded(candidate));
  return candidate;
}

std::optional<lxw_datetime> iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0, month = 0, day = 0;
  const auto part = [&](std::size_t offset, std::size_t length, int& out) {
    const char* first = text.data() + offset;
    const auto [end, error] = std::from_chars(first, first + length, out);
    return error == std::errc{} && end == first + length;
  };
  if (!part(0, 4, year) || !part(5, 2, month) || !part(8, 2, day)) return std::nullopt;
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  return lxw_datetime{.year = year, .month = month, .day = day, .hour = 0, .min = 0, .sec = 0};
}

struct Formats {
  lxw_format* title = nullptr;
  lxw_format* bold = nullptr;
  lxw_format* heading = nullptr;
  lxw_format* count[2] = {};  // [0] a row, [1] the totals row
  lxw_format* yen[2] = {};
  lxw_format* percent[2] = {};
  lxw_format* date[2] = {};
  lxw_format* text[2] = {};
};

Formats make_formats(lxw_workbook* workbook) {
  Formats formats;
  formats.title = workbook_add_format(workbook);
  format_set_bold(formats.title);
  format_set_font_size(formats.title, 14);
  formats.bold = workbook_add_format(workbook);
  format_set_bold(formats.bold);
  formats.heading = workbook_add_format(workbook);
  format_set_bold(formats.heading);
  format_set_bg_color(formats.heading, 0xE8EEF5);
  format_set_bottom(formats.heading, LXW_BORDER_THIN);
  format_set_text_wrap(formats.heading);
  for (int totals = 0; totals < 2; ++totals) {
    const auto make = [&](const char* number_format) {
      lxw_format* format = workbook_add_format(workbook);
      if (number_format != nullptr) format_set_num_format(format, number_format);
      if (totals == 1) {
        format_set_bold(format);
        format_set_top(format, LXW_BORDER_THIN);
      }
      return format;
    };
    formats.count[totals] = make("#,##0");
    // The yen sign with Japanese's locale tag, as Excel itself writes a yen currency format; the
    // library takes the format string as UTF-8.
    formats.yen[totals] = make("[$¥-411]#,##0");
    formats.percent[totals] = make("0.00%");
    formats.date[totals] = make("yyyy-mm-dd");
    formats.text[totals] = make(nullptr);
  }
  return formats;
}

class SheetWriter {
 public:
  SheetWriter(lxw_worksheet* sheet, const Formats& formats) : sheet_(sheet), formats_(formats) {}

  void text(std::size_t row, std::size_t column, const std::string& value, lxw_format* format) {
    if (value.empty()) {
      if (format != nullptr) note(worksheet_write_blank(sheet_, r(row), c(column), format));
      return;
    }
    note(worksheet_write_string(sheet_, r(row), c(column), clip_utf8(value, kCellBytesMax).c_str(), format));
  }

  // Returns the cell's display width, for the column's.
  double cell(std::size_t row, std::size_t column, const Column& kind, const Cell& value, int totals) {
    if (const std::int64_t* integer = integer_of(value)) {
      // Excel holds every number as a double: exact for any yen amount below 2^53.
      const auto number = static_cast<double>(*integer);
      switch (kind.kind) {
        case ColumnKind::count:
          note(worksheet_write_number(sheet_, r(row), c(column), number, formats_.count[totals]));
          return display_width(format_yen(Yen(*integer)));
        case ColumnKind::yen:
          note(worksheet_write_number(sheet_, r(row), c(column), number, formats_.yen[totals]));
          return display_width(format_yen(Yen(*integer))) + 2;
        case ColumnKind::basis_points:
          note(worksheet_write_number(sheet_, r(row), c(column), number / 10'000, formats_.percent[totals]));
          return display_width(basis_points_text(*integer));
        case ColumnKind::text:
        case ColumnKind::date:
          note(worksheet_write_number(sheet_, r(row), c(column), number, formats_.text[totals]));
          return display_width(std::to_string(*integer));
      }
    }
    const std::string& string = *text_of(value);
    if (kind.kind == ColumnKind::date) {
      if (std::optional<lxw_datetime> date = iso_date(string)) {
        note(worksheet_write_datetime(sheet_, r(row), c(column), &*date, formats_.date[totals]));
        return 10;
      }
    }
    text(row, column, string, totals == 1 ? formats_.text[1] : nullptr);
    return display_width(string);
  }

  lxw_error error() const { return error_; }
  lxw_worksheet* sheet() const { return sheet_; }

  static lxw_row_t r(std::size_t row) { return static_cast<lxw_row_t>(row); }
  static lxw_col_t c(std::size_t column) { return static_cast<lxw_col_t>(column); }

 private:
  void note(lxw_error error) {
    if (error_ == LXW_NO_ERROR) error_ = error;
  }
  lxw_worksheet* sheet_;
  const Formats& formats_;
  lxw_error error_ = LXW_NO_ERROR;
};

// One table on its worksheet: the report's title, period and notes at the top, then the table with its
// heading frozen and filtered, and the totals row in bold.
Result<void, std::string> write_sheet(SheetWriter& out, const Report& report, const Table& table,
                                      const Formats& formats) {
  std::size_t row = 0;
  out.text(row++, 0, report.title, formats.title);
  out.text(row, 0, "期間 (period)", formats.bold);
  out.text(row++, 1, report.period, nullptr);
  if (!report.generated_at.empty()) {
    out.text(row, 0, "作成 (generated)", formats.bold);
    out.text(row++, 1, report.generated_at, nullptr);
  }
  for (const std::string& note : report.notes) out.text(row++, 0, note, nullptr);
  ++row;
  out.text(row++, 0, table.title, formats.bold);
  const std::size_t heading_row = row;
  if (heading_row + 2 + table.rows.size() > kWorksheetRowsMax) {
    return fail("the table '" + table.title + "' has " + std::to_string(table.rows.size()) +
                " rows, more than a worksheet holds (" + std::to_string(kWorksheetRowsMax) + ")");
  }
  std::vector<double> widths(table.columns.size(), kColumnWidthMin);
  for (std::size_t col = 0; col < table.columns.size(); ++col) {
    out.text(row, col, table.columns[col].heading, formats.heading);
    widths[col] = std::max(widths[col], display_width(table.columns[col].heading) + 2);
  }
  ++row;
  const auto write_row = [&](const std::vector<Cell>& cells, int totals) {
    for (std::size_t col = 0; col < cells.size(); ++col) {
      const Column column = col < table.columns.size() ? table.columns[col] : Column{};
      const double width = out.cell(row, col, column, cells[col], totals);
      if (col < widths.size()) widths[col] = std::max(widths[col], width + 1);
    }
    ++row;
  };
  for (const std::vector<Cell>& cells : table.rows) write_row(cells, 0);
  const std::size_t last_data_row = row - 1;
  if (!table.totals.empty()) write_row(table.totals, 1);

  if (!table.columns.empty()) {
    worksheet_freeze_panes(out.sheet(), SheetWriter::r(heading_row + 1), 0);
    worksheet_autofilter(out.sheet(), SheetWriter::r(heading_row), 0, SheetWriter::r(last_data_row),
                         SheetWriter::c(table.columns.size() - 1));
  }
  for (std::size_t col = 0; col < widths.size(); ++col) {
    worksheet_set_column(out.sheet(), SheetWriter::c(col), SheetWriter::c(col),
                         std::min(widths[col], kColumnWidthMax), nullptr);
  }
  if (out.error() != LXW_NO_ERROR) {
    return fail("cannot write the table '" + table.title + "': " + std::string(lxw_strerror(out.error())));
  }
  return {};
}

}  // namespace

std::string render_csv(const Report& report) {
  std::string out = "\xEF\xBB\xBF";  // the byte order mark: Excel then reads the file as UTF-8
  csv_line(out, {report.title});
  csv_line(out, {"期間 (period)", report.period});
  if (!report.generated_at.empty()) csv_line(out, {"作成 (generated)", report.generated_at});
  for (const std::string& note : report.notes) csv_line(out, {note});
  for (const Table& table : report.tables) {
    out += "\r\n";
    csv_line(out, {table.title});
    std::vector<std::string> headings;
    for (const Column& column : table.columns) headings.push_back(column.heading);
    csv_line(out, headings);
    for (const std::vector<Cell>& row : table.rows) csv_cells(out, table, row);
    if (!table.totals.empty()) csv_cells(out, table, table.totals);
  }
  return out;
}

std::string render_html(const Report& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      html_escape(report.title + " " + report.period) + "</title>\n<style>" + std::string(kHtmlStyle) +
      "</style>\n</head>\n<body>\n<h1>" + html_escape(report.title) +
      "</h1>\n<p class=\"period\">期間 (period): " + html_escape(report.period) + "</p>\n";
  if (!report.generated_at.empty()) {
    out += "<p class=\"period\">作成 (generated): " + html_escape(report.generated_at) + "</p>\n";
  }
  if (!report.notes.empty()) {
    out += "<ul class=\"notes\">\n";
    for (const std::string& note : report.notes) out += "<li>" + html_escape(note) + "</li>\n";
    out += "</ul>\n";
  }
  for (const Table& table : report.tables) {
    out += "<section>\n<h2>" + html_escape(table.title) + "</h2>\n<table>\n<thead><tr>";
    for (const Column& column : table.columns) out += "<th>" + html_escape(column.heading) + "</th>";
    out += "</tr></thead>\n<tbody>\n";
    for (const std::vector<Cell>& row : table.rows) html_row(out, table, row, "<tr>");
    if (table.rows.empty()) {
      out += "<tr><td class=\"none\" colspan=\"" +
             std::to_string(std::max<std::size_t>(1, table.columns.size())) +
             "\">該当なし (none)</td></tr>\n";
    }
    out += "</tbody>\n";
    if (!table.totals.empty()) {
      out += "<tfoot>\n";
      html_row(out, table, table.totals, "<tr class=\"totals\">");
      out += "</tfoot>\n";
    }
    out += "</table>\n</section>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

Result<void, std::string> write_xlsx(const Report& report, const std::string& path) {
  lxw_workbook* workbook = workbook_new(path.c_str());
  if (workbook == nullptr) return fail("cannot start the workbook " + path);
  std::string title = report.title;
  lxw_doc_properties properties{};
  properties.title = title.data();
  workbook_set_properties(workbook, &properties);
  const Formats formats = make_formats(workbook);
  std::set<std::string> taken;
  Result<void, std::string> written;
  for (std::size_t i = 0; i < report.tables.size() && written.ok(); ++i) {
    const std::string name = sheet_name(report.tables[i].title, i, taken);
    lxw_worksheet* sheet = workbook_add_worksheet(workbook, name.c_str());
    if (sheet == nullptr) {
      written = fail("cannot add the worksheet '" + name + "'");
      break;
    }
    SheetWriter writer(sheet, formats);
    written = write_sheet(writer, report, report.tables[i], formats);
  }
  if (report.tables.empty() && written.ok()) {
    // A workbook needs a worksheet: the title and notes alone.
    lxw_worksheet* sheet = workbook_add_worksheet(workbook, nullptr);
    SheetWriter writer(sheet, formats);
    written = write_sheet(writer, report, Table{}, formats);
  }
  // Closing writes the file (and frees the workbook), also after an error, so nothing leaks.
  const lxw_error closed = workbook_close(workbook);
  if (!written.ok()) {
    std::remove(path.c_str());
    return fail("cannot write " + path + ": " + written.error());
  }
  if (closed != LXW_NO_ERROR) return fail("cannot write " + path + ": " + std::string(lxw_strerror(closed)));
  return {};
}

}  // namespace kessai::reports
