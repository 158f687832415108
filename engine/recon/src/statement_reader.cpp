#include "kessai/recon/statement_reader.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <optional>
#include <tuple>
#include <utility>

#include "kessai/runtime/bank_calendar.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "statement_fields.hpp"

namespace kessai::recon {

namespace {

namespace chrono = std::chrono;
using detail::DatePattern;
using detail::NumberProblem;
using detail::ZoneClock;
using Problem = std::optional<Rejection>;  // nullopt: no problem

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

Rejection reject(std::string_view code, std::uint32_t record, std::string message) {
  return Rejection{std::string(code), std::move(message), record};
}

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// 1234567 → "1,234,567": figures as a finance officer reads them.
std::string yen(std::int64_t amount) {
  std::string digits = std::to_string(amount);
  const std::size_t first = amount < 0 ? 1 : 0;
  for (std::size_t at = digits.size(); at > first + 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

std::string iso_date(chrono::year_month_day date) {
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string hex_bytes(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%s0x%02X", out.empty() ? "" : " ",
                  static_cast<unsigned>(static_cast<unsigned char>(c)));
    out += hex;
  }
  return out;
}

std::string_view trim_right_spaces(std::string_view text) {
  const std::size_t last = text.find_last_not_of(' ');
  return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

date::local_seconds local_midnight(chrono::year_month_day date) {
  return date::local_seconds(chrono::sys_days(date).time_since_epoch());
}

// --- Encodings ---------------------------------------------------------------------------------

// Where the first byte that is no Shift_JIS character is: `unit` ("line", "record") and its number.
Rejection bad_shift_jis(std::string_view body, std::string_view unit, std::uint32_t first_record) {
  std::uint32_t record = first_record;
  for (std::size_t start = 0; start < body.size(); ++record) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    const std::string_view line = body.substr(start, end - start);
    if (const auto at = detail::first_invalid_shift_jis(line)) {
      // A lead byte is shown with the byte after it: together they are what is no character.
      const auto byte = static_cast<unsigned char>(line[*at]);
      const bool lead = (byte >= 0x81 && byte <= 0x9F) || (byte >= 0xE0 && byte <= 0xFC);
      return reject("bad_encoding", record,
                    std::string(unit) + " " + std::to_string(record) + ", byte " + std::to_string(*at + 1) +
                        ": " + hex_bytes(line.substr(*at, lead ? 2 : 1)) +
                        " is no Shift_JIS (CP932) character");
    }
    start = end + 1;
  }
  return reject("bad_encoding", 0, "the file is not Shift_JIS (CP932) text");
}

Problem check_utf8(std::string_view body, std::string_view unit) {
  const auto at = detail::first_invalid_utf8(body);
  if (!at) return std::nullopt;
  const auto record = static_cast<std::uint32_t>(
      std::count(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(*at), '\n') + 1);
  const std::size_t line_start = *at == 0 ? 0 : body.rfind('\n', *at - 1);
  const std::size_t column = line_start == std::string_view::npos || *at == 0 ? *at : *at - line_start - 1;
  return reject("bad_encoding", record,
                std::string(unit) + " " + std::to_string(record) + ", byte " + std::to_string(column + 1) +
                    ": " + hex_bytes(body.substr(*at, 2)) + " is not UTF-8");
}

// A CSV file's text in UTF-8, decoded once for the whole file: Shift_JIS never uses a comma, a quote,
// CR or LF inside a character, so lines and fields stay where they were. `storage` holds decoded text.
Result<std::string_view, Rejection> csv_text(TextEncoding encoding, std::string_view body,
                                             std::string& storage) {
  if (encoding == TextEncoding::utf8) {
    if (auto problem = check_utf8(body, "line")) return fail(std::move(*problem));
    return body;
  }
  if (runtime::is_ascii(body)) return body;
  if (detail::is_single_byte_shift_jis(body)) {
    storage.reserve(body.size() * 3);
    detail::append_single_byte_shift_jis(body, storage);
    return std::string_view(storage);
  }
  auto decoded = runtime::shift_jis_to_utf8(body);
  if (!decoded) return fail(bad_shift_jis(body, "line", 1));
  storage = std::move(decoded).value();
  return std::string_view(storage);
}

// Whether `offset` of Shift_JIS text is where a character starts, walking from the start (slow: only
// for records with two-byte characters).
bool starts_character(std::string_view text, std::size_t offset) {
  std::size_t at = 0;
  while (at < offset) {
    const auto byte = static_cast<unsigned char>(text[at]);
    at += (byte >= 0x81 && byte <= 0x9F) || (byte >= 0xE0 && byte <= 0xFC) ? 2 : 1;
  }
  return at == offset;
}

// --- The reader --------------------------------------------------------------------------------

struct KindSums {
  std::int64_t count = 0;
  std::int64_t amount_yen = 0;  // without sign
  std::int64_t fee_yen = 0;
  std::int64_t net_yen = 0;
};

// Text fields copied to a line as they are.
constexpr std::array<std::pair<Field, std::string StatementLine::*>, 10> kTextFields{{
    {Field::reference, &StatementLine::reference},
    {Field::processor_transaction_id, &StatementLine::processor_transaction_id},
    {Field::merchant, &StatementLine::merchant},
    {Field::brand, &StatementLine::brand},
    {Field::customer_number, &StatementLine::customer_number},
    {Field::confirmation_number, &StatementLine::confirmation_number},
    {Field::payer_code, &StatementLine::payer_code},
    {Field::payer_name, &StatementLine::payer_name},
    {Field::transaction_type, &StatementLine::transaction_type},
    {Field::description, &StatementLine::description},
}};

// One file read through its profile. Records are taken in order: header, data, trailer, end; each data
// line is checked and added to the file and its sums, and the trailer is checked against them at the
// end. A data line's fields come from a getter, `Problem get(Field, std::string_view& text)`, which CSV
// and fixed-width files each provide.
class StatementParser {
 public:
  StatementParser(const StatementProfile& profile, const date::time_zone* zone, StatementFile& file);

  Problem read(std::string_view body);

 private:
  enum class Role : std::uint8_t { data, trailer, end, unknown };

  Problem read_csv(std::string_view text);
  Problem split_csv(std::string_view text, std::size_t& at, std::uint32_t record);
  Problem csv_header(std::uint32_t record);
  Problem csv_record(std::uint32_t record);

  Problem read_fixed(std::string_view body);
  Problem fixed_record(std::string_view& record, std::uint32_t number);
  Problem fixed_text(std::string_view record, const Column& column, std::string_view name,
                     std::uint32_t number, std::string& scratch, std::string_view& out) const;
  Problem fixed_header(std::string_view record);
  Problem fixed_period(std::string_view record);

  Role role_of(std::string_view type, std::string_view first_field) const;
  Problem place(Role role, std::string_view type, std::uint32_t record);
  template <class Get>
  Problem add_line(std::uint32_t record, const Get& get);
  template <class Get>
  Problem amounts(std::uint32_t record, bool takes, const Get& get, StatementLine& line) const;
  Problem money(std::uint32_t record, Field field, std::string_view text, bool takes,
                std::int64_t& out) const;
  template <class Get>
  Problem dates(std::uint32_t record, const Get& get, StatementLine& line);
  template <class Get>
  Problem settlement_time(std::uint32_t record, const Get& get, StatementLine& line);
  std::optional<chrono::year_month_day> date_of(const Column& column, const DatePattern& pattern,
                                                std::string_view text) const;
  Problem add_to_sums(std::uint32_t record, const StatementLine& line, std::size_t kind);
  template <class Get>
  Problem check_trailer(const Get& get);
  Problem check_figure(const TrailerFigure& figure, const std::string& name, std::int64_t value);
  Problem apply_balance_sign(std::uint32_t record, const std::string& where, std::string_view text,
                             std::int64_t& balance) const;

  Rejection field_problem(std::uint32_t record, Field field, std::string_view text,
                          std::string_view problem) const;
  std::string label(Field field) const;
  static std::string range_label(std::string_view name, const Column& column);
  static std::string format_words(const Column& column);
  std::string at(std::uint32_t record) const { return unit_ + " " + std::to_string(record); }

  const StatementProfile& profile_;
  ZoneClock zone_;
  StatementFile& file_;
  std::string unit_;  // "line" (CSV) or "record" (fixed-width), in messages
  std::array<DatePattern, kFieldCount> patterns_{};
  DatePattern period_pattern_;
  std::optional<chrono::year_month_day> period_from_;
  std::optional<chrono::year_month_day> period_to_;

  std::array<KindSums, 2> sums_{};  // by [kinds] index
  bool trailer_seen_ = false;
  bool end_seen_ = false;
  std::uint32_t trailer_record_ = 0;

  // CSV: the current record's fields, quoted ones holding doubled quotes unescaped into scratch_ (a
  // deque: growing it keeps the strings where they are, so the views into them stay good).
  std::vector<std::string_view> fields_;
  std::deque<std::string> scratch_;
  std::vector<std::string> header_names_;
  std::array<std::size_t, kFieldCount> field_index_{};
  std::size_t type_index_ = 0;
  std::size_t fields_needed_ = 0;  // with a header exactly its count; without, at least this
  std::vector<std::string> trailer_fields_;

  // Fixed-width: the trailer, and decoded field texts (a buffer per field, reused line after line).
  std::string_view trailer_text_;
  std::string trailer_scratch_;
  bool single_byte_record_ = true;  // the current record has no two-byte character
  std::array<std::string, kFieldCount> field_scratch_{};
};

StatementParser::StatementParser(const StatementProfile& profile, const date::time_zone* zone,
                                 StatementFile& file)
    : profile_(profile),
      zone_(zone),
      file_(file),
      unit_(profile.format == FileFormat::csv ? "line" : "record") {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const Column& column = profile.columns[i];
    if (column.date_style == DateStyle::pattern) {
      patterns_[i] = DatePattern(column.date_pattern, static_cast<Field>(i) == Field::time);
    }
  }
  if (profile.period_from.date_style == DateStyle::pattern) {
    period_pattern_ = DatePattern(profile.period_from.date_pattern, false);
  }
}

Problem StatementParser::read(std::string_view body) {
  file_.lines.reserve(static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n')));
  if (profile_.format == FileFormat::csv) {
    std::string storage;
    const auto text = csv_text(profile_.encoding, body, storage);
    if (!text) return text.error();
    return read_csv(text.value());
  }
  if (profile_.encoding == TextEncoding::utf8) {
    if (auto problem = check_utf8(body, "record")) return problem;
  }
  return read_fixed(body);
}

// --- CSV ---------------------------------------------------------------------------------------

Problem StatementParser::read_csv(std::string_view text) {
  if (profile_.header_lines == 0) {
    // No header line: columns by number only, each data line at least as wide as the widest.
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      if (!profile_.columns[i].present) continue;
      field_index_[i] = profile_.columns[i].number - 1;
      fields_needed_ = std::max<std::size_t>(fields_needed_, profile_.columns[i].number);
    }
    if (profile_.type_column.present) type_index_ = profile_.type_column.number - 1;
  }
  std::size_t next = 0;
  std::uint32_t record = 0;
  while (next < text.size()) {
    ++record;
    if (auto problem = split_csv(text, next, record)) return problem;
    if (record < profile_.header_lines) continue;
    if (record == profile_.header_lines) {
      if (auto problem = csv_header(record)) return problem;
      continue;
    }
    if (auto problem = csv_record(record)) return problem;
  }
  if (record < profile_.header_lines) {
    return reject("truncated", 0,
                  "the file ends before its " + std::to_string(profile_.header_lines) + " header lines");
  }
  return check_trailer(
      [this](const TrailerFigure& figure, const std::string& name, std::string_view& out) -> Problem {
        const std::size_t index = figure.column.number - 1;
        if (index >= trailer_fields_.size()) {
          return reject("bad_record", trailer_record_,
                        at(trailer_record_) + " (trailer) has " + std::to_string(trailer_fields_.size()) +
                            " fields; its " + name + " is field " + std::to_string(figure.column.number));
        }
        out = trailer_fields_[index];
        return std::nullopt;
      });
}

// One record of RFC 4180 CSV from `at` into fields_, `at` moved past its line end. A quoted field may
// hold commas, quotes (doubled) and line ends; elsewhere a quote is an error, and so is a line end that
// is not the profile's.
Problem StatementParser::split_csv(std::string_view text, std::size_t& at, std::uint32_t record) {
  fields_.clear();
  const bool crlf = profile_.line_end == LineEnd::crlf;
  for (std::size_t field = 0;; ++field) {
    std::string_view value;
    if (at < text.size() && text[at] == '"') {
      std::size_t start = ++at;
      bool doubled = false;
      while (true) {
        const std::size_t quote = text.find('"', at);
        if (quote == std::string_view::npos) {
          return reject("bad_record", record, this->at(record) + ": a quoted field is never closed");
        }
        if (quote + 1 < text.size() && text[quote + 1] == '"') {
          doubled = true;
          at = quote + 2;
          continue;
        }
        value = text.substr(start, quote - start);
        at = quote + 1;
        break;
      }
      if (doubled) {
        if (scratch_.size() <= field) scratch_.resize(field + 1);
        std::string& unescaped = scratch_[field];
        unescaped.clear();
        for (std::size_t i = 0; i < value.size(); ++i) {
          unescaped += value[i];
          if (value[i] == '"') ++i;
        }
        value = unescaped;
      }
    } else {
      const std::size_t start = at;
      while (at < text.size() && text[at] != ',' && text[at] != '\r' && text[at] != '\n' && text[at] != '"')
        ++at;
      if (at < text.size() && text[at] == '"') {
        return reject("bad_record", record,
                      this->at(record) + ", field " + std::to_string(field + 1) +
                          ": a double quote inside a field that does not start with one");
      }
      value = text.substr(start, at - start);
    }
    fields_.push_back(value);
    if (at < text.size() && text[at] == ',') {
      ++at;
      continue;
    }
    // The record's end: the file ends with a line end (checked first), so one is here or it is wrong.
    if (at + 1 < text.size() && text[at] == '\r' && text[at + 1] == '\n' && crlf) {
      at += 2;
      return std::nullopt;
    }
    if (at < text.size() && text[at] == '\n' && !crlf) {
      ++at;
      return std::nullopt;
    }
    if (at < text.size() && (text[at] == '\r' || text[at] == '\n')) {
      const bool lone_lf = text[at] == '\n';
      const bool lone_cr = text[at] == '\r' && (at + 1 >= text.size() || text[at + 1] != '\n');
      return reject("bad_record", record,
                    this->at(record) + (lone_cr   ? ": a carriage return (CR) without a line feed"
                                        : lone_lf ? " ends with LF alone; the file's lines end with CRLF"
                                                  : " ends with CRLF; the file's lines end with LF"));
    }
    return reject("bad_record", record, this->at(record) + ": text after a closing quote");
  }
}

// The header line: every column the profile names must be in it.
Problem StatementParser::csv_header(std::uint32_t record) {
  header_names_.assign(fields_.begin(), fields_.end());
  fields_needed_ = header_names_.size();
  const auto index_of = [&](const Column& column, std::string_view key, std::size_t& out) -> Problem {
    if (!column.name.empty()) {
      const auto found = std::find(header_names_.begin(), header_names_.end(), column.name);
      if (found == header_names_.end()) {
        return reject(
            "bad_record", record,
            at(record) + " (header) has no column " + in_quotes(column.name) + " (" + std::string(key) + ")");
      }
      out = static_cast<std::size_t>(found - header_names_.begin());
      return std::nullopt;
    }
    if (column.number > header_names_.size()) {
      return reject("bad_record", record,
                    at(record) + " (header) has " + std::to_string(header_names_.size()) + " columns; " +
                        std::string(key) + " is column " + std::to_string(column.number));
    }
    out = column.number - 1;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (!profile_.columns[i].present) continue;
    if (auto problem = index_of(profile_.columns[i], field_key(static_cast<Field>(i)), field_index_[i]))
      return problem;
  }
  if (profile_.type_column.present) return index_of(profile_.type_column, "record type", type_index_);
  return std::nullopt;
}

Problem StatementParser::csv_record(std::uint32_t record) {
  const std::string_view type = profile_.type_column.present && type_index_ < fields_.size()
                                    ? fields_[type_index_]
                                    : std::string_view();
  const Role role = role_of(type, fields_.front());
  if (auto problem = place(role, type, record)) return problem;
  if (role == Role::trailer) {
    trailer_fields_.assign(fields_.begin(), fields_.end());
    trailer_record_ = record;
  }
  if (role != Role::data) return std::nullopt;
  if (header_names_.empty() ? fields_.size() < fields_needed_ : fields_.size() != fields_needed_) {
    return reject("bad_record", record,
                  at(record) + " has " + std::to_string(fields_.size()) + " fields; " +
                      (header_names_.empty() ? "at least " : "the header has ") +
                      std::to_string(fields_needed_));
  }
  return add_line(record, [this](Field field, std::string_view& out) -> Problem {
    out = fields_[field_index_[static_cast<std::size_t>(field)]];
    return std::nullopt;
  });
}

// --- Fixed-width -------------------------------------------------------------------------------

Problem StatementParser::read_fixed(std::string_view body) {
  std::size_t next = 0;
  std::uint32_t number = 0;
  while (next < body.size()) {
    const std::size_t end = body.find('\n', next);  // there is one: the file ends with a line end
    std::string_view record = body.substr(next, end - next);
    next = end + 1;
    ++number;
    if (auto problem = fixed_record(record, number)) return problem;
    std::string type_scratch;
    std::string_view type;
    if (auto problem = fixed_text(record, profile_.type_column, "record type", number, type_scratch, type))
      return problem;
    if (number <= profile_.header_lines) {
      if (!profile_.header_type.empty() && type != profile_.header_type) {
        return reject("bad_record", number,
                      at(number) + " should be the header (record type " + in_quotes(profile_.header_type) +
                          ") but its type is " + in_quotes(type));
      }
      if (number == 1) {
        if (auto problem = fixed_header(record)) return problem;
      }
      continue;
    }
    const Role role = role_of(type, type);
    if (auto problem = place(role, type, number)) return problem;
    if (role == Role::trailer) {
      trailer_text_ = record;
      trailer_record_ = number;
    }
    if (role != Role::data) continue;
    auto get = [this, record, number](Field field, std::string_view& out) -> Problem {
      const auto index = static_cast<std::size_t>(field);
      return fixed_text(record, profile_.columns[index], field_key(field), number, field_scratch_[index],
                        out);
    };
    if (auto problem = add_line(number, get)) return problem;
  }
  if (number < profile_.header_lines) {
    return reject("truncated", 0,
                  "the file ends before its " + std::to_string(profile_.header_lines) + " header records");
  }
  return check_trailer(
      [this](const TrailerFigure& figure, const std::string& name, std::string_view& out) -> Problem {
        single_byte_record_ = detail::is_single_byte_shift_jis(trailer_text_);
        return fixed_text(trailer_text_, figure.column, name, trailer_record_, trailer_scratch_, out);
      });
}

// A record's line end, length and encoding; `record` loses its CR.
Problem StatementParser::fixed_record(std::string_view& record, std::uint32_t number) {
  const bool has_cr = !record.empty() && record.back() == '\r';
  if (profile_.line_end == LineEnd::crlf && !has_cr) {
    return reject("bad_record", number, at(number) + " ends with LF alone; the file's records end with CRLF");
  }
  if (profile_.line_end == LineEnd::lf && has_cr) {
    return reject("bad_record", number, at(number) + " ends with CRLF; the file's records end with LF");
  }
  if (has_cr) record.remove_suffix(1);
  if (record.size() != profile_.record_bytes) {
    return reject("bad_record", number,
                  at(number) + " is " + std::to_string(record.size()) + " bytes long, not " +
                      std::to_string(profile_.record_bytes));
  }
  single_byte_record_ = true;
  if (profile_.encoding == TextEncoding::shift_jis && !detail::is_single_byte_shift_jis(record)) {
    single_byte_record_ = false;
    if (!runtime::shift_jis_to_utf8(record)) return bad_shift_jis(record, unit_, number);
  }
  return std::nullopt;
}

// A fixed-width field's text in UTF-8 without its padding spaces; `out` points into the record or into
// `scratch`. A field that cuts a character in two is an error.
Problem StatementParser::fixed_text(std::string_view record, const Column& column, std::string_view name,
                                    std::uint32_t number, std::string& scratch, std::string_view& out) const {
  const std::size_t start = column.start_byte - 1;
  const std::string_view bytes = trim_right_spaces(record.substr(start, column.length_bytes));
  const auto cut = [&] {
    return reject("bad_field", number,
                  at(number) + ": " + range_label(name, column) + " cuts a character in two");
  };
  if (profile_.encoding == TextEncoding::utf8) {
    const auto continues = [&](std::size_t i) {
      return i < record.size() && (static_cast<unsigned char>(record[i]) & 0xC0) == 0x80;
    };
    if (continues(start) || continues(start + column.length_bytes)) return cut();
    out = bytes;
    return std::nullopt;
  }
  if (!single_byte_record_ &&
      (!starts_character(record, start) || !starts_character(record, start + column.length_bytes))) {
    return cut();
  }
  if (runtime::is_ascii(bytes)) {
    out = bytes;
    return std::nullopt;
  }
  scratch.clear();
  if (detail::is_single_byte_shift_jis(bytes)) {
    detail::append_single_byte_shift_jis(bytes, scratch);
  } else {
    auto decoded = runtime::shift_jis_to_utf8(bytes);
    if (!decoded) return cut();
    scratch = std::move(decoded).value();
  }
  out = scratch;
  return std::nullopt;
}

// The header record's fixed values, the period it covers and the opening balance.
Problem StatementParser::fixed_header(std::string_view record) {
  std::string scratch;
  std::string_view text;
  for (const ExpectedField& expected : profile_.header_expect) {
    if (auto problem = fixed_text(record, expected.column, "header field", 1, scratch, text)) return problem;
    if (text != expected.value) {
      return reject("bad_record", 1,
                    at(1) + " (header): " + range_label("the field", expected.column) + " holds " +
                        in_quotes(text) + ", not " + in_quotes(expected.value));
    }
  }
  if (auto problem = fixed_period(record)) return problem;
  if (profile_.opening_balance.present) {
    if (auto problem = fixed_text(record, profile_.opening_balance, "opening balance", 1, scratch, text))
      return problem;
    if (detail::parse_whole(text, false, file_.opening_balance_yen) != NumberProblem::none) {
      return reject("bad_field", 1,
                    at(1) + ": " + range_label("opening balance", profile_.opening_balance) + " " +
                        in_quotes(text) + " is not a whole number of yen");
    }
    file_.has_opening_balance = true;
  }
  if (profile_.opening_balance_sign.present) {
    const std::string name = range_label("opening balance sign", profile_.opening_balance_sign);
    if (auto problem = fixed_text(record, profile_.opening_balance_sign, name, 1, scratch, text))
      return problem;
    if (auto problem = apply_balance_sign(1, at(1) + " (header): " + name, text, file_.opening_balance_yen)) {
      return problem;
    }
  }
  return std::nullopt;
}

// A balance sign column's value (貸越区分): the balance as it is, or below zero. `where`: the record
// and the field, for the message.
Problem StatementParser::apply_balance_sign(std::uint32_t record, const std::string& where,
                                            std::string_view text, std::int64_t& balance) const {
  if (text == profile_.balance_minus_code) {
    balance = -balance;
    return std::nullopt;
  }
  if (text == profile_.balance_plus_code) return std::nullopt;
  return reject("bad_field", record,
                where + " " + in_quotes(text) + " is neither " + in_quotes(profile_.balance_plus_code) +
                    " (zero or more) nor " + in_quotes(profile_.balance_minus_code) + " (below zero)");
}

// 勘定日(自)–(至): the dates the file covers, which must hold the business date of its name.
Problem StatementParser::fixed_period(std::string_view record) {
  if (!profile_.period_from.present) return std::nullopt;
  std::string scratch;
  std::string_view text;
  for (auto [column, out, name] : {std::tuple{&profile_.period_from, &period_from_, "period start"},
                                   std::tuple{&profile_.period_to, &period_to_, "period end"}}) {
    if (auto problem = fixed_text(record, *column, name, 1, scratch, text)) return problem;
    *out = date_of(*column, period_pattern_, text);
    if (!*out) {
      return reject("bad_field", 1,
                    at(1) + ": " + range_label(name, *column) + " " + in_quotes(text) +
                        " is not a date written as " + format_words(*column));
    }
  }
  const auto day = chrono::sys_days(file_.business_date);
  if (chrono::sys_days(*period_to_) < chrono::sys_days(*period_from_) ||
      day < chrono::sys_days(*period_from_) || day > chrono::sys_days(*period_to_)) {
    return reject("bad_record", 1,
                  at(1) + " (header): the period " + iso_date(*period_from_) + " to " +
                      iso_date(*period_to_) + " does not hold " + iso_date(file_.business_date) +
                      ", the date of the file's name");
  }
  return std::nullopt;
}

// --- Records of both formats -------------------------------------------------------------------

StatementParser::Role StatementParser::role_of(std::string_view type, std::string_view first_field) const {
  if (!profile_.trailer_prefix.empty() && first_field == profile_.trailer_prefix) return Role::trailer;
  if (!profile_.end_type.empty() && type == profile_.end_type) return Role::end;
  if (!profile_.type_column.present || type == profile_.data_type) return Role::data;
  return Role::unknown;
}

// A record where the file's order allows it: data, then the trailer, then the end record, the last.
Problem StatementParser::place(Role role, std::string_view type, std::uint32_t record) {
  if (end_seen_) return reject("bad_record", record, at(record) + " comes after the end record");
  switch (role) {
    case Role::trailer:
      if (trailer_seen_) return reject("bad_record", record, at(record) + " is a second trailer");
      trailer_seen_ = true;
      return std::nullopt;
    case Role::end:
      end_seen_ = true;
      return std::nullopt;
    case Role::data:
      if (trailer_seen_)
        return reject("bad_record", record, at(record) + " is a data " + unit_ + " after the trailer");
      return std::nullopt;
    case Role::unknown:
      break;
  }
  std::string known = "data " + in_quotes(profile_.data_type);
  if (!profile_.trailer_prefix.empty()) known += ", trailer " + in_quotes(profile_.trailer_prefix);
  if (!profile_.end_type.empty()) known += ", end " + in_quotes(profile_.end_type);
  return reject("bad_record", record,
                at(record) + " has the unknown record type " + in_quotes(type) + " (" + known + ")");
}

template <class Get>
Problem StatementParser::add_line(std::uint32_t record, const Get& get) {
  StatementLine line;
  line.record = record;
  std::string_view text;
  if (auto problem = get(Field::kind, text)) return problem;
  const std::array<std::string, 2>& codes = profile_.kind_codes;
  if (text != codes[0] && text != codes[1]) {
    return field_problem(record, Field::kind, text,
                         "is neither " + in_quotes(codes[0]) + " (" + kind_name(profile_.kinds[0]) +
                             ") nor " + in_quotes(codes[1]) + " (" + kind_name(profile_.kinds[1]) + ")");
  }
  const std::size_t kind = text == codes[0] ? 0 : 1;
  line.kind = profile_.kinds[kind];
  if (auto problem = amounts(record, kind == 1, get, line)) return problem;
  for (const auto& [field, member] : kTextFields) {
    if (!profile_.column(field).present) continue;
    if (auto problem = get(field, text)) return problem;
    (line.*member).assign(text);
  }
  if (auto problem = dates(record, get, line)) return problem;
  if (auto problem = add_to_sums(record, line, kind)) return problem;
  file_.lines.push_back(std::move(line));
  return std::nullopt;
}

// Amount, fee and net, signed; their signs as the kind wants them, and net = amount − fee.
template <class Get>
Problem StatementParser::amounts(std::uint32_t record, bool takes, const Get& get,
                                 StatementLine& line) const {
  const std::string& code = profile_.kind_codes[takes ? 1 : 0];
  std::string_view amount_text;
  if (auto problem = get(Field::amount, amount_text)) return problem;
  if (auto problem = money(record, Field::amount, amount_text, takes, line.amount_yen)) return problem;
  if (line.amount_yen == 0) return field_problem(record, Field::amount, amount_text, "is zero");
  if (takes != (line.amount_yen < 0)) {
    return field_problem(
        record, Field::amount, amount_text,
        std::string("must be ") + (takes ? "negative" : "positive") + " on a " + in_quotes(code) + " line");
  }
  if (profile_.content == FileContent::bank_statement) {
    line.net_yen = line.amount_yen;  // a bank charges nothing on a line
    return std::nullopt;
  }
  std::string_view fee_text;
  std::string_view net_text;
  if (auto problem = get(Field::fee, fee_text)) return problem;
  if (auto problem = money(record, Field::fee, fee_text, takes, line.fee_yen)) return problem;
  if (takes ? line.fee_yen > 0 : line.fee_yen < 0) {
    return field_problem(record, Field::fee, fee_text,
                         std::string("must not be ") + (takes ? "positive" : "negative") + " on a " +
                             in_quotes(code) + " line");
  }
  if (auto problem = get(Field::net, net_text)) return problem;
  if (auto problem = money(record, Field::net, net_text, takes, line.net_yen)) return problem;
  std::int64_t expected = 0;
  if (__builtin_sub_overflow(line.amount_yen, line.fee_yen, &expected) || expected != line.net_yen) {
    // As the file writes it: without the sign a by_kind file leaves to the kind.
    const bool unsigned_in_file = profile_.amount_sign == AmountSign::by_kind && takes;
    return reject("bad_net", record,
                  at(record) + ": " + label(Field::net) + " " + in_quotes(net_text) + " is not " +
                      label(Field::amount) + " − " + label(Field::fee) + " = " +
                      yen(unsigned_in_file ? -expected : expected));
  }
  return std::nullopt;
}

Problem StatementParser::money(std::uint32_t record, Field field, std::string_view text, bool takes,
                               std::int64_t& out) const {
  const bool by_kind = profile_.amount_sign == AmountSign::by_kind;
  switch (detail::parse_whole(text, !by_kind, out)) {
    case NumberProblem::none:
      break;
    case NumberProblem::not_whole:
      return field_problem(record, field, text, "is not a whole number of yen");
    case NumberProblem::too_large:
      return field_problem(record, field, text, "is too large a number of yen");
    case NumberProblem::negative:
      return field_problem(
          record, field, text,
          "is negative; this file's amounts are never negative (the kind says whether a line adds "
          "or takes back)");
  }
  if (by_kind && takes) out = -out;
  return std::nullopt;
}

template <class Get>
Problem StatementParser::dates(std::uint32_t record, const Get& get, StatementLine& line) {
  chrono::year_month_day day{};
  if (profile_.content == FileContent::settlement) {
    if (auto problem = settlement_time(record, get, line)) return problem;
    day = line.value_date;
  } else {
    std::string_view text;
    for (const Field field : {Field::date, Field::value_date}) {
      if (auto problem = get(field, text)) return problem;
      const Column& column = profile_.column(field);
      const auto date = date_of(column, patterns_[static_cast<std::size_t>(field)], text);
      if (!date)
        return field_problem(record, field, text, "is not a date written as " + format_words(column));
      (field == Field::date ? day : line.value_date) = *date;
    }
    line.occurred_at = zone_.to_sys(local_midnight(day));
  }
  if (period_from_ && (chrono::sys_days(day) < chrono::sys_days(*period_from_) ||
                       chrono::sys_days(day) > chrono::sys_days(*period_to_))) {
    return reject("bad_field", record,
                  at(record) + ": its date " + iso_date(day) + " is outside the file's period, " +
                      iso_date(*period_from_) + " to " + iso_date(*period_to_) + " (its header)");
  }
  return std::nullopt;
}

// A settlement line's time: transacted_at, or date and time; with an offset in the text, or local time
// in the profile's time zone.
template <class Get>
Problem StatementParser::settlement_time(std::uint32_t record, const Get& get, StatementLine& line) {
  const auto parse = [&](Field field, detail::DateTimeParts& parts) -> Problem {
    std::string_view text;
    if (auto problem = get(field, text)) return problem;
    const Column& column = profile_.column(field);
    std::optional<detail::DateTimeParts> parsed;
    if (column.date_style == DateStyle::wareki_yymmdd) {
      if (const auto date = date_of(column, patterns_[static_cast<std::size_t>(field)], text)) {
        parsed = detail::DateTimeParts{*date, true, chrono::seconds{0}, false, std::nullopt};
      }
    } else {
      parsed = patterns_[static_cast<std::size_t>(field)].parse(text);
    }
    const bool date_needed = field != Field::time;
    if (!parsed || (date_needed && !parsed->has_date)) {
      return field_problem(record, field, text,
                           std::string("is not a ") +
                               (field == Field::transacted_at ? "date and time"
                                : date_needed                 ? "date"
                                                              : "time") +
                               " written as " + format_words(column));
    }
    parts = *parsed;
    return std::nullopt;
  };
  detail::DateTimeParts when;
  if (profile_.column(Field::transacted_at).present) {
    if (auto problem = parse(Field::transacted_at, when)) return problem;
  } else {
    detail::DateTimeParts time;
    if (auto problem = parse(Field::date, when)) return problem;
    if (auto problem = parse(Field::time, time)) return problem;
    when.time_of_day = time.time_of_day;
    if (time.utc_offset) when.utc_offset = time.utc_offset;
  }
  const date::local_seconds local = local_midnight(when.date) + when.time_of_day;
  line.occurred_at = when.utc_offset ? chrono::sys_seconds(local.time_since_epoch() - *when.utc_offset)
                                     : zone_.to_sys(local);
  line.value_date = zone_.local_date(line.occurred_at);
  return std::nullopt;
}

std::optional<chrono::year_month_day> StatementParser::date_of(const Column& column,
                                                               const DatePattern& pattern,
                                                               std::string_view text) const {
  if (column.date_style == DateStyle::wareki_yymmdd)
    return runtime::parse_wareki_yymmdd(text, file_.business_date);
  const auto parts = pattern.parse(text);
  if (!parts || !parts->has_date) return std::nullopt;
  return parts->date;
}

Problem StatementParser::add_to_sums(std::uint32_t record, const StatementLine& line, std::size_t kind) {
  KindSums& sums = sums_[kind];
  const std::int64_t sign = kind == 0 ? 1 : -1;  // unsigned = signed × the kind's sign
  const bool overflow =
      __builtin_add_overflow(sums.count, 1, &sums.count) ||
      __builtin_add_overflow(sums.amount_yen, sign * line.amount_yen, &sums.amount_yen) ||
      __builtin_add_overflow(sums.fee_yen, sign * line.fee_yen, &sums.fee_yen) ||
      __builtin_add_overflow(sums.net_yen, sign * line.net_yen, &sums.net_yen) ||
      __builtin_add_overflow(file_.amount_total_yen, line.amount_yen, &file_.amount_total_yen) ||
      __builtin_add_overflow(file_.fee_total_yen, line.fee_yen, &file_.fee_total_yen) ||
      __builtin_add_overflow(file_.net_total_yen, line.net_yen, &file_.net_total_yen);
  if (overflow)
    return reject("bad_total", record, at(record) + ": the file's totals overflow a 64-bit number here");
  return std::nullopt;
}

// --- The trailer -------------------------------------------------------------------------------

// `get(figure, name, text)` reads a figure's field. Counts are checked before totals, so a line lost in
// transit is reported as the count it is.
template <class Get>
Problem StatementParser::check_trailer(const Get& get) {
  if (!profile_.trailer_prefix.empty() && !trailer_seen_) {
    return reject("truncated", 0,
                  "the file ends without its trailer (a " + unit_ + " starting " +
                      in_quotes(profile_.trailer_prefix) + ")");
  }
  if (!profile_.end_type.empty() && !end_seen_) {
    return reject("truncated", 0,
                  "the file ends without its end record (type " + in_quotes(profile_.end_type) + ")");
  }
  std::int64_t closing_sign = 1;
  if (profile_.closing_balance_sign.present) {
    const TrailerFigure sign{"closing_balance_sign_column", TrailerQuantity::closing_balance, std::nullopt,
                             profile_.closing_balance_sign};
    const std::string name = range_label("closing balance sign", sign.column);
    std::string_view text;
    if (auto problem = get(sign, name, text)) return problem;
    const std::string where = at(trailer_record_) + " (trailer): " + name;
    if (auto problem = apply_balance_sign(trailer_record_, where, text, closing_sign)) return problem;
  }
  for (const bool counts : {true, false}) {
    for (const TrailerFigure& figure : profile_.trailer) {
      if ((figure.quantity == TrailerQuantity::count) != counts) continue;
      const std::string name = profile_.format == FileFormat::fixed
                                   ? range_label(figure.key, figure.column)
                                   : figure.key + " (field " + std::to_string(figure.column.number) + ")";
      std::string_view text;
      if (auto problem = get(figure, name, text)) return problem;
      const bool signed_total = !figure.kind && figure.quantity != TrailerQuantity::count &&
                                figure.quantity != TrailerQuantity::closing_balance;
      std::int64_t value = 0;
      if (detail::parse_whole(text, signed_total, value) != NumberProblem::none) {
        return reject("bad_field", trailer_record_,
                      at(trailer_record_) + " (trailer): " + name + " " + in_quotes(text) +
                          " is not a whole number" + (signed_total ? "" : " of 0 or more"));
      }
      if (figure.quantity == TrailerQuantity::closing_balance) value *= closing_sign;
      if (auto problem = check_figure(figure, name, value)) return problem;
    }
  }
  return std::nullopt;
}

Problem StatementParser::check_figure(const TrailerFigure& figure, const std::string& name,
                                      std::int64_t value) {
  const std::string where = at(trailer_record_) + " (trailer): ";
  if (figure.quantity == TrailerQuantity::closing_balance) {
    file_.closing_balance_yen = value;
    file_.has_closing_balance = true;
    std::int64_t expected = 0;
    if (file_.has_opening_balance &&
        (__builtin_add_overflow(file_.opening_balance_yen, file_.amount_total_yen, &expected) ||
         expected != value)) {
      return reject("bad_total", trailer_record_,
                    where + "the closing balance " + yen(value) + " yen (" + name +
                        ") is not the opening balance " + yen(file_.opening_balance_yen) +
                        " yen plus the lines' " + yen(file_.amount_total_yen) + " yen = " + yen(expected) +
                        " yen");
    }
    return std::nullopt;
  }
  std::int64_t expected = 0;
  const std::size_t kind = figure.kind == profile_.kinds[1] ? 1 : 0;
  const std::string of = figure.kind ? kind_name(*figure.kind) + " " : "";
  if (figure.quantity == TrailerQuantity::count) {
    expected = figure.kind ? sums_[kind].count : sums_[0].count + sums_[1].count;
    if (value == expected) return std::nullopt;
    return reject("bad_count", trailer_record_,
                  where + "it counts " + yen(value) + " " + of + "lines (" + name + "), the file holds " +
                      yen(expected));
  }
  const KindSums& sums = sums_[kind];
  const std::string_view what = figure.quantity == TrailerQuantity::amount_total ? "amount"
                                : figure.quantity == TrailerQuantity::fee_total  ? "fee"
                                                                                 : "net";
  if (figure.quantity == TrailerQuantity::amount_total)
    expected = figure.kind ? sums.amount_yen : file_.amount_total_yen;
  if (figure.quantity == TrailerQuantity::fee_total)
    expected = figure.kind ? sums.fee_yen : file_.fee_total_yen;
  if (figure.quantity == TrailerQuantity::net_total)
    expected = figure.kind ? sums.net_yen : file_.net_total_yen;
  if (value == expected) return std::nullopt;
  return reject("bad_total", trailer_record_,
                where + "its " + of + std::string(what) + " total is " + yen(value) + " yen (" + name +
                    "), the " + of + "lines add up to " + yen(expected) + " yen");
}

// --- Messages ----------------------------------------------------------------------------------

Rejection StatementParser::field_problem(std::uint32_t record, Field field, std::string_view text,
                                         std::string_view problem) const {
  return reject("bad_field", record,
                at(record) + ": " + label(field) + " " + in_quotes(text) + " " + std::string(problem));
}

// A field as the file names it: a CSV header's column name, else our key and where it is.
std::string StatementParser::label(Field field) const {
  const Column& column = profile_.column(field);
  if (profile_.format == FileFormat::fixed) return range_label(field_key(field), column);
  if (!column.name.empty()) return column.name;
  const std::size_t index = column.number - 1;
  return index < header_names_.size() ? header_names_[index] : "column " + std::to_string(column.number);
}

std::string StatementParser::range_label(std::string_view name, const Column& column) {
  const std::uint32_t last = column.start_byte + column.length_bytes - 1;
  return std::string(name) + " (" +
         (column.length_bytes == 1
              ? "byte " + std::to_string(column.start_byte)
              : "bytes " + std::to_string(column.start_byte) + "–" + std::to_string(last)) +
         ")";
}

std::string StatementParser::format_words(const Column& column) {
  if (column.date_style == DateStyle::wareki_yymmdd) return "和暦 YYMMDD";
  return in_quotes(column.date_pattern);
}

}  // namespace

Result<StatementFile, Rejection> read_statement(const StatementProfile& profile, std::string_view file_name,
                                                std::string_view bytes) {
  StatementFile file;
  file.profile = profile.name;
  file.content = profile.content;
  file.file_name = std::string(file_name);
  const auto business_date = business_date_of(profile, file_name);
  if (!business_date) {
    return fail(reject("bad_name", 0,
                       "the file name " + in_quotes(file_name) + " is not " + in_quotes(profile.file_date) +
                           " with a real date in it (profile " + profile.name + ")"));
  }
  file.business_date = *business_date;
  std::string_view body = bytes;
  const bool has_bom = body.starts_with(kUtf8Bom);
  if (has_bom) body.remove_prefix(kUtf8Bom.size());
  if (body.empty()) return fail(reject("empty", 0, "the file is empty"));
  if (profile.bom && !has_bom) {
    return fail(
        reject("bad_encoding", 0, "the file does not start with the UTF-8 byte order mark (EF BB BF)"));
  }
  if (!profile.bom && has_bom) {
    return fail(
        reject("bad_encoding", 0, "the file starts with a UTF-8 byte order mark, which this layout has not"));
  }
  if (body.back() != '\n') {
    const auto record = static_cast<std::uint32_t>(std::count(body.begin(), body.end(), '\n') + 1);
    return fail(reject("truncated", record,
                       "the file is cut short: it ends in the middle of its " +
                           std::string(profile.format == FileFormat::csv ? "line " : "record ") +
                           std::to_string(record) + ", without a line end"));
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(profile.time_zone);
  } catch (const std::exception&) {
    return fail(reject("unknown_layout", 0,
                       "profile " + profile.name + ": unknown time zone " + in_quotes(profile.time_zone)));
  }
  StatementParser parser(profile, zone, file);
  if (auto problem = parser.read(body)) return fail(std::move(*problem));
  return file;
}

Result<const StatementProfile*, Rejection> profile_for(const std::vector<StatementProfile>& profiles,
                                                       std::string_view file_name) {
  const StatementProfile* found = nullptr;
  for (const StatementProfile& profile : profiles) {
    if (!profile_matches(profile, file_name)) continue;
    if (found != nullptr) {
      return fail(reject("unknown_layout", 0,
                         "the file name " + in_quotes(file_name) + " matches two profiles, " + found->name +
                             " and " + profile.name));
    }
    found = &profile;
  }
  if (found == nullptr) {
    std::string globs;
    for (const StatementProfile& profile : profiles) globs += (globs.empty() ? "" : ", ") + profile.file_glob;
    return fail(
        reject("unknown_layout", 0,
               "no profile reads a file named " + in_quotes(file_name) + " (their names: " + globs + ")"));
  }
  return found;
}

}  // namespace kessai::recon
