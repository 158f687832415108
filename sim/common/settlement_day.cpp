#include "settlement_day.hpp"

#include <algorithm>
#include <cassert>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "kessai/runtime/log.hpp"
#include "settlement_file.hpp"

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
                                   sale.merchant, sale.brand, sale.detail, sale.amount_yen, *fee});
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
                                   refund.amount_yen, fee_back_yen});
  }
  return std::nullopt;
}

std::optional<std::int64_t> checked_sum(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

// The body's business date; nullopt when it is not {"date": "YYYY-MM-DD"} with a date that exists.
std::optional<chrono::year_month_day> requested_date(const std::string& body) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::value* date = parsed.as_object().if_contains("date");
  if (date == nullptr || !date->is_string()) return std::nullopt;
  return parse_calendar_date(date->as_string());
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

runtime::HttpResponse answer_settlement(const std::string& body, const std::filesystem::path& directory,
                                        const SettlementMaker& make) {
  const std::optional<chrono::year_month_day> date = requested_date(body);
  if (!date) {
    return bad_request(
        "body must be {\"date\": \"YYYY-MM-DD\"}: a calendar date, the business date in Asia/Tokyo");
  }
  const std::string date_text = format_date(*date, "%F");
  // One at a time: two requests for one date would otherwise write the same <name>.part.
  static std::mutex writing_mutex;
  std::lock_guard lock(writing_mutex);
  auto file = make(*date);
  if (!file) {
    log::error("settlement_failed", {{"date", date_text}, {"message", file.error()}});
    return reply(500, json::object{{"error", "settlement_failed"}, {"message", file.error()}});
  }
  const auto path = write_file_atomically(directory, file->name, file->content);
  if (!path) {
    log::error("settlement_failed", {{"date", date_text}, {"message", path.error()}});
    return reply(500, json::object{{"error", "settlement_failed"}, {"message", path.error()}});
  }
  const SettlementTotals& totals = file->totals;
  log::info("settlement_written", {{"date", date_text},
                                   {"path", path->string()},
                                   {"lines", std::uint64_t{file->lines}},
                                   {"amount_total_yen", totals.amount_yen},
                                   {"fee_total_yen", totals.fee_yen},
                                   {"net_total_yen", totals.net_yen}});
  return reply(201, json::object{{"path", path->string()},
                                 {"file", file->name},
                                 {"date", date_text},
                                 {"lines", std::uint64_t{file->lines}},
                                 {"amount_total", totals.amount_yen},
                                 {"fee_total", totals.fee_yen},
                                 {"net_total", totals.net_yen}});
}

}  // namespace kessai::sim
