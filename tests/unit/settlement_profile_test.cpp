// The settlement file profiles (ops/config/settlement/*.toml) against the files the simulators write:
// each profile is read with toml++ and every key of it checked on a real file of its simulator (a sale
// and a refund), so a profile and its simulator's writer cannot drift apart. CSV files are split into
// fields and their columns found by header name or number; fixed-width files (the Pay-easy centre's) are
// cut at the profile's byte ranges, which must tile the data record exactly. The generic reader the
// nightly reconciliation uses is not this test: this is only its promise that the profiles are true.

#include <catch2/catch.hpp>

#include <fnmatch.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <date/date.h>
#include <toml++/toml.h>

#include "emoney_book.hpp"
#include "emoney_settlement.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "payeasy_book.hpp"
#include "payeasy_settlement.hpp"
#include "qr_book.hpp"
#include "qr_settlement.hpp"
#include "settlement_file.hpp"
#include "settlement_profile_check.hpp"

using namespace kessai;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};

// A data line's own record type, among its fields by our names.
constexpr const char* kRecordType = "(record type)";

const std::set<std::string> kTopKeys{"processor",    "format",    "file_glob",   "file_date",
                                     "encoding",     "bom",       "line_end",    "record_bytes",
                                     "header_lines", "time_zone", "amount_sign", "records",
                                     "columns",      "formats",   "kinds",       "trailer"};
const std::set<std::string> kColumnKeys{"reference",
                                        "processor_transaction_id",
                                        "merchant",
                                        "transacted_at",
                                        "date",
                                        "time",
                                        "kind",
                                        "amount",
                                        "fee",
                                        "net",
                                        "brand",
                                        "customer_number",
                                        "confirmation_number"};
// A trailer holds the count and signed totals, or counts and unsigned totals by kind.
const std::set<std::string> kSignedTrailerKeys{"prefix", "count_column", "amount_total_column",
                                               "fee_total_column", "net_total_column"};
const std::set<std::string> kByKindTrailerKeys{"prefix",
                                               "sale_count_column",
                                               "sale_amount_total_column",
                                               "refund_count_column",
                                               "refund_amount_total_column",
                                               "sale_fee_total_column"};

toml::table read_profile(const std::string& name) {
  return toml::parse_file(std::string(KESSAI_SOURCE_DIR) + "/ops/config/settlement/" + name + ".toml");
}

std::set<std::string> keys_of(const toml::table& table) {
  std::set<std::string> keys;
  for (const auto& [key, value] : table) keys.insert(std::string(key.str()));
  return keys;
}

std::string text_at(const toml::table& table, std::string_view key) {
  return table[key].value<std::string>().value_or("");
}

// One CSV line (its line end already cut) into fields, as RFC 4180 reads them.
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::int64_t whole_number(const std::string& text) {
  INFO("a whole number: '" << text << "'");
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  REQUIRE(error == std::errc{});
  REQUIRE(end == text.data() + text.size());
  return value;
}

// The 0-based index of a column the profile names (a header name) or numbers (1-based); nullopt when the
// header has no such column.
std::optional<std::size_t> column_of(const toml::node& node, const std::vector<std::string>& header) {
  if (const auto name = node.value<std::string>(); node.is_string() && name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == *name) return i;
    }
    return std::nullopt;
  }
  const auto number = node.value<std::int64_t>();
  if (!node.is_integer() || !number || *number < 1 || static_cast<std::size_t>(*number) > header.size()) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(*number - 1);
}

// A fixed-width field: 0-based first byte and length.
struct ByteRange {
  std::size_t first = 0;
  std::size_t length = 0;
};

// A fixed-width column, {start = 1-based byte, length = bytes}, within the record; nullopt otherwise.
std::optional<ByteRange> range_of(const toml::node& node, std::size_t record_bytes) {
  const toml::table* range = node.as_table();
  if (range == nullptr || keys_of(*range) != std::set<std::string>{"start", "length"}) return std::nullopt;
  const auto start = (*range)["start"].value<std::int64_t>();
  const auto length = (*range)["length"].value<std::int64_t>();
  if (!start || !length || *start < 1 || *length < 1 ||
      static_cast<std::size_t>(*start - 1 + *length) > record_bytes) {
    return std::nullopt;
  }
  return ByteRange{static_cast<std::size_t>(*start - 1), static_cast<std::size_t>(*length)};
}

// The file's text in UTF-8, without its BOM, as the profile says to read it.
std::string decoded(const toml::table& profile, const std::string& content) {
  const bool bom = content.starts_with(sim::kUtf8Bom);
  CHECK(profile["bom"].value<bool>() == bom);
  const std::string body = bom ? content.substr(sim::kUtf8Bom.size()) : content;
  const std::string encoding = text_at(profile, "encoding");
  if (encoding == "shift_jis") {
    // A Shift_JIS file is not UTF-8 (its header is Japanese), and it is read as CP932.
    CHECK_FALSE(runtime::shift_jis_to_utf8(body).value() == body);
    return runtime::shift_jis_to_utf8(body).value();
  }
  CHECK(encoding == "utf-8");
  return body;
}

std::vector<std::string> lines_of(const toml::table& profile, const std::string& text) {
  const std::string line_end = text_at(profile, "line_end") == "crlf" ? "\r\n" : "\n";
  REQUIRE((text_at(profile, "line_end") == "crlf" || text_at(profile, "line_end") == "lf"));
  REQUIRE(text.ends_with(line_end));
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find(line_end, start);
    lines.push_back(text.substr(start, end - start));
    CHECK(lines.back().find('\n') == std::string::npos);
    start = end + line_end.size();
  }
  return lines;
}

// A date and time as the profile's [formats] say, parsed with date::parse; its Japan calendar date.
std::optional<chrono::year_month_day> date_of_line(const toml::table& profile,
                                                   const testing::LineFields& fields) {
  const toml::table& formats = *profile["formats"].as_table();
  if (fields.contains("transacted_at")) {
    const std::string format = text_at(formats, "transacted_at");
    std::istringstream in(fields.at("transacted_at"));
    if (format.find("%Ez") != std::string::npos || format.find("%z") != std::string::npos) {
      date::sys_seconds instant;
      in >> date::parse(format, instant);
      if (in.fail() || in.peek() != EOF) return std::nullopt;
      return sim::tokyo_date_of(chrono::sys_seconds(instant.time_since_epoch()));
    }
    date::local_seconds local;
    in >> date::parse(format, local);
    if (in.fail() || in.peek() != EOF) return std::nullopt;
    return chrono::year_month_day(chrono::sys_days(date::floor<date::days>(local).time_since_epoch()));
  }
  date::year_month_day day{};
  std::istringstream date_in(fields.at("date"));
  date_in >> date::parse(text_at(formats, "date"), day);
  chrono::seconds time{};
  std::istringstream time_in(fields.at("time"));
  time_in >> date::parse(text_at(formats, "time"), time);
  if (date_in.fail() || date_in.peek() != EOF || time_in.fail() || time_in.peek() != EOF) return std::nullopt;
  if (time < chrono::seconds{0} || time >= chrono::hours{24}) return std::nullopt;
  return chrono::year_month_day(chrono::sys_days(date::sys_days(day).time_since_epoch()));
}

// The [columns] keys: each one of ours, the required ones there, a date and time in one column or two.
void check_column_keys(const toml::table& columns) {
  const std::set<std::string> keys = keys_of(columns);
  for (const std::string& key : keys) {
    INFO("[columns] " << key);
    CHECK(kColumnKeys.contains(key));
  }
  for (const char* required :
       {"reference", "processor_transaction_id", "merchant", "kind", "amount", "fee", "net"}) {
    INFO("[columns] " << required);
    CHECK(keys.contains(required));
  }
  CHECK(keys.contains("transacted_at") != (keys.contains("date") && keys.contains("time")));
}

// Where each of our fields is in the header; every column the profile names must exist.
std::map<std::string, std::size_t> mapped_columns(const toml::table& profile,
                                                  const std::vector<std::string>& header) {
  const toml::table* columns = profile["columns"].as_table();
  REQUIRE(columns != nullptr);
  check_column_keys(*columns);
  std::map<std::string, std::size_t> at;
  for (const auto& [key, node] : *columns) {
    INFO("[columns] " << key.str());
    const auto index = column_of(node, header);
    REQUIRE(index);
    at[std::string(key.str())] = *index;
  }
  return at;
}

struct Sums {
  std::size_t lines = 0;
  std::int64_t amount_yen = 0;  // signed, as the day's totals
  std::int64_t fee_yen = 0;
  std::int64_t net_yen = 0;
  std::int64_t sales = 0;  // by kind, unsigned
  std::int64_t sale_amount_yen = 0;
  std::int64_t sale_fee_yen = 0;
  std::int64_t refunds = 0;
  std::int64_t refund_amount_yen = 0;
};

// One data line: its record type, kind, signs, net = amount − fee, and its date; added to the sums.
void check_data_line(const toml::table& profile, const testing::LineFields& fields,
                     std::set<std::string>& kinds_seen, Sums& sums) {
  if (const toml::table* records = profile["records"].as_table()) {
    CHECK(fields.at(kRecordType) == text_at(*records, "data"));
  }
  const toml::table& kinds = *profile["kinds"].as_table();
  const std::string kind = fields.at("kind");
  REQUIRE((kind == text_at(kinds, "sale") || kind == text_at(kinds, "refund")));
  kinds_seen.insert(kind);
  const bool refund = kind == text_at(kinds, "refund");
  std::int64_t amount = whole_number(fields.at("amount"));
  std::int64_t fee = whole_number(fields.at("fee"));
  std::int64_t net = whole_number(fields.at("net"));
  if (text_at(profile, "amount_sign") == "by_kind") {
    CHECK((amount > 0 && fee >= 0 && net >= 0));
    (refund ? sums.refund_amount_yen : sums.sale_amount_yen) += amount;
    if (!refund) sums.sale_fee_yen += fee;
    if (refund) {
      amount = -amount;
      fee = -fee;
      net = -net;
    }
  } else {
    REQUIRE(text_at(profile, "amount_sign") == "signed");
    CHECK((refund ? amount < 0 : amount > 0));
    (refund ? sums.refund_amount_yen : sums.sale_amount_yen) += refund ? -amount : amount;
    if (!refund) sums.sale_fee_yen += fee;
  }
  CHECK(net == amount - fee);
  CHECK_FALSE(fields.at("reference").empty());
  CHECK_FALSE(fields.at("processor_transaction_id").empty());
  CHECK_FALSE(fields.at("merchant").empty());
  CHECK(date_of_line(profile, fields) == kApril1);
  ++sums.lines;
  ++(refund ? sums.refunds : sums.sales);
  sums.amount_yen += amount;
  sums.fee_yen += fee;
  sums.net_yen += net;
}

// The trailer's figures, each read by `number_at` from the field its key names.
template <class NumberAt>
void check_trailer(const toml::table& trailer, const NumberAt& number_at, const Sums& sums,
                   const sim::SettlementFile& file) {
  const std::set<std::string> keys = keys_of(trailer);
  if (keys == kSignedTrailerKeys) {
    CHECK(number_at("count_column") == static_cast<std::int64_t>(sums.lines));
    CHECK(number_at("amount_total_column") == sums.amount_yen);
    CHECK(number_at("fee_total_column") == sums.fee_yen);
    CHECK(number_at("net_total_column") == sums.net_yen);
    CHECK(number_at("amount_total_column") == file.totals.amount_yen);
    return;
  }
  REQUIRE(keys == kByKindTrailerKeys);
  CHECK(number_at("sale_count_column") == sums.sales);
  CHECK(number_at("sale_amount_total_column") == sums.sale_amount_yen);
  CHECK(number_at("refund_count_column") == sums.refunds);
  CHECK(number_at("refund_amount_total_column") == sums.refund_amount_yen);
  CHECK(number_at("sale_fee_total_column") == sums.sale_fee_yen);
  CHECK(number_at("sale_amount_total_column") - number_at("refund_amount_total_column") ==
        file.totals.amount_yen);
}

// A CSV file: the header line names the columns; a trailer, if any, is the last line.
std::vector<testing::LineFields> csv_data_lines(const toml::table& profile, const sim::SettlementFile& file,
                                                Sums& sums, std::set<std::string>& kinds_seen) {
  const std::vector<std::string> lines = lines_of(profile, decoded(profile, file.content));
  REQUIRE(profile["header_lines"].value<std::int64_t>() == 1);
  const std::vector<std::string> header = split_csv(lines[0]);
  const auto at = mapped_columns(profile, header);
  std::optional<std::size_t> type_at;
  if (const toml::table* records = profile["records"].as_table()) {
    CHECK(keys_of(*records) == std::set<std::string>{"type_column", "data"});
    const toml::node* type_column = records->get("type_column");
    REQUIRE(type_column != nullptr);
    type_at = column_of(*type_column, header);
    REQUIRE(type_at);
  }
  const toml::table* trailer = profile["trailer"].as_table();
  const std::size_t data_end = trailer != nullptr ? lines.size() - 1 : lines.size();
  REQUIRE(data_end >= 1);
  std::vector<testing::LineFields> data;
  for (std::size_t i = 1; i < data_end; ++i) {
    INFO("line " << i + 1 << ": " << lines[i]);
    const std::vector<std::string> fields = split_csv(lines[i]);
    REQUIRE(fields.size() == header.size());
    testing::LineFields named;
    for (const auto& [field, index] : at) named[field] = fields[index];
    if (type_at) named[kRecordType] = fields[*type_at];
    check_data_line(profile, named, kinds_seen, sums);
    data.push_back(std::move(named));
  }
  if (trailer != nullptr) {
    const std::vector<std::string> fields = split_csv(lines.back());
    CHECK(fields[0] == text_at(*trailer, "prefix"));
    check_trailer(
        *trailer,
        [&](const char* key) {
          const auto number = (*trailer)[key].value<std::int64_t>();
          REQUIRE(number);
          REQUIRE(*number >= 1);
          REQUIRE(static_cast<std::size_t>(*number) <= fields.size());
          return whole_number(fields[static_cast<std::size_t>(*number - 1)]);
        },
        sums, file);
  }
  return data;
}

// The bytes of a fixed-width field, in UTF-8, without the spaces a text field is padded with.
std::string field_text(const toml::table& profile, std::string_view record, ByteRange range) {
  std::string bytes(record.substr(range.first, range.length));
  if (text_at(profile, "encoding") == "shift_jis") {
    const auto utf8 = runtime::shift_jis_to_utf8(bytes);
    REQUIRE(utf8);  // a field never cuts a character in two
    bytes = utf8.value();
  }
  const std::size_t last = bytes.find_last_not_of(' ');
  return last == std::string::npos ? std::string() : bytes.substr(0, last + 1);
}

// The data record's fields: our names → byte ranges. With the record type they must cover every byte of
// the record once, so no byte is unaccounted for and no two fields overlap.
std::map<std::string, ByteRange> mapped_ranges(const toml::table& profile, ByteRange type_range,
                                               std::size_t record_bytes) {
  const toml::table* columns = profile["columns"].as_table();
  REQUIRE(columns != nullptr);
  check_column_keys(*columns);
  std::map<std::string, ByteRange> ranges;
  std::vector<int> owners(record_bytes, 0);
  for (std::size_t i = 0; i < type_range.length; ++i) ++owners[type_range.first + i];
  for (const auto& [key, node] : *columns) {
    INFO("[columns] " << key.str());
    const auto range = range_of(node, record_bytes);
    REQUIRE(range);
    ranges[std::string(key.str())] = *range;
    for (std::size_t i = 0; i < range->length; ++i) ++owners[range->first + i];
  }
  for (std::size_t i = 0; i < record_bytes; ++i) {
    INFO("byte " << i + 1 << " of the data record");
    CHECK(owners[i] == 1);
  }
  return ranges;
}

// A fixed-width file: records of record_bytes each, a header, data records, the trailer, the end record.
std::vector<testing::LineFields> fixed_data_lines(const toml::table& profile, const sim::SettlementFile& file,
                                                  Sums& sums, std::set<std::string>& kinds_seen) {
  CHECK(profile["bom"].value<bool>() == false);
  CHECK_FALSE(file.content.starts_with(sim::kUtf8Bom));
  CHECK(text_at(profile, "encoding") == "shift_jis");
  const auto record_bytes = profile["record_bytes"].value<std::int64_t>();
  REQUIRE(record_bytes);
  REQUIRE(*record_bytes > 0);
  const auto bytes = static_cast<std::size_t>(*record_bytes);
  // Shift_JIS never uses CR or LF inside a character, so the raw bytes split at the line ends.
  const std::vector<std::string> records = lines_of(profile, file.content);
  for (const std::string& record : records) {
    INFO("record: " << record);
    CHECK(record.size() == bytes);
  }
  const toml::table* kinds_of_records = profile["records"].as_table();
  const toml::table* trailer = profile["trailer"].as_table();
  REQUIRE(kinds_of_records != nullptr);
  REQUIRE(trailer != nullptr);
  CHECK(keys_of(*kinds_of_records) == std::set<std::string>{"type_column", "header", "data", "end"});
  const auto type_range = range_of(*kinds_of_records->get("type_column"), bytes);
  REQUIRE(type_range);
  const auto type_of = [&](const std::string& record) { return field_text(profile, record, *type_range); };
  REQUIRE(profile["header_lines"].value<std::int64_t>() == 1);
  REQUIRE(records.size() >= 3);
  CHECK(type_of(records.front()) == text_at(*kinds_of_records, "header"));
  CHECK(type_of(records.back()) == text_at(*kinds_of_records, "end"));
  CHECK(records.back().find_first_not_of(' ', type_range->length) == std::string::npos);
  const std::string& trailer_record = records[records.size() - 2];
  CHECK(type_of(trailer_record) == text_at(*trailer, "prefix"));

  const auto ranges = mapped_ranges(profile, *type_range, bytes);
  std::vector<testing::LineFields> data;
  for (std::size_t i = 1; i + 2 < records.size(); ++i) {
    INFO("record " << i + 1 << ": " << records[i]);
    testing::LineFields named;
    for (const auto& [field, range] : ranges) named[field] = field_text(profile, records[i], range);
    named[kRecordType] = type_of(records[i]);
    check_data_line(profile, named, kinds_seen, sums);
    data.push_back(std::move(named));
  }
  check_trailer(
      *trailer,
      [&](const char* key) {
        const toml::node* node = trailer->get(key);
        REQUIRE(node != nullptr);
        const auto range = range_of(*node, bytes);
        REQUIRE(range);
        return whole_number(field_text(profile, trailer_record, *range));
      },
      sums, file);
  return data;
}

}  // namespace

std::vector<testing::LineFields> kessai::testing::check_settlement_profile(const std::string& name,
                                                                           const sim::SettlementFile& file) {
  INFO("profile " << name << ", file " << file.name);
  const toml::table profile = read_profile(name);
  for (const std::string& key : keys_of(profile)) {
    INFO("key " << key);
    CHECK(kTopKeys.contains(key));
  }
  CHECK(text_at(profile, "processor") == name);
  CHECK(text_at(profile, "time_zone") == "Asia/Tokyo");
  CHECK(::fnmatch(text_at(profile, "file_glob").c_str(), file.name.c_str(), 0) == 0);
  CHECK(sim::format_date(kApril1, text_at(profile, "file_date").c_str()) == file.name);
  const toml::table* kinds = profile["kinds"].as_table();
  REQUIRE(kinds != nullptr);
  CHECK(keys_of(*kinds) == std::set<std::string>{"sale", "refund"});

  Sums sums;
  std::set<std::string> kinds_seen;
  const std::string format = text_at(profile, "format");
  REQUIRE((format == "csv" || format == "fixed"));
  CHECK((format == "fixed") == profile.contains("record_bytes"));
  auto data = format == "csv" ? csv_data_lines(profile, file, sums, kinds_seen)
                              : fixed_data_lines(profile, file, sums, kinds_seen);
  CHECK(kinds_seen.size() == 2);  // the test files hold a sale and a refund
  CHECK(sums.lines == file.lines);
  CHECK(sums.amount_yen == file.totals.amount_yen);
  CHECK(sums.fee_yen == file.totals.fee_yen);
  CHECK(sums.net_yen == file.totals.net_yen);
  return data;
}

TEST_CASE("the e-money centre's settlement profile reads the file the simulator writes", "[settlement]") {
  sim::emoney::CentreBook book(1, 0.0);
  const auto sale =
      book.pay({"pi_1", 3000, "nanaco", "0123456789ABCDEF", "施設001"}, "2024-04-01T00:30:00Z").payment;
  REQUIRE(book.refund({sale.id, "re_1", 1000}, "2024-04-01T01:00:00Z").outcome ==
          sim::emoney::RefundOutcome::done);
  book.pay({"pi_2", 1980, "id", "0123456789ABCDEF", "FAC002"}, "2024-04-01T02:00:00Z");
  const auto [payments, refunds] = book.records();
  const auto file =
      sim::emoney::settlement_file(payments, refunds, kApril1, sim::emoney::default_mdr_table());
  REQUIRE(file);
  testing::check_settlement_profile("emoney-centre", file.value());
}

TEST_CASE("the QR provider's settlement profile reads the file the simulator writes", "[settlement]") {
  sim::qr_provider::ProviderBook book(1, 0.0);
  const auto sale =
      book.pay({"pi_1", 3000, "281234567890125678", "FAC\"001\""}, "2024-04-01T00:30:00Z").payment;
  REQUIRE(book.refund({sale.id, "re_1", 1000}, "2024-04-01T01:00:00Z").outcome ==
          sim::qr_provider::RefundOutcome::done);
  book.pay({"pi_2", 1980, "291234567890125678", "FAC002"}, "2024-04-01T02:00:00Z");
  const auto [payments, refunds] = book.records();
  const auto file =
      sim::qr_provider::settlement_file(payments, refunds, kApril1, sim::qr_provider::default_mdr_table());
  REQUIRE(file);
  testing::check_settlement_profile("qr-provider", file.value());
}

TEST_CASE("the Pay-easy centre's fixed-width profile cuts the file the simulator writes at the right bytes",
          "[settlement]") {
  using sim::payeasy::PayAttempt;
  constexpr std::int64_t kApril1Jst = 1711897200;  // 2024-04-01T00:00:00+09:00
  sim::payeasy::CentreBook book("58091", 1, 0.0);
  const auto issue = [&](const std::string& reference, std::int64_t amount_yen) {
    const sim::payeasy::NumberTerms terms{
        reference, amount_yen, "PROC001", kApril1Jst + 7 * 86'400, "http://127.0.0.1:9/h", ""};
    const auto decision = book.issue(terms, kApril1Jst - 3600);
    REQUIRE(decision.outcome == sim::payeasy::IssueOutcome::issued);
    return decision.number;
  };
  const auto pay = [&](const sim::payeasy::Number& number, std::int64_t at_s) {
    const PayAttempt attempt{number.institution_number, number.customer_number, number.confirmation_number,
                             std::nullopt};
    REQUIRE(book.pay(attempt, at_s).outcome == sim::payeasy::PayOutcome::paid);
  };
  // kessai's longest id (pi_ and 24 characters), full-width text (two bytes each in Shift_JIS), a payment
  // below the flat fee, and a payment reversed the same day.
  const auto longest = issue("pi_" + std::string(24, 'x'), 3000);
  const auto wide = issue("pi_全角2", 1980);
  const auto small = issue("pi_3", 100);
  pay(longest, kApril1Jst + 1800);
  pay(wide, kApril1Jst + 9 * 3600);
  pay(small, kApril1Jst + 12 * 3600);
  REQUIRE(book.reverse(wide.id, kApril1Jst + 10 * 3600).outcome == sim::payeasy::ChangeOutcome::done);

  const auto numbers = book.all();
  const auto file = sim::payeasy::settlement_file(numbers, "58091", kApril1, 110);
  REQUIRE(file);
  const auto lines = testing::check_settlement_profile("payeasy-centre", file.value());
  REQUIRE(lines.size() == 4);
  // Every field read at the profile's bytes is the record's own.
  const std::vector<std::pair<std::string, std::string>> expected{
      {longest.id, "1"}, {wide.id, "1"}, {wide.id, "2"}, {small.id, "1"}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    INFO("data record " << i + 1);
    const auto number = book.by_id(line.at("processor_transaction_id"));
    REQUIRE(number);
    CHECK(number->id == expected[i].first);
    CHECK(line.at("kind") == expected[i].second);
    CHECK(line.at("reference") == number->reference);
    CHECK(line.at("merchant") == number->institution_number);
    CHECK(line.at("customer_number") == number->customer_number);
    CHECK(line.at("confirmation_number") == number->confirmation_number);
    const std::int64_t at_s = line.at("kind") == "1" ? *number->paid_at_s : *number->reversed_at_s;
    CHECK(line.at("transacted_at") ==
          sim::format_tokyo(chrono::sys_seconds(chrono::seconds(at_s)), "%Y%m%d%H%M%S"));
    CHECK(std::stoll(line.at("amount")) == number->amount_yen);
    CHECK(std::stoll(line.at("fee")) == std::min<std::int64_t>(110, number->amount_yen));
  }
}
