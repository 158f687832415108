#pragma once
// Reads a settlement file or a bank statement through its profile (statement_profile.hpp): the whole
// file or nothing. Every line is decoded, parsed and checked (encoding, line ends, record lengths and
// types, amounts, dates, kinds, signs, net = amount − fee) and the trailer's counts and totals are
// compared with the lines; the first problem found rejects the file with a stable code and a message for
// the finance officer who has to ask the sender for a new one. Pure: bytes in, values out.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/recon/statement_profile.hpp"
#include "kessai/result.hpp"

namespace kessai::recon {

struct StatementLine {
  std::uint32_t record = 0;  // 1-based line (record) number in the file, headers counted
  LineKind kind = LineKind::sale;
  std::string reference{};  // settlement: pi_…/re_…; bank: 照会番号
  std::string processor_transaction_id{};
  std::string merchant{};
  std::string brand{};
  std::string customer_number{};      // Pay-easy: お客様番号
  std::string confirmation_number{};  // Pay-easy: 確認番号
  // settlement: transacted_at (UTC); bank: 勘定日 00:00 in time_zone
  std::chrono::sys_seconds occurred_at{};
  // bank: 預入・払出日; settlement: occurred_at's date in time_zone
  std::chrono::year_month_day value_date{};
  std::int64_t amount_yen = 0;  // signed: sale/deposit > 0, refund/withdrawal < 0
  // Signed as the totals count it: charged on a sale ≥ 0, given back on a refund ≤ 0; bank: 0.
  std::int64_t fee_yen = 0;
  std::int64_t net_yen = 0;        // amount − fee, signed
  std::string payer_code{};        // bank: 振込依頼人コード
  std::string payer_name{};        // bank: 振込依頼人名 (UTF-8; half-width katakana kept half-width)
  std::string transaction_type{};  // bank: 取引区分 ("11")
  std::string description{};       // bank: 摘要
};

struct StatementFile {
  std::string profile{};  // its name
  FileContent content = FileContent::settlement;
  std::string file_name{};
  std::chrono::year_month_day business_date{};  // from file_date (the name)
  std::vector<StatementLine> lines{};
  std::int64_t amount_total_yen = 0, fee_total_yen = 0, net_total_yen = 0;  // signed sums of the lines
  std::int64_t closing_balance_yen = 0;  // bank trailer 取引後残高 (below zero when overdrawn, 貸越)
  bool has_closing_balance = false;
  std::int64_t opening_balance_yen = 0;  // bank header 取引前残高
  bool has_opening_balance = false;
};

struct Rejection {
  // Stable: "unknown_layout", "bad_name", "bad_encoding", "truncated", "bad_record", "bad_field",
  // "bad_net", "bad_count", "bad_total", "empty".
  std::string code{};
  // For a finance officer or an operator: what is wrong and where, e.g.
  // "line 17: 金額 \"30x0\" is not a whole number of yen".
  std::string message{};
  std::uint32_t record = 0;  // the record at fault, 0 for the whole file
};

// The whole file or nothing: any problem rejects it, with the first problem found. `file_name` is the
// name without its directory; `bytes` the file's content as it arrived.
Result<StatementFile, Rejection> read_statement(const StatementProfile& profile, std::string_view file_name,
                                                std::string_view bytes);

// Which profile reads a file: the one whose file_glob matches its name; an "unknown_layout" rejection
// when none does, or more than one.
Result<const StatementProfile*, Rejection> profile_for(const std::vector<StatementProfile>& profiles,
                                                       std::string_view file_name);

}  // namespace kessai::recon
