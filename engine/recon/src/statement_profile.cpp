#include "kessai/recon/statement_profile.hpp"

#include "toml_file.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include <date/tz.h>
#include <toml++/toml.h>

namespace kessai::recon {

std::string kind_name(LineKind kind) {
  switch (kind) {
    case LineKind::sale:
      return "sale";
    case LineKind::refund:
      return "refund";
    case LineKind::deposit:
      return "deposit";
    case LineKind::withdrawal:
      return "withdrawal";
  }
  return "";
}

namespace {

using Error = std::string;
namespace chrono = std::chrono;

// Limits on what a profile may say, so a typo cannot make the reader allocate or loop without end.
constexpr std::int64_t kRecordBytesMax = 4096;
constexpr std::int64_t kHeaderLinesMax = 100;
constexpr std::int64_t kColumnNumberMax = 1000;

constexpr std::array<std::string_view, kFieldCount> kFieldKeys{"reference",
                                                               "processor_transaction_id",
                                                               "merchant",
                                                               "transacted_at",
                                                               "date",
                                                               "time",
                                                               "value_date",
                                                               "kind",
                                                               "amount",
                                                               "fee",
                                                               "net",
                                                               "brand",
                                                               "customer_number",
                                                               "confirmation_number",
                                                               "transaction_type",
                                                               "payer_code",
                                                               "payer_name",
                                                               "description"};

// The fields each content may have, and must.
const std::set<Field> kSettlementFields{Field::reference,
                                        Field::processor_transaction_id,
                                        Field::merchant,
                                        Field::transacted_at,
                                        Field::date,
                                        Field::time,
                                        Field::kind,
                                        Field::amount,
                                        Field::fee,
                                        Field::net,
                                        Field::brand,
                                        Field::customer_number,
                                        Field::confirmation_number};
const std::set<Field> kSettlementRequired{Field::reference, Field::processor_transaction_id,
                                          Field::merchant,  Field::kind,
                                          Field::amount,    Field::fee,
                                          Field::net};
const std::set<Field> kBankFields{Field::reference,  Field::date,       Field::value_date,
                                  Field::kind,       Field::amount,     Field::transaction_type,
                                  Field::payer_code, Field::payer_name, Field::description};
const std::set<Field> kBankRequired{Field::reference, Field::date, Field::value_date, Field::kind,
                                    Field::amount};

bool is_date_field(Field field) {
  return field == Field::transacted_at || field == Field::date || field == Field::time ||
         field == Field::value_date;
}

std::string list_of(const std::set<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

std::optional<Error> reject_unknown_keys(const toml::table& table, const std::set<std::string>& known,
                                         const std::string& where) {
  for (const auto& [key, value] : table) {
    if (!known.contains(std::string(key.str()))) {
      return where + "unknown key '" + std::string(key.str()) + "' (known: " + list_of(known) + ")";
    }
  }
  return std::nullopt;
}

// Reads the profile's TOML table into a StatementProfile, key by key; each step's error names the key.
class ProfileReader {
 public:
  ProfileReader(const toml::table& root, StatementProfile& profile) : root_(root), profile_(profile) {}

  std::optional<Error> read() {
    if (auto e = reject_unknown_keys(
            root_,
            {"processor", "content", "format", "file_glob", "file_date", "encoding", "bom", "line_end",
             "record_bytes", "header_lines", "time_zone", "amount_sign", "records", "header", "columns",
             "formats", "kinds", "trailer", "balance_sign"},
            "")) {
      return e;
    }
    for (auto step :
         {&ProfileReader::read_top, &ProfileReader::read_layout, &ProfileReader::read_records,
          &ProfileReader::read_columns, &ProfileReader::read_kinds, &ProfileReader::read_header,
          &ProfileReader::read_formats, &ProfileReader::read_trailer, &ProfileReader::read_balance_sign}) {
      if (auto e = (this->*step)()) return e;
    }
    return std::nullopt;
  }

 private:
  std::optional<Error> text(const toml::table& table, std::string_view key, const std::string& where,
                            bool required, std::string& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return required ? std::optional(where + std::string(key) + ": missing") : std::nullopt;
    }
    if (!node->is_string() || node->value<std::string>()->empty()) {
      return where + std::string(key) + ": must be a non-empty string";
    }
    out = *node->value<std::string>();
    return std::nullopt;
  }

  // One of `choices`, returned as its index in them.
  std::optional<Error> choice(std::string_view key, const std::vector<std::string>& choices, bool required,
                              std::size_t& index) {
    std::string value;
    if (auto e = text(root_, key, "", required, value)) return e;
    if (value.empty()) return std::nullopt;
    const auto found = std::find(choices.begin(), choices.end(), value);
    if (found == choices.end()) {
      return std::string(key) + ": '" + value + "' is not one of " +
             list_of(std::set<std::string>(choices.begin(), choices.end()));
    }
    index = static_cast<std::size_t>(found - choices.begin());
    return std::nullopt;
  }

  std::optional<Error> count(std::string_view key, std::int64_t min, std::int64_t max, std::uint32_t& out) {
    const toml::node* node = root_.get(key);
    if (node == nullptr) return std::nullopt;
    const std::optional<std::int64_t> value = node->value<std::int64_t>();
    if (!node->is_integer() || !value || *value < min || *value > max) {
      return std::string(key) + ": must be an integer from " + std::to_string(min) + " to " +
             std::to_string(max);
    }
    out = static_cast<std::uint32_t>(*value);
    return std::nullopt;
  }

  std::optional<Error> read_top() {
    std::size_t content = 0;
    if (auto e = choice("content", {"settlement", "bank_statement"}, false, content)) return e;
    profile_.content = content == 0 ? FileContent::settlement : FileContent::bank_statement;
    if (root_.contains("processor")) {
      if (auto e = text(root_, "processor", "", true, profile_.processor)) return e;
    }
    if (auto e = text(root_, "file_glob", "", true, profile_.file_glob)) return e;
    if (auto e = text(root_, "file_date", "", true, profile_.file_date)) return e;
    if (auto e = check_file_date()) return e;
    if (auto e = text(root_, "time_zone", "", true, profile_.time_zone)) return e;
    try {
      date::locate_zone(profile_.time_zone);
    } catch (const std::exception& error) {
      return "time_zone: unknown time zone '" + profile_.time_zone + "': " + error.what();
    }
    std::size_t sign = 0;
    if (auto e = choice("amount_sign", {"signed", "by_kind"}, true, sign)) return e;
    profile_.amount_sign = sign == 0 ? AmountSign::in_file : AmountSign::by_kind;
    return std::nullopt;
  }

  // file_date holds %Y, %m and %d once each and nothing else to fill in, and the names it makes match
  // file_glob (else a file would be found and its date never read).
  std::optional<Error> check_file_date() {
    std::map<char, int> seen;
    const std::string& pattern = profile_.file_date;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] != '%') continue;
      if (i + 1 == pattern.size()) return "file_date: ends with a lone '%'";
      const char spec = pattern[++i];
      if (spec != 'Y' && spec != 'm' && spec != 'd' && spec != '%') {
        return "file_date: may use %Y, %m, %d (and %% for '%'), not %" + std::string(1, spec);
      }
      ++seen[spec];
    }
    if (seen['Y'] != 1 || seen['m'] != 1 || seen['d'] != 1) {
      return "file_date: must hold %Y, %m and %d once each";
    }
    std::string sample;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] != '%') {
        sample += pattern[i];
        continue;
      }
      const char spec = pattern[++i];
      sample += spec == 'Y' ? "2024" : spec == 'm' ? "04" : spec == 'd' ? "01" : "%";
    }
    if (!profile_matches(profile_, sample)) {
      return "file_date: its names (" + sample + ") do not match file_glob '" + profile_.file_glob + "'";
    }
    return std::nullopt;
  }

  std::optional<Error> read_layout() {
    std::size_t format = 0;
    if (auto e = choice("format", {"csv", "fixed"}, true, format)) return e;
    profile_.format = format == 0 ? FileFormat::csv : FileFormat::fixed;
    std::size_t encoding = 0;
    if (auto e = choice("encoding", {"utf-8", "shift_jis"}, true, encoding)) return e;
    profile_.encoding = encoding == 0 ? TextEncoding::utf8 : TextEncoding::shift_jis;
    std::size_t line_end = 0;
    if (auto e = choice("line_end", {"crlf", "lf"}, true, line_end)) return e;
    profile_.line_end = line_end == 0 ? LineEnd::crlf : LineEnd::lf;
    if (const toml::node* bom = root_.get("bom")) {
      if (!bom->is_boolean()) return "bom: must be true or false";
      profile_.bom = *bom->value<bool>();
    }
    if (profile_.bom && profile_.encoding != TextEncoding::utf8) return "bom: only a UTF-8 file has one";
    if (auto e = count("header_lines", 0, kHeaderLinesMax, profile_.header_lines)) return e;
    if (profile_.format == FileFormat::fixed) {
      if (!root_.contains("record_bytes")) return "record_bytes: missing (a fixed-width file needs it)";
      if (auto e = count("record_bytes", 1, kRecordBytesMax, profile_.record_bytes)) return e;
    } else if (root_.contains("record_bytes")) {
      return "record_bytes: only for format = \"fixed\"";
    }
    return std::nullopt;
  }

  // A column: in a CSV file a header name or a 1-based number (`numbered_only`: a number, as in the
  // trailer, which has no names); in a fixed-width file {start = …, length = …} within the record.
  std::optional<Error> column(const toml::node& node, const std::string& where, bool numbered_only,
                              Column& out) {
    out.present = true;
    if (profile_.format == FileFormat::csv) {
      if (node.is_string() && !numbered_only && !node.value<std::string>()->empty()) {
        out.name = *node.value<std::string>();
        return std::nullopt;
      }
      const std::optional<std::int64_t> number = node.value<std::int64_t>();
      if (!node.is_integer() || !number || *number < 1 || *number > kColumnNumberMax) {
        return where + (numbered_only ? ": must be a 1-based field number"
                                      : ": must be a column name or a 1-based column number");
      }
      out.number = static_cast<std::uint32_t>(*number);
      return std::nullopt;
    }
    const toml::table* range = node.as_table();
    if (range == nullptr || range->size() != 2) return where + ": " + range_shape();
    return byte_range(*range, where, out);
  }

  std::string range_shape() const {
    return "must be {start = <1-based byte>, length = <bytes>} within the " +
           std::to_string(profile_.record_bytes) + "-byte record";
  }

  // The start and length keys of `table`, within the record.
  std::optional<Error> byte_range(const toml::table& table, const std::string& where, Column& out) {
    const toml::node* start_node = table.get("start");
    const toml::node* length_node = table.get("length");
    if (start_node == nullptr || length_node == nullptr || !start_node->is_integer() ||
        !length_node->is_integer()) {
      return where + ": " + range_shape();
    }
    const std::int64_t start = *start_node->value<std::int64_t>();
    const std::int64_t length = *length_node->value<std::int64_t>();
    if (start < 1 || length < 1 || start - 1 + length > profile_.record_bytes)
      return where + ": " + range_shape();
    out.present = true;
    out.start_byte = static_cast<std::uint32_t>(start);
    out.length_bytes = static_cast<std::uint32_t>(length);
    return std::nullopt;
  }

  const toml::table* sub_table(std::string_view key, Error& error) {
    const toml::node* node = root_.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) error = "[" + std::string(key) + "]: must be a table";
    return node->as_table();
  }

  std::optional<Error> read_records() {
    Error error;
    const toml::table* records = sub_table("records", error);
    if (!error.empty()) return error;
    if (records == nullptr) {
      if (profile_.format == FileFormat::fixed) return "[records]: missing (a fixed-width file needs it)";
      return std::nullopt;
    }
    const std::string where = "[records] ";
    if (auto e = reject_unknown_keys(*records, {"type_column", "data", "header", "end"}, where)) return e;
    const toml::node* type_column = records->get("type_column");
    if (type_column == nullptr) return where + "type_column: missing";
    if (auto e = column(*type_column, where + "type_column", false, profile_.type_column)) return e;
    if (!profile_.type_column.name.empty() && profile_.header_lines == 0) {
      return where + "type_column: a column named in a file without a header line (header_lines = 0)";
    }
    if (auto e = text(*records, "data", where, true, profile_.data_type)) return e;
    if (auto e = text(*records, "header", where, false, profile_.header_type)) return e;
    if (!profile_.header_type.empty() && profile_.format == FileFormat::csv) {
      return where + "header: only for a fixed-width file (a CSV file's header line holds column names)";
    }
    if (auto e = text(*records, "end", where, false, profile_.end_type)) return e;
    return std::nullopt;
  }

  std::optional<Error> read_columns() {
    Error error;
    const toml::table* columns = sub_table("columns", error);
    if (!error.empty()) return error;
    if (columns == nullptr) return "[columns]: missing";
    const bool bank = profile_.content == FileContent::bank_statement;
    const std::set<Field>& allowed = bank ? kBankFields : kSettlementFields;
    const std::set<Field>& required = bank ? kBankRequired : kSettlementRequired;
    std::set<std::string> known;
    for (const Field field : allowed) known.insert(std::string(field_key(field)));
    if (auto e = reject_unknown_keys(*columns, known, "[columns] ")) return e;
    for (const Field field : allowed) {
      const toml::node* node = columns->get(field_key(field));
      if (node == nullptr) continue;
      Column& out = profile_.columns[static_cast<std::size_t>(field)];
      if (auto e = column(*node, "[columns] " + std::string(field_key(field)), false, out)) return e;
      if (!out.name.empty() && profile_.header_lines == 0) {
        return "[columns] " + std::string(field_key(field)) +
               ": a column named in a file without a header line (header_lines = 0)";
      }
    }
    for (const Field field : required) {
      if (!profile_.column(field).present) return "[columns] " + std::string(field_key(field)) + ": missing";
    }
    if (!bank) {
      const bool one = profile_.column(Field::transacted_at).present;
      const bool two = profile_.column(Field::date).present && profile_.column(Field::time).present;
      const bool some = profile_.column(Field::date).present || profile_.column(Field::time).present;
      if (one == some || (some && !two)) {
        return "[columns]: give transacted_at, or date and time (one of the two)";
      }
    }
    return std::nullopt;
  }

  // [formats] <key>: a date::parse pattern, or "wareki_yymmdd" where only a date is written.
  std::optional<Error> date_format(const toml::table& formats, std::string_view key, bool date_only,
                                   Column& out) {
    std::string value;
    if (auto e = text(formats, key, "[formats] ", true, value)) return e;
    if (value == "wareki_yymmdd") {
      if (!date_only) return "[formats] " + std::string(key) + ": wareki_yymmdd is a date only";
      out.date_style = DateStyle::wareki_yymmdd;
      return std::nullopt;
    }
    if (value.find('%') == std::string::npos) {
      return "[formats] " + std::string(key) + ": '" + value +
             "' is neither a date::parse pattern (%Y, %m, …) nor wareki_yymmdd";
    }
    out.date_style = DateStyle::pattern;
    out.date_pattern = value;
    return std::nullopt;
  }

  std::optional<Error> read_formats() {
    Error error;
    const toml::table* formats = sub_table("formats", error);
    if (!error.empty()) return error;
    std::set<std::string> known;
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      if (is_date_field(static_cast<Field>(i)) && profile_.columns[i].present)
        known.insert(std::string(kFieldKeys[i]));
    }
    if (profile_.period_from.present) known.insert("period");
    if (known.empty()) return std::nullopt;
    if (formats == nullptr) return "[formats]: missing (for " + list_of(known) + ")";
    if (auto e = reject_unknown_keys(*formats, known, "[formats] ")) return e;
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      const auto field = static_cast<Field>(i);
      if (!is_date_field(field) || !profile_.columns[i].present) continue;
      const bool date_only = field == Field::date || field == Field::value_date;
      if (auto e = date_format(*formats, kFieldKeys[i], date_only, profile_.columns[i])) return e;
    }
    if (known.contains("period")) {
      if (auto e = date_format(*formats, "period", true, profile_.period_from)) return e;
      profile_.period_to.date_style = profile_.period_from.date_style;
      profile_.period_to.date_pattern = profile_.period_from.date_pattern;
    }
    return std::nullopt;
  }

  std::optional<Error> read_kinds() {
    Error error;
    const toml::table* kinds = sub_table("kinds", error);
    if (!error.empty()) return error;
    if (profile_.content == FileContent::bank_statement)
      profile_.kinds = {LineKind::deposit, LineKind::withdrawal};
    const std::array<std::string, 2> names{kind_name(profile_.kinds[0]), kind_name(profile_.kinds[1])};
    if (kinds == nullptr) return "[kinds]: missing (" + names[0] + " and " + names[1] + ")";
    if (auto e = reject_unknown_keys(*kinds, {names[0], names[1]}, "[kinds] ")) return e;
    for (std::size_t i = 0; i < 2; ++i) {
      if (auto e = text(*kinds, names[i], "[kinds] ", true, profile_.kind_codes[i])) return e;
    }
    if (profile_.kind_codes[0] == profile_.kind_codes[1]) return "[kinds]: the two kinds have one value";
    return std::nullopt;
  }

  std::optional<Error> read_header() {
    Error error;
    const toml::table* header = sub_table("header", error);
    if (!error.empty()) return error;
    if (header == nullptr) return std::nullopt;
    const std::string where = "[header] ";
    if (profile_.format != FileFormat::fixed || profile_.header_lines != 1) {
      return "[header]: only for a fixed-width file with one header record (header_lines = 1)";
    }
    std::set<std::string> known{"expect", "period_from_column", "period_to_column"};
    if (profile_.content == FileContent::bank_statement) {
      known.insert({"opening_balance_column", "opening_balance_sign_column"});
    }
    if (auto e = reject_unknown_keys(*header, known, where)) return e;
    if (const toml::node* expect = header->get("expect")) {
      if (auto e = read_expect(*expect)) return e;
    }
    if (header->contains("period_from_column") != header->contains("period_to_column")) {
      return where + "period_from_column and period_to_column: give both or neither";
    }
    if (header->contains("opening_balance_sign_column") && !header->contains("opening_balance_column")) {
      return where + "opening_balance_sign_column: without opening_balance_column";
    }
    const std::array<std::pair<const char*, Column*>, 4> columns{
        {{"period_from_column", &profile_.period_from},
         {"period_to_column", &profile_.period_to},
         {"opening_balance_column", &profile_.opening_balance},
         {"opening_balance_sign_column", &profile_.opening_balance_sign}}};
    for (const auto& [key, out] : columns) {
      const toml::node* node = header->get(key);
      if (node == nullptr) continue;
      if (auto e = column(*node, where + key, false, *out)) return e;
    }
    return std::nullopt;
  }

  // expect = [{start = …, length = …, value = "…"}, …]
  std::optional<Error> read_expect(const toml::node& node) {
    const std::string where = "[header] expect";
    const toml::array* array = node.as_array();
    if (array == nullptr) return where + ": must be an array of {start, length, value}";
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string item = where + "[" + std::to_string(i) + "]";
      const toml::table* entry = (*array)[i].as_table();
      if (entry == nullptr || !entry->contains("value")) return item + ": must be {start, length, value}";
      ExpectedField expected;
      if (auto e = text(*entry, "value", item + " ", true, expected.value)) return e;
      if (entry->size() != 3) return item + ": must be {start, length, value}";
      if (auto e = byte_range(*entry, item, expected.column)) return e;
      if (expected.value.size() > expected.column.length_bytes) {
        return item + ": the value is longer than its " + std::to_string(expected.column.length_bytes) +
               " bytes";
      }
      profile_.header_expect.push_back(std::move(expected));
    }
    return std::nullopt;
  }

  std::optional<Error> read_trailer() {
    Error error;
    const toml::table* trailer = sub_table("trailer", error);
    if (!error.empty()) return error;
    if (trailer == nullptr) return std::nullopt;
    const std::string where = "[trailer] ";
    if (auto e = text(*trailer, "prefix", where, true, profile_.trailer_prefix)) return e;
    for (const auto& [key_node, node] : *trailer) {
      const std::string key(key_node.str());
      if (key == "prefix") continue;
      if (key == "closing_balance_sign_column" && profile_.content == FileContent::bank_statement) {
        if (!trailer->contains("closing_balance_column"))
          return where + key + ": without closing_balance_column";
        if (auto e = column(node, where + key, true, profile_.closing_balance_sign)) return e;
        continue;
      }
      TrailerFigure figure;
      figure.key = key;
      if (!trailer_figure(key, figure)) {
        return where + "unknown key '" + key + "' (known: prefix, " + trailer_keys() + ")";
      }
      if (auto e = column(node, where + key, true, figure.column)) return e;
      profile_.trailer.push_back(std::move(figure));
    }
    return std::nullopt;
  }

  // What a trailer key names: <quantity>_column, or <kind>_<quantity>_column; false when nothing.
  bool trailer_figure(const std::string& key, TrailerFigure& figure) const {
    const bool bank = profile_.content == FileContent::bank_statement;
    constexpr std::string_view kSuffix = "_column";
    if (!key.ends_with(kSuffix)) return false;
    std::string_view stem = std::string_view(key).substr(0, key.size() - kSuffix.size());
    if (stem == "closing_balance") {
      figure.quantity = TrailerQuantity::closing_balance;
      return bank;
    }
    for (const LineKind kind : profile_.kinds) {
      const std::string prefix = kind_name(kind) + "_";
      if (stem.starts_with(prefix)) {
        figure.kind = kind;
        stem.remove_prefix(prefix.size());
      }
    }
    const std::map<std::string_view, TrailerQuantity> quantities{
        {"count", TrailerQuantity::count},
        {"amount_total", TrailerQuantity::amount_total},
        {"fee_total", TrailerQuantity::fee_total},
        {"net_total", TrailerQuantity::net_total}};
    const auto found = quantities.find(stem);
    if (found == quantities.end()) return false;
    figure.quantity = found->second;
    // A bank statement has no fees: its net is its amount.
    return !bank || figure.quantity == TrailerQuantity::count ||
           figure.quantity == TrailerQuantity::amount_total;
  }

  std::string trailer_keys() const {
    const bool bank = profile_.content == FileContent::bank_statement;
    std::vector<std::string> quantities{"count", "amount_total"};
    if (!bank) quantities.insert(quantities.end(), {"fee_total", "net_total"});
    std::string list;
    for (const std::string& quantity : quantities) list += (list.empty() ? "" : ", ") + quantity + "_column";
    for (const LineKind kind : profile_.kinds) {
      for (const std::string& quantity : quantities)
        list += ", " + kind_name(kind) + "_" + quantity + "_column";
    }
    if (bank) list += ", closing_balance_column, closing_balance_sign_column";
    return list;
  }

  // [balance_sign] plus, minus: needed by a balance sign column, and only then.
  std::optional<Error> read_balance_sign() {
    Error error;
    const toml::table* signs = sub_table("balance_sign", error);
    if (!error.empty()) return error;
    const bool needed = profile_.opening_balance_sign.present || profile_.closing_balance_sign.present;
    if (signs == nullptr) {
      return needed ? std::optional<Error>("[balance_sign]: missing (a balance sign column needs it)")
                    : std::nullopt;
    }
    if (!needed)
      return "[balance_sign]: no opening_balance_sign_column or closing_balance_sign_column uses it";
    if (auto e = reject_unknown_keys(*signs, {"plus", "minus"}, "[balance_sign] ")) return e;
    if (auto e = text(*signs, "plus", "[balance_sign] ", true, profile_.balance_plus_code)) return e;
    if (auto e = text(*signs, "minus", "[balance_sign] ", true, profile_.balance_minus_code)) return e;
    if (profile_.balance_plus_code == profile_.balance_minus_code)
      return "[balance_sign]: plus and minus have one value";
    return std::nullopt;
  }

  const toml::table& root_;
  StatementProfile& profile_;
};

}  // namespace

std::string_view field_key(Field field) {
  return kFieldKeys[static_cast<std::size_t>(field)];
}

Result<StatementProfile, std::string> load_profile(const std::filesystem::path& toml_file) {
  auto parsed = daemon::parse_toml_file(toml_file.string());
  if (!parsed.ok()) return fail(parsed.error());
  const toml::table& root = parsed.value();
  StatementProfile profile;
  profile.name = toml_file.stem().string();
  if (auto error = ProfileReader(root, profile).read()) return fail(toml_file.string() + ": " + *error);
  return profile;
}

Result<std::vector<StatementProfile>, std::string> load_profiles(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return fail("cannot read the profiles in " + directory.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
  std::vector<StatementProfile> profiles;
  for (const std::filesystem::path& file : files) {
    auto profile = load_profile(file);
    if (!profile) return fail(profile.error());
    profiles.push_back(std::move(profile).value());
  }
  return profiles;
}

bool profile_matches(const StatementProfile& profile, std::string_view file_name) {
  const std::string name(file_name);
  return ::fnmatch(profile.file_glob.c_str(), name.c_str(), 0) == 0;
}

std::optional<chrono::year_month_day> business_date_of(const StatementProfile& profile,
                                                       std::string_view file_name) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  std::size_t at = 0;
  const std::string& pattern = profile.file_date;
  const auto digits = [&](std::size_t count, auto& out) {
    if (at + count > file_name.size()) return false;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = file_name[at + i];
      if (c < '0' || c > '9') return false;
      out = static_cast<std::remove_reference_t<decltype(out)>>(out * 10 + (c - '0'));
    }
    at += count;
    return true;
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char expected = pattern[i];
    if (expected == '%') {
      const char spec = pattern[++i];
      if (spec == 'Y' && !digits(4, year)) return std::nullopt;
      if (spec == 'm' && !digits(2, month)) return std::nullopt;
      if (spec == 'd' && !digits(2, day)) return std::nullopt;
      if (spec != '%') continue;
      expected = '%';
    }
    if (at >= file_name.size() || file_name[at] != expected) return std::nullopt;
    ++at;
  }
  if (at != file_name.size()) return std::nullopt;
  const chrono::year_month_day date{chrono::year{year}, chrono::month{month}, chrono::day{day}};
  return date.ok() ? std::optional(date) : std::nullopt;
}

}  // namespace kessai::recon
