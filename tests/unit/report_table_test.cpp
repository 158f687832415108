// The three renderings of a report (kessai/reports/table.hpp): CSV byte for byte, HTML escaped and
// self-contained, and an XLSX workbook read back from its zip (through `unzip -p`) to see that numbers
// are numbers, yen has its format, the heading is frozen and Japanese text is intact.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "kessai/reports/table.hpp"

using namespace kessai;
using reports::Cell;
using reports::ColumnKind;

namespace {

reports::Report sample_report() {
  reports::Table table{.title = "収納実績 (takings)"};
  table.columns = {{"施設 (facility)", ColumnKind::text},
                   {"日付 (date)", ColumnKind::date},
                   {"件数 (payments)", ColumnKind::count},
                   {"純額 (net)", ColumnKind::yen},
                   {"構成比 (share)", ColumnKind::basis_points}};
  table.rows = {
      {std::string("中央体育館"), std::string("2026-11-20"), std::int64_t{1234}, std::int64_t{1234567},
       std::int64_t{1234}},
      {std::string("Hall, \"East\"\nwing"), std::string("2026-11-21"), std::int64_t{1}, std::int64_t{-400},
       std::int64_t{-5}},
      {std::string("=SUM(A1)"), std::string(""), std::int64_t{0}, std::int64_t{0}, std::int64_t{5}},
  };
  table.totals = {std::string("合計 (total)"), std::string(), std::int64_t{1235}, std::int64_t{1234167},
                  std::string()};
  return reports::Report{.name = "takings",
                         .title = "収納実績 (takings)",
                         .period = "2026-11-20 – 2026-11-21",
                         .generated_at = "2026-11-22T01:00:00Z",
                         .notes = {"純額合計 = 収益勘定 ¥1,234,167 — 一致, checked"},
                         .tables = {table}};
}

// A file removed when the test ends.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() /
              ("kessai-report-" + std::to_string(::getpid()) + "-" + name))
                 .string()) {}
  ~TempFile() { std::remove(path.c_str()); }
};

// One member of the zip file, through `unzip -p`.
std::string unzip_member(const std::string& zip, const std::string& member) {
  const std::string command = "unzip -p '" + zip + "' '" + member + "' 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  std::size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, read);
  const int status = ::pclose(pipe);
  INFO("unzip -p " << zip << " " << member << " (is unzip installed? ops/install-deps installs it)");
  REQUIRE(status == 0);
  return out;
}

// The <c> element holding <v>value</v>; empty when there is none.
std::string cell_with_value(const std::string& sheet, const std::string& value) {
  const std::size_t v = sheet.find("<v>" + value + "</v>");
  if (v == std::string::npos) return "";
  const std::size_t c = sheet.rfind("<c ", v);
  return sheet.substr(c, v - c);
}

}  // namespace

TEST_CASE("CSV: a byte order mark, CRLF, RFC 4180 quoting, plain integers and percentages") {
  const std::string csv = reports::render_csv(sample_report());
  const std::string expected =
      "\xEF\xBB\xBF"
      "収納実績 (takings)\r\n"
      "期間 (period),2026-11-20 – 2026-11-21\r\n"
      "作成 (generated),2026-11-22T01:00:00Z\r\n"
      "\"純額合計 = 収益勘定 ¥1,234,167 — 一致, checked\"\r\n"
      "\r\n"
      "収納実績 (takings)\r\n"
      "施設 (facility),日付 (date),件数 (payments),純額 (net),構成比 (share)\r\n"
      "中央体育館,2026-11-20,1234,1234567,12.34%\r\n"
      "\"Hall, \"\"East\"\"\nwing\",2026-11-21,1,-400,-0.05%\r\n"
      "'=SUM(A1),,0,0,0.05%\r\n"
      "合計 (total),,1235,1234167,\r\n";
  CHECK(csv == expected);
  CHECK(csv.starts_with("\xEF\xBB\xBF"));
}

TEST_CASE("CSV: tables are separated by a blank line, a report without tables is its head alone") {
  reports::Report report = sample_report();
  report.tables.push_back(reports::Table{.title = "手段別 (by means)",
                                         .columns = {{"手段 (means)", ColumnKind::text}},
                                         .rows = {{std::string("card")}}});
  const std::string csv = reports::render_csv(report);
  CHECK_THAT(csv, Catch::Contains(
                      "合計 (total),,1235,1234167,\r\n\r\n手段別 (by means)\r\n手段 (means)\r\ncard\r\n"));
  report.tables.clear();
  report.notes.clear();
  report.generated_at.clear();
  CHECK(reports::render_csv(report) ==
        "\xEF\xBB\xBF収納実績 (takings)\r\n期間 (period),2026-11-20 – 2026-11-21\r\n");
}

TEST_CASE("HTML: one self-contained page, everything escaped, numbers grouped and right-aligned") {
  reports::Report report = sample_report();
  report.notes.push_back("<script>alert('x')</script> & \"quoted\"");
  const std::string html = reports::render_html(report);
  CHECK(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
  CHECK_THAT(html, Catch::Contains("<meta charset=\"utf-8\">"));
  CHECK_THAT(html,
             Catch::Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
  CHECK_THAT(html, !Catch::Contains("<script>"));
  CHECK_THAT(html, Catch::Contains("Hall, &quot;East&quot;\nwing"));
  CHECK_THAT(html, Catch::Contains("<td class=\"num\">¥1,234,567</td>"));
  CHECK_THAT(html, Catch::Contains("<td class=\"num\">-¥400</td>"));
  CHECK_THAT(html, Catch::Contains("<td class=\"num\">1,234</td>"));
  CHECK_THAT(html, Catch::Contains("<td class=\"num\">12.34%</td>"));
  CHECK_THAT(html, Catch::Contains("<tr class=\"totals\"><td>合計 (total)</td>"));
  CHECK_THAT(html, Catch::Contains("中央体育館"));
  CHECK_THAT(html, Catch::Contains("<style>"));
  // Nothing is fetched from elsewhere.
  CHECK_THAT(html, !Catch::Contains("src="));
  CHECK_THAT(html, !Catch::Contains("href="));
  CHECK_THAT(html, !Catch::Contains("@import"));

  report.tables[0].rows.clear();
  CHECK_THAT(reports::render_html(report), Catch::Contains("該当なし (none)"));
}

TEST_CASE("XLSX: numbers typed, yen formatted, heading frozen and filtered, Japanese intact") {
  TempFile file("takings.xlsx");
  const auto written = reports::write_xlsx(sample_report(), file.path);
  INFO((written.ok() ? std::string() : written.error()));
  REQUIRE(written.ok());

  const std::string sheet = unzip_member(file.path, "xl/worksheets/sheet1.xml");
  const std::string yen_cell = cell_with_value(sheet, "1234567");
  REQUIRE_FALSE(yen_cell.empty());
  CHECK_THAT(yen_cell, !Catch::Contains("t=\"s\""));  // a number, not a shared string
  CHECK_FALSE(cell_with_value(sheet, "-400").empty());
  CHECK_FALSE(cell_with_value(sheet, "0.1234").empty());  // 1234 basis points as 12.34 %
  CHECK_THAT(sheet, Catch::Contains("state=\"frozen\""));
  CHECK_THAT(sheet, Catch::Contains("<autoFilter"));
  CHECK_THAT(sheet, Catch::Contains("<col "));

  // The yen cell's style is the yen number format.
  const std::string styles = unzip_member(file.path, "xl/styles.xml");
  CHECK_THAT(styles, Catch::Contains("formatCode=\"[$¥-411]#,##0\""));
  CHECK_THAT(styles, Catch::Contains("formatCode=\"0.00%\""));
  std::smatch style;
  REQUIRE(std::regex_search(yen_cell, style, std::regex("s=\"([0-9]+)\"")));
  std::smatch yen_format;
  REQUIRE(std::regex_search(styles, yen_format,
                            std::regex("<numFmt numFmtId=\"([0-9]+)\" formatCode=\"\\[\\$¥-411\\]")));
  const std::size_t cell_xfs = styles.find("<cellXfs");
  REQUIRE(cell_xfs != std::string::npos);
  const std::string rest = styles.substr(cell_xfs);
  const std::regex xf("<xf [^>]*numFmtId=\"([0-9]+)\"");
  std::vector<std::string> xfs;
  for (std::sregex_iterator it(rest.begin(), rest.end(), xf), end; it != end; ++it) {
    xfs.push_back((*it)[1]);
  }
  const std::size_t index = std::stoul(style[1]);
  REQUIRE(index < xfs.size());
  CHECK(xfs[index] == yen_format[1].str());

  const std::string strings = unzip_member(file.path, "xl/sharedStrings.xml");
  CHECK_THAT(strings, Catch::Contains("中央体育館"));
  CHECK_THAT(strings, Catch::Contains("収納実績 (takings)"));
  CHECK_THAT(strings, Catch::Contains("純額合計 = 収益勘定 ¥1,234,167"));
  CHECK_THAT(unzip_member(file.path, "xl/workbook.xml"), Catch::Contains("name=\"収納実績 (takings)\""));
}

TEST_CASE("XLSX: worksheet names Excel accepts, one sheet per table") {
  reports::Report report = sample_report();
  reports::Table odd = report.tables[0];
  odd.title = "a/b:c*d?e[f]g\\h";
  reports::Table twin = report.tables[0];
  reports::Table long_title = report.tables[0];
  long_title.title = "照合結果 (reconciliation summary per processor)";
  report.tables = {report.tables[0], twin, odd, long_title, long_title};
  TempFile file("names.xlsx");
  REQUIRE(reports::write_xlsx(report, file.path).ok());
  const std::string workbook = unzip_member(file.path, "xl/workbook.xml");
  CHECK_THAT(workbook, Catch::Contains("name=\"収納実績 (takings)\""));
  CHECK_THAT(workbook, Catch::Contains("name=\"収納実績 (takings) (2)\""));
  CHECK_THAT(workbook, Catch::Contains("name=\"a_b_c_d_e_f_g_h\""));
  CHECK_THAT(workbook, Catch::Contains("name=\"照合結果 (reconciliation summary pe\""));  // 31 characters
  CHECK_THAT(workbook, Catch::Contains("name=\"照合結果 (reconciliation summar (2)\""));
  CHECK_FALSE(unzip_member(file.path, "xl/worksheets/sheet5.xml").empty());
}

TEST_CASE("XLSX: a file that cannot be created is an error naming the path") {
  const std::string path = "/nonexistent-kessai-folder/takings.xlsx";
  const auto written = reports::write_xlsx(sample_report(), path);
  REQUIRE_FALSE(written.ok());
  CHECK_THAT(written.error(), Catch::Contains(path));
  CHECK_FALSE(std::filesystem::exists(path));
}
