#pragma once
// The receiving bank's business: the processors' payouts for a business date D become deposits into the
// city's account on the next bank business day, recorded once in the bank's book and listed in the
// statement of that 勘定日 (zengin_statement.hpp). Pure: the processors' answers, the book and the seed
// in; the book's new lines, the statement and the truth file out. kessai-sim bank (bank_main.cpp) does
// the HTTP and the files.
//
// The bank's book (<state-dir>/account.jsonl) has one line per (D, processor), written the first time the
// bank receives that payout: a second run for the same D finds it and moves no money again. The account
// opens at 0 yen; a statement's 取引前残高 is the sum of every record of an earlier 勘定日.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "kessai/result.hpp"
#include "zengin_statement.hpp"

namespace kessai::sim::bank {

// A processor as the bank's statement names it, when its payout arrives: the one table of them.
// Names follow Zengin's custom: half-width katakana without small kana (ｷﾕｰ for キュー), "ｶ)" for
// 株式会社 before the name.
struct ProcessorPayer {
  std::string_view processor = "";    // the simulator's name, as in --processor NAME=URL
  std::string_view payer_code = "";   // 振込依頼人コード, 10 digits
  std::string_view payer_name = "";   // 振込依頼人名
  std::string_view bank_name = "";    // 仕向銀行名: the processor's own bank
  std::string_view branch_name = "";  // 仕向店名
};

inline constexpr std::array<ProcessorPayer, 4> kProcessorPayers{{
    {"card-acquirer", "0000100001", "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ", "ﾐﾗｲｷﾞﾝｺｳ", "ﾎﾝﾃﾝ"},
    {"emoney-centre", "0000100002", "ｶ)ｲｰﾏﾈｰｾﾝﾀｰ", "ﾐﾗｲｷﾞﾝｺｳ", "ﾏﾙﾉｳﾁｼﾃﾝ"},
    {"qr-provider", "0000100003", "ｶ)ｷﾕｰｱｰﾙﾍﾟｲ", "ﾋｶﾘｷﾞﾝｺｳ", "ｼﾌﾞﾔｼﾃﾝ"},
    {"payeasy-centre", "0000100004", "ﾍﾟｲｼﾞｰｾﾝﾀｰ", "ﾋｶﾘｷﾞﾝｺｳ", "ﾎﾝﾃﾝ"},
}};

// The processor's row; nullptr for a name the bank does not know.
const ProcessorPayer* find_processor_payer(std::string_view processor);

// 摘要 of a payout for business date D: "ｹﾂｻｲ ﾆﾕｳｷﾝ YYMMDD" (決済 入金, D in 和暦), or "ｹﾂｻｲ ﾍﾝｷﾝ
// YYMMDD" (返金) when the processor takes money back. Zengin has no small kana: ｯ and ｭ are ﾂ and ﾕ.
std::string payout_summary(std::chrono::year_month_day business_date, Direction direction);

// --- The processors' settlement files ----------------------------------------------------------

// The settlement faults the processors may inject (--inject), in the order the usage lists them.
inline constexpr std::array<std::string_view, 7> kInjectReasons{
    "missing", "late", "duplicate", "amount_mismatch", "fee_mismatch", "unknown", "settled_after_refund"};

// --inject as given: reason → count, in the order written.
using InjectCounts = std::vector<std::pair<std::string, std::uint64_t>>;

// The body of POST /sim/settlement: {"date": "YYYY-MM-DD", "inject": {...}, "seed": S}; "inject" only
// when given.
std::string settlement_request_body(std::chrono::year_month_day business_date,
                                    const std::optional<InjectCounts>& inject, std::uint64_t seed);

// A processor's 201 answer to POST /sim/settlement.
struct SettlementAnswer {
  std::string processor = "";
  std::string path = "";
  std::string file = "";
  std::uint64_t lines = 0;
  std::int64_t amount_total_yen = 0;
  std::int64_t fee_total_yen = 0;
  std::int64_t net_total_yen = 0;    // what the processor pays (negative: takes back)
  boost::json::array injected = {};  // the faults it put in the file, each an object as sent
};

// The answer's body read; fails, naming the processor, on a body that is not the JSON object of a
// settlement file of `business_date` (path, file, date, lines, amount_total, fee_total, net_total; an
// "injected" array of objects when present).
Result<SettlementAnswer, std::string> parse_settlement_answer(std::string_view processor,
                                                              std::chrono::year_month_day business_date,
                                                              std::string_view body);

// --- Deposits ------------------------------------------------------------------------------------

constexpr std::string_view kDepositShort = "deposit_short";
constexpr std::string_view kDepositMissing = "deposit_missing";
constexpr std::int64_t kShortfallYenMax = 999;

// How many payouts go wrong at the bank (--deposit-short, --deposit-missing).
struct DepositFaults {
  std::uint64_t short_count = 0;    // paid short by 1..kShortfallYenMax yen
  std::uint64_t missing_count = 0;  // not paid at all
};

// What reaches the account from one processor's payout.
struct Deposit {
  std::string processor = "";
  std::int64_t expected_yen = 0;  // the file's net_total
  std::int64_t moved_yen = 0;     // signed: in (+), out (−), nothing (0)
  std::string reason = "";        // "" as due, kDepositShort, kDepositMissing
};

// Each answer's payout, in the answers' order: its net_total moves in (or out, when negative), except
// that `faults` pick, from `seed` and the business date, payouts with a positive net_total to leave out
// (first) and to pay short (then, among those of at least 2 yen: never all of it). When fewer payouts
// can go wrong than asked, fewer do (count the reasons).
std::vector<Deposit> plan_deposits(const std::vector<SettlementAnswer>& answers, DepositFaults faults,
                                   std::uint64_t seed, std::chrono::year_month_day business_date);

// --- The bank's book --------------------------------------------------------------------------------

// One line of the book: a processor's payout for a business date, recorded once.
struct BookRecord {
  std::chrono::year_month_day business_date{};  // D
  std::string processor = "";
  std::chrono::year_month_day accounting_date{};  // 勘定日: the deposit date
  std::int64_t expected_yen = 0;
  std::int64_t moved_yen = 0;          // signed; 0: no data record
  std::string reason = "";             // as Deposit's
  std::uint64_t inquiry_number = 0;    // 照会番号; 0 when nothing moved
  std::int64_t balance_after_yen = 0;  // the account's after this line, in the book's order
};

boost::json::object book_record_json(const BookRecord& record);

// A book line read back; nullopt for a line that is not one (a torn last line).
std::optional<BookRecord> parse_book_record(std::string_view line);

// What a run adds to the book.
struct DayRecords {
  std::vector<BookRecord> added = {};              // new lines, in the deposits' order
  std::vector<BookRecord> of_day = {};             // every line of D after the run, earlier runs' first
  std::vector<std::string> already_recorded = {};  // processors whose payout of D the book had
};

// The deposits of business date D, paid on deposit_date, against the book: a (D, processor) already in
// it is left as it was; the others get the next 照会番号 (when money moves) and the running balance.
// Fails when the balance overflows.
Result<DayRecords, std::string> record_day(const std::vector<BookRecord>& book,
                                           const std::vector<Deposit>& deposits,
                                           std::chrono::year_month_day business_date,
                                           std::chrono::year_month_day deposit_date);

// The statement of one 勘定日 from the book: every line of that date that moved money, by 照会番号, each
// named from kProcessorPayers; 取引前残高 the sum of every earlier 勘定日's; 作成日 the 勘定日 itself, so
// the same book gives the same bytes. Fails on overflow or a processor the table does not name.
Result<Statement, std::string> statement_of(const std::vector<BookRecord>& book,
                                            std::chrono::year_month_day accounting_date,
                                            const Account& account);

// --- The truth file -------------------------------------------------------------------------------

// {"date", "deposit_date", "statement", "settlement_files": [{"processor", "path", "lines",
// "net_total"}], "injected": [every processor's injected object with "processor" added, then
// {"processor", "reason", "expected_yen", "deposited_yen", "deposit_date"} for each deposit that went
// wrong], "deposits": [{"processor", "expected_yen", "deposited_yen", "inquiry_number",
// "deposit_date"} for every payout of D]}.
boost::json::object truth_json(std::chrono::year_month_day business_date,
                               std::chrono::year_month_day deposit_date, std::string_view statement_path,
                               const std::vector<SettlementAnswer>& answers,
                               const std::vector<BookRecord>& of_day);

}  // namespace kessai::sim::bank
