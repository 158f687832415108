#pragma once
// Settlement and bank statement file profiles (ops/config/settlement/*.toml): how to read one processor's
// daily settlement file, or one bank's statement, described as data. A profile is read and checked once,
// into an immutable StatementProfile; statement_reader.hpp reads files with it. Every key is documented
// in ops/config/settlement/README.md.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"

namespace kessai::recon {

// What a file holds. Stable numbers; never renumber.
enum class FileContent : std::uint8_t {
  settlement = 1,      // a processor's sales and refunds with its fees (精算ファイル)
  bank_statement = 2,  // a bank account's deposits and withdrawals (入出金取引明細)
};

// What a line is. A settlement file's lines are sales and refunds, a bank statement's deposits and
// withdrawals. Stable numbers; never renumber.
enum class LineKind : std::uint8_t { sale = 1, refund = 2, deposit = 3, withdrawal = 4 };
// "sale", "refund", "deposit", "withdrawal": the kind's name in profiles and messages.
std::string kind_name(LineKind kind);

enum class FileFormat : std::uint8_t {
  csv = 1,    // RFC 4180
  fixed = 2,  // fixed-width records, a field a range of bytes (bank and MPN files)
};
enum class TextEncoding : std::uint8_t { utf8 = 1, shift_jis = 2 /* CP932 */ };
enum class LineEnd : std::uint8_t { crlf = 1, lf = 2 };
enum class AmountSign : std::uint8_t {
  in_file = 1,  // "signed": a refund's or withdrawal's amount, fee and net are negative in the file
  by_kind = 2,  // "by_kind": never negative; the kind says whether the line adds or takes back
};

// How a date, a time, or both are written.
enum class DateStyle : std::uint8_t {
  none = 0,           // not a date or time field
  pattern = 1,        // a date::parse pattern, e.g. "%Y-%m-%dT%H:%M:%S%Ez"
  wareki_yymmdd = 2,  // 和暦 YYMMDD (Zengin): the era chosen nearest the file's business date
};

// Our fields, as [columns] names them (field_key). Stable order: it indexes StatementProfile::columns.
enum class Field : std::uint8_t {
  reference,
  processor_transaction_id,
  merchant,
  transacted_at,
  date,
  time,
  value_date,
  kind,
  amount,
  fee,
  net,
  brand,
  customer_number,
  confirmation_number,
  transaction_type,
  payer_code,
  payer_name,
  description,
};
constexpr std::size_t kFieldCount = 18;
std::string_view field_key(Field field);

// Where a field is in its record, and for a date or time how it is written.
struct Column {
  bool present = false;
  std::string name{};              // CSV: the header's column name; empty when the column is numbered
  std::uint32_t number = 0;        // CSV: the 1-based column number, when not named
  std::uint32_t start_byte = 0;    // fixed: the 1-based first byte in the record
  std::uint32_t length_bytes = 0;  // fixed: the field's length in bytes of the file's encoding
  DateStyle date_style = DateStyle::none;
  std::string date_pattern{};  // DateStyle::pattern
};

// A field of the header record that must hold a value ([header] expect), e.g. 種別コード "03".
struct ExpectedField {
  Column column{};
  std::string value{};
};

// A figure the trailer holds ([trailer] <kind>_<quantity>_column, or <quantity>_column for all lines).
enum class TrailerQuantity : std::uint8_t {
  count = 1,            // lines
  amount_total = 2,     // all lines: signed (sales − refunds); one kind's: its amounts without sign
  fee_total = 3,        // likewise for fees
  net_total = 4,        // likewise for nets
  closing_balance = 5,  // bank: 取引後残高, the opening balance plus deposits minus withdrawals
};
struct TrailerFigure {
  std::string key{};  // the profile's key, for messages: "deposit_count_column"
  TrailerQuantity quantity = TrailerQuantity::count;
  std::optional<LineKind> kind{};  // the lines of this kind only; none: every line, signed
  Column column{};
};

struct StatementProfile {
  std::string name{};  // the profile's file stem, "emoney-centre"
  FileContent content = FileContent::settlement;
  std::string file_glob{};  // fnmatch pattern of its files' names
  std::string file_date{};  // the whole file name with %Y %m %d for the business date it holds
  std::string processor{};  // who sends it (documentation)
  FileFormat format = FileFormat::csv;
  TextEncoding encoding = TextEncoding::utf8;
  bool bom = false;
  LineEnd line_end = LineEnd::crlf;
  std::uint32_t record_bytes = 0;  // fixed only
  std::uint32_t header_lines = 0;
  std::string time_zone{};  // IANA name, checked when loaded
  AmountSign amount_sign = AmountSign::in_file;

  // [records]: lines that start with a record type.
  Column type_column{};  // present when the file's lines carry a record type
  std::string header_type{};
  std::string data_type{};
  std::string end_type{};  // the end record after the trailer; empty: none

  // [header]: the header record's fields (fixed only, header_lines = 1).
  std::vector<ExpectedField> header_expect{};
  Column period_from{};  // the first and last date the file covers (勘定日(自), 勘定日(至))
  Column period_to{};
  Column opening_balance{};       // bank: 取引前残高
  Column opening_balance_sign{};  // bank: 貸越区分, which says whether the balance is below zero

  std::array<Column, kFieldCount> columns{};  // indexed by Field

  // [kinds]: the kind column's values; [0] the kind that adds (sale, deposit), [1] the one that takes
  // back (refund, withdrawal).
  std::array<LineKind, 2> kinds{LineKind::sale, LineKind::refund};
  std::array<std::string, 2> kind_codes{};

  // [trailer]: none when trailer_prefix is empty.
  std::string trailer_prefix{};
  std::vector<TrailerFigure> trailer{};
  Column closing_balance_sign{};  // bank: 貸越区分 of the closing balance

  // [balance_sign]: a balance sign column's value for a balance of zero or more, and below zero.
  std::string balance_plus_code{};
  std::string balance_minus_code{};

  const Column& column(Field field) const { return columns[static_cast<std::size_t>(field)]; }
};

// Reads and checks one profile: every key known and well-formed, the columns the content needs present,
// the time zone known. The error names the file, the key and the problem.
Result<StatementProfile, std::string> load_profile(const std::filesystem::path& toml_file);

// Every *.toml of the directory, sorted by name; the first error stops.
Result<std::vector<StatementProfile>, std::string> load_profiles(const std::filesystem::path& directory);

// Whether the file name (no directory) matches the profile's file_glob (fnmatch, no flags).
bool profile_matches(const StatementProfile& profile, std::string_view file_name);

// The business date in a file name, as the profile's file_date writes it; nullopt when the name is not
// of that shape or the date does not exist.
std::optional<std::chrono::year_month_day> business_date_of(const StatementProfile& profile,
                                                            std::string_view file_name);

}  // namespace kessai::recon
