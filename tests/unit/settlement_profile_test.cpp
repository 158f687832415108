// The settlement file profiles (ops/config/settlement/*.toml) against the files the simulators write:
// each profile is read with toml++ and every key of it checked on a real file of its simulator (a sale
// and a refund), so a profile and its simulator's writer cannot drift apart. The generic reader the
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
#include "qr_book.hpp"
#include "qr_settlement.hpp"
#include "settlement_file.hpp"
#include "settlement_profile_check.hpp"

using namespace kessai;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};

const std::set<std::string> kTopKeys{"processor", "format",   "file_glob",    "file_date", "encoding",
                                     "bom",       "line_end", "header_lines", "time_zone", "amount_sign",
                                     "records",   "columns",  "formats",      "kinds",     "trailer"};
const std::set<std::string> kColumnKeys{"reference", "processor_transaction_id",
                                        "merchant",  "transacted_at",
                                        "date",      "time",
                                        "kind",      "amount",
                                        "fee",       "net",
                                        "brand"};
const std::set<std::string> kTrailerKeys{"prefix", "count_column", "amount_total_column", "fee_total_column",
                                         "net_total_column"};

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

// The file's text in UTF-8, without its BOM, as the profile says to read it.
std::string decoded(const toml::table& profile, const std::string& content) {
  const bool bom = content.starts_with(sim::kUtf8Bom);
  CHECK(profile["bom"].value<bool>() == bom);
  const std::string body = bom ? content.substr(sim::kUtf8Bom.size()) : content;
  const std::string encoding = text_at(profile, "encoding");
  if (encoding == "shift_jis") {
    // A Shift_JIS file is not UTF-8 (its header is Japanese), and it is read as CP932.
    CHECK_FALSE(sim::shift_jis_to_utf8(body).value() == body);
    return sim::shift_jis_to_utf8(body).value();
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
                                                   const std::vector<std::size_t>& at,
                                                   const std::vector<std::string>& fields) {
  const toml::table& formats = *profile["formats"].as_table();
  if (at.size() == 1) {
    const std::string format = text_at(formats, "transacted_at");
    std::istringstream in(fields[at[0]]);
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
  std::istringstream date_in(fields[at[0]]);
  date_in >> date::parse(text_at(formats, "date"), day);
  chrono::seconds time{};
  std::istringstream time_in(fields[at[1]]);
  time_in >> date::parse(text_at(formats, "time"), time);
  if (date_in.fail() || date_in.peek() != EOF || time_in.fail() || time_in.peek() != EOF) return std::nullopt;
  if (time < chrono::seconds{0} || time >= chrono::hours{24}) return std::nullopt;
  return chrono::year_month_day(chrono::sys_days(date::sys_days(day).time_since_epoch()));
}

// Where each of our fields is in the header; every column the profile names must exist.
std::map<std::string, std::size_t> mapped_columns(const toml::table& profile,
                                                  const std::vector<std::string>& header) {
  const toml::table* columns = profile["columns"].as_table();
  REQUIRE(columns != nullptr);
  std::map<std::string, std::size_t> at;
  for (const auto& [key, node] : *columns) {
    const std::string field(key.str());
    INFO("[columns] " << field);
    CHECK(kColumnKeys.contains(field));
    const auto index = column_of(node, header);
    REQUIRE(index);
    at[field] = *index;
  }
  for (const char* required :
       {"reference", "processor_transaction_id", "merchant", "kind", "amount", "fee", "net"}) {
    INFO("[columns] " << required);
    CHECK(at.contains(required));
  }
  // A date and time in one column, or in two.
  CHECK(at.contains("transacted_at") != (at.contains("date") && at.contains("time")));
  return at;
}

struct Sums {
  std::size_t lines = 0;
  std::int64_t amount_yen = 0;
  std::int64_t fee_yen = 0;
  std::int64_t net_yen = 0;
};

// One data line: its record type, kind, signs, net = amount − fee, and its date; added to the sums.
void check_data_line(const toml::table& profile, const std::map<std::string, std::size_t>& at,
                     const std::vector<std::string>& header, const std::vector<std::string>& fields,
                     std::set<std::string>& kinds_seen, Sums& sums) {
  REQUIRE(fields.size() == header.size());
  if (const toml::table* records = profile["records"].as_table()) {
    const toml::node* type_column = records->get("type_column");
    REQUIRE(type_column != nullptr);
    CHECK(keys_of(*records) == std::set<std::string>{"type_column", "data"});
    const auto type = column_of(*type_column, header);
    REQUIRE(type);
    CHECK(fields[*type] == text_at(*records, "data"));
  }
  const toml::table& kinds = *profile["kinds"].as_table();
  const std::string kind = fields[at.at("kind")];
  REQUIRE((kind == text_at(kinds, "sale") || kind == text_at(kinds, "refund")));
  kinds_seen.insert(kind);
  const bool refund = kind == text_at(kinds, "refund");
  std::int64_t amount = whole_number(fields[at.at("amount")]);
  std::int64_t fee = whole_number(fields[at.at("fee")]);
  std::int64_t net = whole_number(fields[at.at("net")]);
  if (text_at(profile, "amount_sign") == "by_kind") {
    CHECK((amount > 0 && fee >= 0 && net >= 0));
    if (refund) {
      amount = -amount;
      fee = -fee;
      net = -net;
    }
  } else {
    REQUIRE(text_at(profile, "amount_sign") == "signed");
    CHECK((refund ? amount < 0 : amount > 0));
  }
  CHECK(net == amount - fee);
  CHECK_FALSE(fields[at.at("reference")].empty());
  CHECK_FALSE(fields[at.at("processor_transaction_id")].empty());
  CHECK_FALSE(fields[at.at("merchant")].empty());
  const std::vector<std::size_t> time_columns = at.contains("transacted_at")
                                                    ? std::vector<std::size_t>{at.at("transacted_at")}
                                                    : std::vector<std::size_t>{at.at("date"), at.at("time")};
  CHECK(date_of_line(profile, time_columns, fields) == kApril1);
  ++sums.lines;
  sums.amount_yen += amount;
  sums.fee_yen += fee;
  sums.net_yen += net;
}

void check_trailer(const toml::table& trailer, const std::vector<std::string>& fields, const Sums& sums,
                   const sim::SettlementFile& file) {
  CHECK(keys_of(trailer) == kTrailerKeys);
  const auto field = [&](const char* key) {
    const auto number = trailer[key].value<std::int64_t>();
    REQUIRE(number);
    REQUIRE(*number >= 1);
    REQUIRE(static_cast<std::size_t>(*number) <= fields.size());
    return whole_number(fields[static_cast<std::size_t>(*number - 1)]);
  };
  CHECK(field("count_column") == static_cast<std::int64_t>(sums.lines));
  CHECK(field("amount_total_column") == sums.amount_yen);
  CHECK(field("fee_total_column") == sums.fee_yen);
  CHECK(field("net_total_column") == sums.net_yen);
  CHECK(field("amount_total_column") == file.totals.amount_yen);
}

}  // namespace

void kessai::testing::check_settlement_profile(const std::string& name, const sim::SettlementFile& file) {
  INFO("profile " << name << ", file " << file.name);
  const toml::table profile = read_profile(name);
  for (const std::string& key : keys_of(profile)) {
    INFO("key " << key);
    CHECK(kTopKeys.contains(key));
  }
  CHECK(text_at(profile, "processor") == name);
  CHECK(text_at(profile, "format") == "csv");
  CHECK(text_at(profile, "time_zone") == "Asia/Tokyo");
  CHECK(::fnmatch(text_at(profile, "file_glob").c_str(), file.name.c_str(), 0) == 0);
  CHECK(sim::format_date(kApril1, text_at(profile, "file_date").c_str()) == file.name);
  const toml::table* kinds = profile["kinds"].as_table();
  REQUIRE(kinds != nullptr);
  CHECK(keys_of(*kinds) == std::set<std::string>{"sale", "refund"});

  const std::vector<std::string> lines = lines_of(profile, decoded(profile, file.content));
  const auto header_lines = profile["header_lines"].value<std::int64_t>();
  REQUIRE(header_lines == 1);
  const std::vector<std::string> header = split_csv(lines[0]);
  const auto at = mapped_columns(profile, header);

  const toml::table* trailer = profile["trailer"].as_table();
  std::size_t data_end = lines.size();
  if (trailer != nullptr) {
    REQUIRE(lines.size() >= 2);
    CHECK(split_csv(lines.back())[0] == text_at(*trailer, "prefix"));
    --data_end;
  }
  Sums sums;
  std::set<std::string> kinds_seen;
  for (std::size_t i = 1; i < data_end; ++i) {
    INFO("line " << i + 1 << ": " << lines[i]);
    check_data_line(profile, at, header, split_csv(lines[i]), kinds_seen, sums);
  }
  CHECK(kinds_seen.size() == 2);  // the test files hold a sale and a refund
  CHECK(sums.lines == file.lines);
  CHECK(sums.amount_yen == file.totals.amount_yen);
  CHECK(sums.fee_yen == file.totals.fee_yen);
  CHECK(sums.net_yen == file.totals.net_yen);
  if (trailer != nullptr) check_trailer(*trailer, split_csv(lines.back()), sums, file);
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
