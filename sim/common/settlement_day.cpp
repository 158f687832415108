#include "settlement_day.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "json_lines.hpp"
#include "kessai/runtime/log.hpp"
#include "settlement_file.hpp"
#include "settlement_inject.hpp"

namespace kessai::sim {

namespace chrono = std::chrono;
namespace json = boost::json;

namespace {

// A sale with what its refunds have used up so far, in the order they were made.
struct SaleState {
  const SaleRecord* sale = nullptr;
  std::int64_t fee_yen = 0;
  std::int64_t refunded_yen = 0;
};

Result<chrono::sys_seconds, std::string> time_of(const std::string& id, const std::string& stamp) {
  const std::optional<chrono::sys_seconds> instant = parse_utc_timestamp(stamp);
  if (!instant) return fail(id + " has an unreadable time stamp '" + stamp + "'");
  return *instant;
}

std::string overflow(const std::string& id) {
  return id + ": the amount is too large to compute a fee";
}

// The sales' lines of the date; `states` gets every sale, whatever its date, for the refunds.
std::optional<std::string> add_sales(const std::vector<SaleRecord>& sales, chrono::year_month_day date,
                                     std::map<std::string, SaleState>& states,
                                     std::vector<SettlementLine>& lines) {
  for (const SaleRecord& sale : sales) {
    assert(sale.amount_yen > 0);
    const auto instant = time_of(sale.transaction_id, sale.settled_at);
    if (!instant) return instant.error();
    const std::optional<std::int64_t> fee = fee_yen(sale.amount_yen, sale.mdr_bp);
    if (!fee) return overflow(sale.transaction_id);
    states[sale.transaction_id] = SaleState{&sale, *fee, 0};
    if (tokyo_date_of(instant.value()) != date) continue;
    lines.push_back(SettlementLine{instant.value(), SettlementKind::sale, sale.transaction_id, sale.reference,
                                   sale.merchant, sale.brand, sale.detail, sale.amount_yen, *fee,
                                   sale.transaction_id, sale.mdr_bp});
  }
  return std::nullopt;
}

std::optional<std::string> add_refunds(const std::vector<RefundRecord>& refunds, chrono::year_month_day date,
                                       FeeOnRefund fee_on_refund, std::map<std::string, SaleState>& states,
                                       std::vector<SettlementLine>& lines) {
  for (const RefundRecord& refund : refunds) {
    const auto found = states.find(refund.sale_id);
    if (found == states.end()) continue;
    SaleState& state = found->second;
    // Both within 0..amount: no overflow.
    const std::int64_t refundable_yen = state.sale->amount_yen - state.refunded_yen;
    if (refund.amount_yen <= 0 || refund.amount_yen > refundable_yen) continue;
    const auto instant = time_of(refund.transaction_id, refund.refunded_at);
    if (!instant) return instant.error();
    std::int64_t fee_back_yen = 0;
    if (fee_on_refund == FeeOnRefund::returned_proportionally) {
      const auto back = proportional_fee_back_yen(state.refunded_yen, refund.amount_yen, state.sale->mdr_bp);
      if (!back) return overflow(refund.transaction_id);
      fee_back_yen = *back;
    }
    state.refunded_yen += refund.amount_yen;
    assert(fee_back_yen <= refund.amount_yen);
    if (tokyo_date_of(instant.value()) != date) continue;
    const SaleRecord& sale = *state.sale;
    lines.push_back(SettlementLine{instant.value(), SettlementKind::refund, refund.transaction_id,
                                   refund.reference, sale.merchant, sale.brand, sale.detail,
                                   refund.amount_yen, fee_back_yen, sale.transaction_id, sale.mdr_bp});
  }
  return std::nullopt;
}

std::optional<std::int64_t> checked_sum(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

// The late lines waiting in `directory` for some date's file; none when the file is not there. Lines that
// are not held lines (a hand edit) are skipped and logged, never fatal.
Result<std::vector<HeldLine>, std::string> read_held_lines(const std::filesystem::path& directory) {
  const std::filesystem::path path = directory / kHeldLinesFile;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::vector<HeldLine>{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read " + path.string());
  std::size_t skipped_lines = 0;
  std::vector<HeldLine> held = read_lines<HeldLine>(in, &parse_held_line, skipped_lines);
  if (skipped_lines > 0) {
    log::warn("held_lines_skipped",
              {{"path", path.string()}, {"skipped_lines", std::uint64_t{skipped_lines}}});
  }
  return held;
}

// The held lines with those `date` held for `next_file` replaced by `late`; rewritten only when that
// changes them, so a day with no late lines leaves the directory as it was.
std::optional<std::string> replace_held_lines(const std::filesystem::path& directory,
                                              const std::vector<HeldLine>& before,
                                              chrono::year_month_day date, const std::string& next_file,
                                              const std::vector<SettlementLine>& late) {
  std::vector<HeldLine> after;
  for (const HeldLine& held : before) {
    if (held.file != next_file || held.from_date != date) after.push_back(held);
  }
  const chrono::year_month_day next_date(chrono::sys_days(date) + chrono::days(1));
  for (const SettlementLine& line : late) after.push_back(HeldLine{next_file, date, next_date, line});
  std::string before_text;
  for (const HeldLine& held : before) before_text += json::serialize(held_line_json(held)) + "\n";
  std::string after_text;
  for (const HeldLine& held : after) after_text += json::serialize(held_line_json(held)) + "\n";
  if (after_text == before_text) return std::nullopt;
  const auto written = write_file_atomically(directory, kHeldLinesFile, after_text);
  if (!written) return written.error();
  return std::nullopt;
}

// "late=1,unknown=0": per reason asked for, the count in `counts` (asked for, or injected).
std::string reason_counts(const InjectionRequest& request,
                          const std::array<std::size_t, kDiscrepancyReasonCount>& counts) {
  std::string text;
  for (const DiscrepancyReason reason : kDiscrepancyReasons) {
    if (request.asked(reason) == 0) continue;
    if (!text.empty()) text += ",";
    text +=
        std::string(to_string(reason)) + "=" + std::to_string(counts[static_cast<std::size_t>(reason) - 1]);
  }
  return text;
}

std::array<std::size_t, kDiscrepancyReasonCount> injected_counts(
    const std::vector<InjectedDiscrepancy>& injected) {
  std::array<std::size_t, kDiscrepancyReasonCount> counts{};
  for (const InjectedDiscrepancy& one : injected) ++counts[static_cast<std::size_t>(one.reason) - 1];
  return counts;
}

// A day's file made: the lines, those held for it, the discrepancies; the held lines updated.
struct MadeDay {
  SettlementFile file{};
  InjectionOutcome outcome{};
  std::size_t carried_lines = 0;  // held back by the day before for this file
};

Result<MadeDay, std::string> make_day(const SettlementRequest& request,
                                      const std::filesystem::path& directory,
                                      const SettlementLayout& layout) {
  auto lines = layout.lines(request.date);
  if (!lines) return fail(lines.error());
  auto held = read_held_lines(directory);
  if (!held) return fail(held.error());
  const std::string file_name = layout.file_name(request.date);
  std::vector<SettlementLine> carried;
  for (const HeldLine& line : held.value()) {
    if (line.file == file_name && line.to_date == request.date) carried.push_back(line.line);
  }
  MadeDay made;
  made.carried_lines = carried.size();
  made.outcome = inject_discrepancies(lines.value(), carried, request.date, request.inject, layout);
  auto file = layout.write(request.date, made.outcome.lines);
  if (!file) return fail(file.error());
  made.file = std::move(file).value();
  // Held first: the next date's file never misses a line this one left out; a failure after it is
  // repaired by asking again, which replaces what this date held.
  const chrono::year_month_day next_date(chrono::sys_days(request.date) + chrono::days(1));
  if (auto error = replace_held_lines(directory, held.value(), request.date, layout.file_name(next_date),
                                      made.outcome.held)) {
    return fail(std::move(*error));
  }
  return made;
}

void log_written(const std::string& date_text, const std::filesystem::path& path,
                 const SettlementRequest& request, const MadeDay& made) {
  const SettlementTotals& totals = made.file.totals;
  if (!request.inject.any()) {
    log::info("settlement_written", {{"date", date_text},
                                     {"path", path.string()},
                                     {"lines", std::uint64_t{made.file.lines}},
                                     {"amount_total_yen", totals.amount_yen},
                                     {"fee_total_yen", totals.fee_yen},
                                     {"net_total_yen", totals.net_yen},
                                     {"carried_lines", std::uint64_t{made.carried_lines}}});
    return;
  }
  log::info("settlement_written",
            {{"date", date_text},
             {"path", path.string()},
             {"lines", std::uint64_t{made.file.lines}},
             {"amount_total_yen", totals.amount_yen},
             {"fee_total_yen", totals.fee_yen},
             {"net_total_yen", totals.net_yen},
             {"carried_lines", std::uint64_t{made.carried_lines}},
             {"seed", request.inject.seed},
             {"inject_asked", reason_counts(request.inject, request.inject.counts)},
             {"injected", reason_counts(request.inject, injected_counts(made.outcome.injected))},
             {"held_lines", std::uint64_t{made.outcome.held.size()}}});
}

}  // namespace

std::int64_t signed_amount_yen(const SettlementLine& line) {
  return line.kind == SettlementKind::refund ? -line.amount_yen : line.amount_yen;
}

std::int64_t signed_fee_yen(const SettlementLine& line) {
  return line.kind == SettlementKind::refund ? -line.fee_yen : line.fee_yen;
}

std::int64_t signed_net_yen(const SettlementLine& line) {
  // 0 ≤ fee ≤ amount: no overflow.
  return signed_amount_yen(line) - signed_fee_yen(line);
}

Result<std::vector<SettlementLine>, std::string> settlement_lines(const std::vector<SaleRecord>& sales,
                                                                  const std::vector<RefundRecord>& refunds,
                                                                  chrono::year_month_day date,
                                                                  FeeOnRefund fee_on_refund) {
  std::map<std::string, SaleState> states;
  std::vector<SettlementLine> lines;
  if (auto error = add_sales(sales, date, states, lines)) return fail(std::move(*error));
  if (auto error = add_refunds(refunds, date, fee_on_refund, states, lines)) return fail(std::move(*error));
  std::ranges::sort(lines, [](const SettlementLine& a, const SettlementLine& b) {
    return std::tie(a.transacted_at, a.kind, a.transaction_id) <
           std::tie(b.transacted_at, b.kind, b.transaction_id);
  });
  return lines;
}

Result<SettlementTotals, std::string> settlement_totals(const std::vector<SettlementLine>& lines) {
  SettlementTotals totals;
  for (const SettlementLine& line : lines) {
    const auto amount = checked_sum(totals.amount_yen, signed_amount_yen(line));
    const auto fee = checked_sum(totals.fee_yen, signed_fee_yen(line));
    const auto net = checked_sum(totals.net_yen, signed_net_yen(line));
    if (!amount || !fee || !net) return fail(std::string("the day's totals overflow"));
    totals = SettlementTotals{*amount, *fee, *net};
  }
  assert(totals.net_yen == totals.amount_yen - totals.fee_yen);
  return totals;
}

std::filesystem::path settlement_directory(const SimOptions& options) {
  if (!options.settlement_dir.empty()) return options.settlement_dir;
  return std::filesystem::path(options.state_dir) / "settlement";
}

std::optional<std::int64_t> fee_at_line_rate(const SettlementLine& sale, std::int64_t amount_yen) {
  return fee_yen(amount_yen, sale.mdr_bp);
}

runtime::HttpResponse answer_settlement(const std::string& body, const std::filesystem::path& directory,
                                        const SettlementLayout& layout) {
  const auto request = parse_settlement_request(body);
  if (!request) return bad_request(request.error());
  const std::string date_text = format_date(request->date, "%F");
  // One at a time: two requests for one date would otherwise write the same <name>.part, and the held
  // lines are read, changed and written back.
  static std::mutex writing_mutex;
  std::lock_guard lock(writing_mutex);
  auto made = make_day(request.value(), directory, layout);
  if (!made) {
    log::error("settlement_failed", {{"date", date_text}, {"message", made.error()}});
    return reply(500, json::object{{"error", "settlement_failed"}, {"message", made.error()}});
  }
  const SettlementFile& file = made->file;
  const auto path = write_file_atomically(directory, file.name, file.content);
  if (!path) {
    log::error("settlement_failed", {{"date", date_text}, {"message", path.error()}});
    return reply(500, json::object{{"error", "settlement_failed"}, {"message", path.error()}});
  }
  log_written(date_text, path.value(), request.value(), made.value());
  json::array injected;
  for (const InjectedDiscrepancy& one : made->outcome.injected) injected.emplace_back(injected_json(one));
  const SettlementTotals& totals = file.totals;
  return reply(201, json::object{{"path", path->string()},
                                 {"file", file.name},
                                 {"date", date_text},
                                 {"lines", std::uint64_t{file.lines}},
                                 {"amount_total", totals.amount_yen},
                                 {"fee_total", totals.fee_yen},
                                 {"net_total", totals.net_yen},
                                 {"injected", std::move(injected)}});
}

}  // namespace kessai::sim
