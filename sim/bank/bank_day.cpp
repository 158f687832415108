#include "bank_day.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <random>

#include <boost/json.hpp>

#include "json_lines.hpp"
#include "kessai/runtime/bank_calendar.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::bank {

namespace chrono = std::chrono;
namespace json = boost::json;

namespace {

std::string date_text(chrono::year_month_day date) {
  return format_date(date, "%F");
}

// SplitMix64's finaliser: the seed and the date into one well-spread engine seed, so each business date
// draws its own deposits and the same seed and date always draw the same.
std::uint64_t mix_64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// std::mt19937_64's sequence is fixed by the standard, and the draws below are our own arithmetic (not
// std::uniform_int_distribution, which differs between standard libraries): the same on every platform.
// The modulo bias is far below what matters for picking among a handful of processors.
std::uint64_t below(std::mt19937_64& engine, std::uint64_t bound) {
  assert(bound > 0);
  return engine() % bound;
}

std::optional<std::int64_t> int64_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64() &&
      value->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(value->as_uint64());
  return std::nullopt;
}

std::optional<chrono::year_month_day> date_at(const json::object& object, std::string_view key) {
  const std::optional<std::string> text = string_at(object, key);
  if (!text) return std::nullopt;
  return parse_calendar_date(*text);
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

std::optional<std::int64_t> magnitude(std::int64_t yen) {
  if (yen == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
  return yen < 0 ? -yen : yen;
}

bool same_payout(const BookRecord& record, chrono::year_month_day business_date, std::string_view processor) {
  return record.business_date == business_date && record.processor == processor;
}

}  // namespace

const ProcessorPayer* find_processor_payer(std::string_view processor) {
  const auto found = std::ranges::find(kProcessorPayers, processor, &ProcessorPayer::processor);
  return found == kProcessorPayers.end() ? nullptr : &*found;
}

std::string payout_summary(chrono::year_month_day business_date, Direction direction) {
  return std::string(direction == Direction::deposit ? "ｹﾂｻｲ ﾆﾕｳｷﾝ " : "ｹﾂｻｲ ﾍﾝｷﾝ ") +
         runtime::format_wareki_yymmdd(business_date);
}

std::string settlement_request_body(chrono::year_month_day business_date,
                                    const std::optional<InjectCounts>& inject, std::uint64_t seed) {
  json::object body{{"date", date_text(business_date)}};
  if (inject) {
    json::object counts;
    for (const auto& [reason, count] : *inject) counts[reason] = count;
    body["inject"] = std::move(counts);
  }
  body["seed"] = seed;
  return json::serialize(body);
}

Result<SettlementAnswer, std::string> parse_settlement_answer(std::string_view processor,
                                                              chrono::year_month_day business_date,
                                                              std::string_view body) {
  const std::string who = std::string(processor) + ": ";
  const std::optional<json::object> object = parse_object(body);
  if (!object) return fail(who + "the answer is not a JSON object");
  SettlementAnswer answer;
  answer.processor = processor;
  const auto path = string_at(*object, "path");
  const auto file = string_at(*object, "file");
  const auto date = date_at(*object, "date");
  const auto lines = amount_at(*object, "lines");
  const auto amount = int64_at(*object, "amount_total");
  const auto fee = int64_at(*object, "fee_total");
  const auto net = int64_at(*object, "net_total");
  if (!path || !file || !date || !lines || !amount || !fee || !net) {
    return fail(who +
                "the answer lacks one of path, file, date, lines, amount_total, fee_total, net_total: " +
                std::string(body.substr(0, 200)));
  }
  if (*date != business_date)
    return fail(who + "the file is of " + date_text(*date) + ", not " + date_text(business_date));
  answer.path = *path;
  answer.file = *file;
  answer.lines = static_cast<std::uint64_t>(*lines);
  answer.amount_total_yen = *amount;
  answer.fee_total_yen = *fee;
  answer.net_total_yen = *net;
  if (const json::value* injected = object->if_contains("injected")) {
    const bool objects =
        injected->is_array() &&
        std::ranges::all_of(injected->as_array(), [](const json::value& each) { return each.is_object(); });
    if (!objects) return fail(who + "\"injected\" is not an array of objects");
    answer.injected = injected->as_array();
  }
  return answer;
}

std::vector<Deposit> plan_deposits(const std::vector<SettlementAnswer>& answers, DepositFaults faults,
                                   std::uint64_t seed, chrono::year_month_day business_date) {
  std::vector<Deposit> deposits;
  std::vector<std::size_t> payouts;  // those that can go wrong: money is due to the city
  for (const SettlementAnswer& answer : answers) {
    if (answer.net_total_yen > 0) payouts.push_back(deposits.size());
    deposits.push_back(Deposit{answer.processor, answer.net_total_yen, answer.net_total_yen, ""});
  }
  const auto days = chrono::sys_days(business_date).time_since_epoch().count();
  std::mt19937_64 engine(mix_64(seed ^ mix_64(static_cast<std::uint64_t>(days))));
  // Fisher–Yates: the payouts in an order drawn from the seed; the first go missing, the next go short.
  for (std::size_t i = payouts.size(); i > 1; --i) std::swap(payouts[i - 1], payouts[below(engine, i)]);
  std::uint64_t missing = 0;
  std::uint64_t short_paid = 0;
  for (const std::size_t index : payouts) {
    Deposit& deposit = deposits[index];
    if (missing < faults.missing_count) {
      deposit.moved_yen = 0;
      deposit.reason = kDepositMissing;
      ++missing;
    } else if (short_paid < faults.short_count && deposit.expected_yen >= 2) {
      const std::int64_t most = std::min(kShortfallYenMax, deposit.expected_yen - 1);
      deposit.moved_yen = deposit.expected_yen - 1 -
                          static_cast<std::int64_t>(below(engine, static_cast<std::uint64_t>(most)));
      deposit.reason = kDepositShort;
      ++short_paid;
    }
  }
  return deposits;
}

json::object book_record_json(const BookRecord& record) {
  return json::object{{"business_date", date_text(record.business_date)},
                      {"processor", record.processor},
                      {"accounting_date", date_text(record.accounting_date)},
                      {"expected_yen", record.expected_yen},
                      {"moved_yen", record.moved_yen},
                      {"reason", record.reason},
                      {"inquiry_number", record.inquiry_number},
                      {"balance_after_yen", record.balance_after_yen}};
}

std::optional<BookRecord> parse_book_record(std::string_view line) {
  const std::optional<json::object> object = parse_object(line);
  if (!object) return std::nullopt;
  BookRecord record;
  const auto business_date = date_at(*object, "business_date");
  const auto processor = string_at(*object, "processor");
  const auto accounting_date = date_at(*object, "accounting_date");
  const auto expected = int64_at(*object, "expected_yen");
  const auto moved = int64_at(*object, "moved_yen");
  const auto reason = string_at(*object, "reason");
  const auto inquiry = amount_at(*object, "inquiry_number");
  const auto balance = int64_at(*object, "balance_after_yen");
  if (!business_date || !processor || !accounting_date || !expected || !moved || !reason || !inquiry ||
      !balance || (*moved != 0) != (*inquiry > 0)) {
    return std::nullopt;
  }
  return BookRecord{*business_date,
                    *processor,
                    *accounting_date,
                    *expected,
                    *moved,
                    *reason,
                    static_cast<std::uint64_t>(*inquiry),
                    *balance};
}

Result<DayRecords, std::string> record_day(const std::vector<BookRecord>& book,
                                           const std::vector<Deposit>& deposits,
                                           chrono::year_month_day business_date,
                                           chrono::year_month_day deposit_date) {
  DayRecords day;
  std::uint64_t inquiry_number = 0;
  std::int64_t balance_yen = 0;
  for (const BookRecord& record : book) {
    inquiry_number = std::max(inquiry_number, record.inquiry_number);
    const auto balance = checked_add(balance_yen, record.moved_yen);
    if (!balance) return fail(std::string("the account's balance overflows"));
    balance_yen = *balance;
    if (record.business_date == business_date) day.of_day.push_back(record);
  }
  for (const Deposit& deposit : deposits) {
    const bool known = std::ranges::any_of(book, [&](const BookRecord& record) {
      return same_payout(record, business_date, deposit.processor);
    });
    if (known) {
      day.already_recorded.push_back(deposit.processor);
      continue;
    }
    const auto balance = checked_add(balance_yen, deposit.moved_yen);
    if (!balance) return fail(deposit.processor + ": the account's balance overflows");
    balance_yen = *balance;
    const std::uint64_t number = deposit.moved_yen == 0 ? 0 : ++inquiry_number;
    day.added.push_back(BookRecord{business_date, deposit.processor, deposit_date, deposit.expected_yen,
                                   deposit.moved_yen, deposit.reason, number, balance_yen});
    day.of_day.push_back(day.added.back());
  }
  return day;
}

Result<Statement, std::string> statement_of(const std::vector<BookRecord>& book,
                                            chrono::year_month_day accounting_date, const Account& account) {
  Statement statement;
  statement.account = account;
  statement.created_on = statement.from_date = statement.to_date = accounting_date;
  std::vector<const BookRecord*> of_date;
  for (const BookRecord& record : book) {
    if (chrono::sys_days(record.accounting_date) < chrono::sys_days(accounting_date)) {
      const auto balance = checked_add(statement.balance_before_yen, record.moved_yen);
      if (!balance) return fail(std::string("the account's balance overflows"));
      statement.balance_before_yen = *balance;
    } else if (record.accounting_date == accounting_date && record.moved_yen != 0) {
      of_date.push_back(&record);
    }
  }
  std::ranges::sort(of_date, {}, &BookRecord::inquiry_number);
  for (const BookRecord* record : of_date) {
    const ProcessorPayer* payer = find_processor_payer(record->processor);
    if (payer == nullptr)
      return fail("照会番号 " + std::to_string(record->inquiry_number) + ": unknown processor " +
                  record->processor);
    const auto amount = magnitude(record->moved_yen);
    if (!amount) return fail("照会番号 " + std::to_string(record->inquiry_number) + ": the amount overflows");
    const Direction direction = record->moved_yen > 0 ? Direction::deposit : Direction::withdrawal;
    Entry entry;
    entry.inquiry_number = record->inquiry_number;
    entry.accounting_date = entry.value_date = record->accounting_date;
    entry.direction = direction;
    entry.transaction_code = direction == Direction::deposit ? kTransferCode : kAccountTransferCode;
    entry.amount_yen = *amount;
    // A withdrawal names the processor that took the money in the same fields, so a reader matches
    // both directions alike.
    entry.payer_code = payer->payer_code;
    entry.payer_name = payer->payer_name;
    entry.sending_bank_name = payer->bank_name;
    entry.sending_branch_name = payer->branch_name;
    entry.summary = payout_summary(record->business_date, direction);
    statement.entries.push_back(std::move(entry));
  }
  return statement;
}

json::object truth_json(chrono::year_month_day business_date, chrono::year_month_day deposit_date,
                        std::string_view statement_path, const std::vector<SettlementAnswer>& answers,
                        const std::vector<BookRecord>& of_day) {
  json::array files;
  json::array injected;
  for (const SettlementAnswer& answer : answers) {
    files.push_back(json::object{{"processor", answer.processor},
                                 {"path", answer.path},
                                 {"lines", answer.lines},
                                 {"net_total", answer.net_total_yen}});
    for (const json::value& each : answer.injected) {
      json::object copy = each.as_object();
      copy["processor"] = answer.processor;
      injected.push_back(std::move(copy));
    }
  }
  json::array deposits;
  for (const BookRecord& record : of_day) {
    if (!record.reason.empty()) {
      injected.push_back(json::object{{"processor", record.processor},
                                      {"reason", record.reason},
                                      {"expected_yen", record.expected_yen},
                                      {"deposited_yen", record.moved_yen},
                                      {"deposit_date", date_text(record.accounting_date)}});
    }
    deposits.push_back(json::object{{"processor", record.processor},
                                    {"expected_yen", record.expected_yen},
                                    {"deposited_yen", record.moved_yen},
                                    {"inquiry_number", record.inquiry_number},
                                    {"deposit_date", date_text(record.accounting_date)}});
  }
  return json::object{{"date", date_text(business_date)}, {"deposit_date", date_text(deposit_date)},
                      {"statement", statement_path},      {"settlement_files", std::move(files)},
                      {"injected", std::move(injected)},  {"deposits", std::move(deposits)}};
}

}  // namespace kessai::sim::bank
