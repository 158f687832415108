#include "settlement_inject.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include <boost/json.hpp>

#include "json_lines.hpp"
#include "settlement_file.hpp"
#include "utc_time.hpp"

namespace kessai::sim {

namespace chrono = std::chrono;
namespace json = boost::json;

namespace {

constexpr std::int64_t kAmountRaiseYenMax = 500;  // amount_mismatch: raised by 1..500 yen
constexpr std::int64_t kFeeRaiseYenMin = 5;       // fee_mismatch: raised by 5..50 yen
constexpr std::int64_t kFeeRaiseYenMax = 50;
// unknown: an amount from 1,001 yen up (above a flat fee), rarely the round prices real sales have, never
// one of the day's.
constexpr std::int64_t kUnknownAmountYenMin = 1'001;
constexpr std::uint64_t kUnknownAmountYenSpan = 8'999;
constexpr std::size_t kUnknownReferenceDrawnChars = 14;  // "pi_simunknown" and 14: "pi_" and 24
constexpr std::size_t kUnknownIdDigitsMin = 6;           // ch_000001, em_000001, pe_000001
constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::uint64_t kSecondsPerDay = 86'400;

constexpr std::string_view kRequestShape =
    "body must be {\"date\": \"YYYY-MM-DD\"} (a calendar date, the business date in Asia/Tokyo), "
    "optionally with \"inject\": {\"missing\": N, ...} and \"seed\": S";

// SplitMix64's finaliser: the seed and the date into one well-spread engine seed.
constexpr std::uint64_t mix_64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// The draws of one request, the same on every platform: std::mt19937_64 (its sequence is fixed by the
// standard) and our own arithmetic rather than std::uniform_int_distribution, whose results differ
// between standard libraries. The date takes part, so one seed picks other lines on other days.
class Draws {
 public:
  Draws(std::uint64_t seed, chrono::year_month_day date)
      : engine_(mix_64(
            seed ^ mix_64(static_cast<std::uint64_t>(chrono::sys_days(date).time_since_epoch().count())))) {}

  std::uint64_t next() { return engine_(); }

  // 0 .. bound − 1; bound > 0. The modulo bias (below 2^-40 for these bounds) does not matter here.
  std::uint64_t below(std::uint64_t bound) {
    assert(bound > 0);
    return engine_() % bound;
  }

  // low .. high, both included; 0 ≤ low ≤ high, small.
  std::int64_t between(std::int64_t low, std::int64_t high) {
    assert(0 <= low && low <= high);
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

 private:
  std::mt19937_64 engine_;
};

chrono::year_month_day next_date(chrono::year_month_day date) {
  return chrono::year_month_day(chrono::sys_days(date) + chrono::days(1));
}

// 00:00 JST of the date.
chrono::sys_seconds start_of_tokyo_day(chrono::year_month_day date) {
  return chrono::sys_seconds(chrono::sys_days(date)) - kTokyoUtcOffset;
}

bool file_order(const SettlementLine& a, const SettlementLine& b) {
  return std::tie(a.transacted_at, a.kind, a.transaction_id) <
         std::tie(b.transacted_at, b.kind, b.transaction_id);
}

// The day's lines being changed: which are left out or doubled, which sales are taken.
struct Work {
  Work(const std::vector<SettlementLine>& day_lines, const InjectionRequest& request,
       chrono::year_month_day day)
      : lines(day_lines),
        file_lines(day_lines),
        dropped(day_lines.size(), false),
        doubled(day_lines.size(), false),
        draws(request.seed, day),
        date(day) {
    for (const SettlementLine& line : lines) {
      // Within one sale's amount: no overflow (settlement_lines counts no refund beyond it).
      if (line.kind == SettlementKind::refund) refunded_yen[line.sale_id] += line.amount_yen;
    }
  }

  std::int64_t refunded_in_file_yen(const SettlementLine& sale) const {
    const auto found = refunded_yen.find(sale.sale_id);
    return found == refunded_yen.end() ? 0 : found->second;
  }

  const std::vector<SettlementLine>& lines;  // as the records have them
  std::vector<SettlementLine> file_lines;    // as the file is to have them
  std::vector<bool> dropped;
  std::vector<bool> doubled;
  std::set<std::string> taken_sales;                 // sale ids: one injection per sale and its refunds
  std::map<std::string, std::int64_t> refunded_yen;  // sale id → its refund lines in the file
  Draws draws;
  chrono::year_month_day date;
  InjectionOutcome outcome;
};

// Whether the line at `index` may take a discrepancy of `reason` (any but unknown).
bool suitable(const Work& work, std::size_t index, DiscrepancyReason reason, const SettlementLayout& layout) {
  const SettlementLine& line = work.lines[index];
  if (line.kind != SettlementKind::sale || work.taken_sales.contains(line.sale_id)) return false;
  const std::int64_t refunded_yen = work.refunded_in_file_yen(line);
  switch (reason) {
    case DiscrepancyReason::settled_after_refund:
      return refunded_yen == line.amount_yen;
    case DiscrepancyReason::amount_mismatch:
      return refunded_yen == 0 &&
             line.amount_yen <= std::numeric_limits<std::int64_t>::max() - kAmountRaiseYenMax &&
             layout.sale_fee_yen(line, line.amount_yen + kAmountRaiseYenMax).has_value();
    case DiscrepancyReason::fee_mismatch:
      // The raised fee stays within the amount (0 ≤ fee ≤ amount on every line).
      return refunded_yen == 0 && line.amount_yen - line.fee_yen >= kFeeRaiseYenMax;
    case DiscrepancyReason::missing:
    case DiscrepancyReason::late:
    case DiscrepancyReason::duplicate:
    case DiscrepancyReason::unknown:
      break;
  }
  return refunded_yen == 0;
}

// Up to `count` suitable sale lines drawn without repeats, in file order; their sales are taken.
std::vector<std::size_t> pick_sales(Work& work, DiscrepancyReason reason, std::size_t count,
                                    const SettlementLayout& layout) {
  std::vector<std::size_t> candidates;
  for (std::size_t index = 0; index < work.lines.size(); ++index) {
    if (suitable(work, index, reason, layout)) candidates.push_back(index);
  }
  std::vector<std::size_t> picked;
  while (picked.size() < count && !candidates.empty()) {
    const std::size_t at = work.draws.below(candidates.size());
    picked.push_back(candidates[at]);
    candidates[at] = candidates.back();
    candidates.pop_back();
  }
  std::ranges::sort(picked);
  for (const std::size_t index : picked) work.taken_sales.insert(work.lines[index].sale_id);
  return picked;
}

// One discrepancy of `reason` on the sale line at `index`; false when it cannot be made after all.
bool inject_on_sale(Work& work, std::size_t index, InjectedDiscrepancy& injected,
                    const SettlementLayout& layout) {
  SettlementLine& line = work.file_lines[index];
  switch (injected.reason) {
    case DiscrepancyReason::missing:
      work.dropped[index] = true;
      return true;
    case DiscrepancyReason::late:
      work.dropped[index] = true;
      injected.to_date = next_date(work.date);
      work.outcome.held.push_back(line);
      return true;
    case DiscrepancyReason::duplicate:
      work.doubled[index] = true;
      return true;
    case DiscrepancyReason::amount_mismatch: {
      const std::int64_t amount_yen = line.amount_yen + work.draws.between(1, kAmountRaiseYenMax);
      const std::optional<std::int64_t> fee = layout.sale_fee_yen(line, amount_yen);
      if (!fee || *fee < 0 || *fee > amount_yen) return false;
      line.amount_yen = amount_yen;
      line.fee_yen = *fee;
      injected.file_amount_yen = amount_yen;
      return true;
    }
    case DiscrepancyReason::fee_mismatch:
      line.fee_yen += work.draws.between(kFeeRaiseYenMin, kFeeRaiseYenMax);
      assert(line.fee_yen <= line.amount_yen);
      injected.file_fee_yen = line.fee_yen;
      return true;
    case DiscrepancyReason::settled_after_refund:
      for (std::size_t other = 0; other < work.lines.size(); ++other) {
        const SettlementLine& refund = work.lines[other];
        if (refund.kind != SettlementKind::refund || refund.sale_id != line.sale_id) continue;
        work.dropped[other] = true;
        injected.refunds.push_back(refund);
      }
      return true;
    case DiscrepancyReason::unknown:
      break;
  }
  return false;
}

void inject_on_sales(Work& work, DiscrepancyReason reason, std::size_t count,
                     const SettlementLayout& layout) {
  for (const std::size_t index : pick_sales(work, reason, count, layout)) {
    InjectedDiscrepancy injected{reason, work.lines[index]};
    if (inject_on_sale(work, index, injected, layout)) work.outcome.injected.push_back(std::move(injected));
  }
}

// What unknown lines must not repeat: every amount, id and reference of the file and of the lines it
// leaves out (a sale left out must not be matched to an unknown line of its amount).
struct Taken {
  std::set<std::int64_t> amounts{};
  std::set<std::string> ids{};
  std::set<std::string> references{};

  void add(const SettlementLine& line) {
    amounts.insert(line.amount_yen);
    ids.insert(line.transaction_id);
    references.insert(line.reference);
  }
};

// The processor's id shape from a sale's id: its prefix ("ch_") and as many digits, 9 first, clear of
// the ids it numbers from 1.
std::string fresh_id(std::string_view like_sale_id, Taken& taken, Draws& draws) {
  const std::size_t underscore = like_sale_id.rfind('_');
  const std::string prefix(underscore == std::string_view::npos ? ""
                                                                : like_sale_id.substr(0, underscore + 1));
  std::size_t digits = std::max(kUnknownIdDigitsMin, like_sale_id.size() - prefix.size()) - 1;
  std::uint64_t space = 1;
  for (std::size_t i = 0; i < digits; ++i) space *= 10;
  std::uint64_t number = draws.below(space);
  for (;;) {
    std::string text = std::to_string(number);
    std::string id = prefix + "9" + std::string(digits - text.size(), '0') + text;
    if (taken.ids.insert(id).second) return id;
    if (++number == space) {  // every id of this width taken: one digit more
      ++digits;
      space *= 10;
      number = 0;
    }
  }
}

std::string fresh_reference(Taken& taken, Draws& draws) {
  for (;;) {
    std::string reference(kUnknownReferencePrefix);
    for (std::size_t i = 0; i < kUnknownReferenceDrawnChars; ++i)
      reference += kBase62[draws.below(kBase62.size())];
    if (taken.references.insert(reference).second) return reference;
  }
}

std::int64_t fresh_amount_yen(Taken& taken, Draws& draws) {
  std::int64_t amount_yen =
      kUnknownAmountYenMin + static_cast<std::int64_t>(draws.below(kUnknownAmountYenSpan));
  while (!taken.amounts.insert(amount_yen).second) ++amount_yen;
  return amount_yen;
}

// Lines of sales that never happened, each with the merchant (brand, rate) of a line of the day drawn,
// at a time of the day drawn; `added` gets them.
void inject_unknown(Work& work, std::size_t count, const std::vector<SettlementLine>& carried,
                    const SettlementLayout& layout, std::vector<SettlementLine>& added) {
  if (work.lines.empty() || count == 0) return;
  Taken taken;
  for (const SettlementLine& line : work.lines) taken.add(line);
  for (const SettlementLine& line : work.file_lines) taken.add(line);
  for (const SettlementLine& line : carried) taken.add(line);
  for (std::size_t made = 0; made < count; ++made) {
    const SettlementLine& like = work.lines[work.draws.below(work.lines.size())];
    SettlementLine line;
    line.transacted_at = start_of_tokyo_day(work.date) + chrono::seconds(work.draws.below(kSecondsPerDay));
    line.kind = SettlementKind::sale;
    line.transaction_id = fresh_id(like.sale_id, taken, work.draws);
    line.reference = fresh_reference(taken, work.draws);
    line.merchant = like.merchant;
    line.brand = like.brand;
    line.detail = layout.unknown_detail ? layout.unknown_detail(work.draws.next()) : like.detail;
    line.amount_yen = fresh_amount_yen(taken, work.draws);
    line.sale_id = line.transaction_id;
    line.mdr_bp = like.mdr_bp;
    const std::optional<std::int64_t> fee = layout.sale_fee_yen(line, line.amount_yen);
    if (!fee || *fee < 0 || *fee > line.amount_yen) continue;
    line.fee_yen = *fee;
    added.push_back(line);
    work.outcome.injected.push_back(InjectedDiscrepancy{DiscrepancyReason::unknown, std::move(line)});
  }
}

std::optional<std::size_t> count_of(const json::value& value) {
  if (value.is_int64() && value.as_int64() >= 0 &&
      static_cast<std::uint64_t>(value.as_int64()) <= kInjectionsPerReasonMax) {
    return static_cast<std::size_t>(value.as_int64());
  }
  if (value.is_uint64() && value.as_uint64() <= kInjectionsPerReasonMax) {
    return static_cast<std::size_t>(value.as_uint64());
  }
  return std::nullopt;
}

std::string known_reasons() {
  std::string list;
  for (const DiscrepancyReason reason : kDiscrepancyReasons) {
    if (!list.empty()) list += ", ";
    list += to_string(reason);
  }
  return list;
}

std::optional<std::string> read_injections(const json::value& value, InjectionRequest& request) {
  if (!value.is_object()) return std::string("inject must be an object of counts, e.g. {\"missing\": 1}");
  for (const auto& [key, count] : value.as_object()) {
    const std::optional<DiscrepancyReason> reason = parse_discrepancy_reason(key);
    if (!reason) return "inject: unknown key '" + std::string(key) + "' (known: " + known_reasons() + ")";
    const std::optional<std::size_t> asked = count_of(count);
    if (!asked) {
      return "inject." + std::string(key) + " must be a whole number from 0 to " +
             std::to_string(kInjectionsPerReasonMax);
    }
    request.counts[static_cast<std::size_t>(*reason) - 1] = *asked;
  }
  return std::nullopt;
}

std::optional<std::string> read_seed(const json::value& value, std::uint64_t& seed) {
  if (value.is_uint64()) {
    seed = value.as_uint64();
  } else if (value.is_int64() && value.as_int64() >= 0) {
    seed = static_cast<std::uint64_t>(value.as_int64());
  } else {
    return std::string("seed must be an unsigned integer (0 to 18446744073709551615)");
  }
  return std::nullopt;
}

std::string_view kind_name(SettlementKind kind) {
  return kind == SettlementKind::sale ? "sale" : "refund";
}

}  // namespace

std::string_view to_string(DiscrepancyReason reason) {
  switch (reason) {
    case DiscrepancyReason::missing:
      return "missing";
    case DiscrepancyReason::late:
      return "late";
    case DiscrepancyReason::duplicate:
      return "duplicate";
    case DiscrepancyReason::amount_mismatch:
      return "amount_mismatch";
    case DiscrepancyReason::fee_mismatch:
      return "fee_mismatch";
    case DiscrepancyReason::unknown:
      return "unknown";
    case DiscrepancyReason::settled_after_refund:
      return "settled_after_refund";
  }
  return "";
}

std::optional<DiscrepancyReason> parse_discrepancy_reason(std::string_view text) {
  for (const DiscrepancyReason reason : kDiscrepancyReasons) {
    if (to_string(reason) == text) return reason;
  }
  return std::nullopt;
}

bool InjectionRequest::any() const {
  return std::ranges::any_of(counts, [](std::size_t count) { return count > 0; });
}

Result<SettlementRequest, std::string> parse_settlement_request(std::string_view body) {
  json::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return fail(std::string(kRequestShape));
  SettlementRequest request;
  bool dated = false;
  for (const auto& [key, value] : parsed.as_object()) {
    if (key == "date") {
      const std::optional<chrono::year_month_day> date =
          value.is_string() ? parse_calendar_date(value.as_string()) : std::nullopt;
      if (!date) return fail(std::string(kRequestShape));
      request.date = *date;
      dated = true;
    } else if (key == "inject") {
      if (auto error = read_injections(value, request.inject)) return fail(std::move(*error));
    } else if (key == "seed") {
      if (auto error = read_seed(value, request.inject.seed)) return fail(std::move(*error));
    } else {
      return fail("unknown key '" + std::string(key) + "' (known: date, inject, seed)");
    }
  }
  if (!dated) return fail(std::string(kRequestShape));
  return request;
}

json::object injected_json(const InjectedDiscrepancy& injected) {
  const SettlementLine& line = injected.line;
  json::object object{{"reason", to_string(injected.reason)},
                      {"reference", line.reference},
                      {"transaction_id", line.transaction_id},
                      {"kind", kind_name(line.kind)},
                      {"amount_yen", line.amount_yen}};
  switch (injected.reason) {
    case DiscrepancyReason::late:
      object["to_date"] = format_date(injected.to_date, "%F");
      break;
    case DiscrepancyReason::amount_mismatch:
      object["file_amount_yen"] = injected.file_amount_yen;
      break;
    case DiscrepancyReason::fee_mismatch:
      object["fee_yen"] = injected.file_fee_yen;
      object["expected_fee_yen"] = line.fee_yen;
      break;
    case DiscrepancyReason::unknown:
      object["merchant"] = line.merchant;
      break;
    case DiscrepancyReason::settled_after_refund: {
      json::array references;
      json::array ids;
      for (const SettlementLine& refund : injected.refunds) {
        references.emplace_back(refund.reference);
        ids.emplace_back(refund.transaction_id);
      }
      object["refund_references"] = std::move(references);
      object["refund_transaction_ids"] = std::move(ids);
      break;
    }
    case DiscrepancyReason::missing:
    case DiscrepancyReason::duplicate:
      break;
  }
  return object;
}

InjectionOutcome inject_discrepancies(const std::vector<SettlementLine>& lines,
                                      const std::vector<SettlementLine>& carried, chrono::year_month_day date,
                                      const InjectionRequest& request, const SettlementLayout& layout) {
  Work work(lines, request, date);
  std::vector<SettlementLine> added(carried);
  for (const DiscrepancyReason reason : kDiscrepancyReasons) {
    const std::size_t asked = request.asked(reason);
    if (asked == 0) continue;
    if (reason == DiscrepancyReason::unknown) {
      inject_unknown(work, asked, carried, layout, added);
    } else {
      inject_on_sales(work, reason, asked, layout);
    }
  }
  std::vector<SettlementLine>& file = work.outcome.lines;
  for (std::size_t index = 0; index < lines.size(); ++index) {
    if (work.dropped[index]) continue;
    file.push_back(work.file_lines[index]);
    if (work.doubled[index]) file.push_back(work.file_lines[index]);
  }
  file.insert(file.end(), added.begin(), added.end());
  // Stable: a doubled line stays next to its twin.
  std::ranges::stable_sort(file, file_order);
  return std::move(work.outcome);
}

json::object held_line_json(const HeldLine& held) {
  const SettlementLine& line = held.line;
  return json::object{{"file", held.file},
                      {"from_date", format_date(held.from_date, "%F")},
                      {"to_date", format_date(held.to_date, "%F")},
                      {"transacted_at", format_utc_seconds(line.transacted_at.time_since_epoch().count())},
                      {"kind", kind_name(line.kind)},
                      {"transaction_id", line.transaction_id},
                      {"reference", line.reference},
                      {"merchant", line.merchant},
                      {"brand", line.brand},
                      {"detail", line.detail},
                      {"amount_yen", line.amount_yen},
                      {"fee_yen", line.fee_yen},
                      {"sale_id", line.sale_id},
                      {"mdr_bp", line.mdr_bp}};
}

std::optional<HeldLine> parse_held_line(std::string_view text) {
  const std::optional<json::object> object = parse_object(text);
  if (!object) return std::nullopt;
  const auto file = string_at(*object, "file");
  const auto from_date = string_at(*object, "from_date");
  const auto to_date = string_at(*object, "to_date");
  const auto at = string_at(*object, "transacted_at");
  const auto kind = string_at(*object, "kind");
  const auto amount = amount_at(*object, "amount_yen");
  const auto fee = amount_at(*object, "fee_yen");
  const json::value* mdr_bp = object->if_contains("mdr_bp");
  if (!file || !from_date || !to_date || !at || !kind || !amount || !fee || mdr_bp == nullptr ||
      !mdr_bp->is_int64() || mdr_bp->as_int64() < 0 || mdr_bp->as_int64() > kMdrBasisPointsMax) {
    return std::nullopt;
  }
  HeldLine held;
  held.file = *file;
  const auto from = parse_calendar_date(*from_date);
  const auto to = parse_calendar_date(*to_date);
  const auto instant = parse_utc_timestamp(*at);
  if (!from || !to || !instant || (*kind != "sale" && *kind != "refund") || *amount <= 0 || *fee > *amount) {
    return std::nullopt;
  }
  held.from_date = *from;
  held.to_date = *to;
  SettlementLine& line = held.line;
  line.transacted_at = *instant;
  line.kind = *kind == "sale" ? SettlementKind::sale : SettlementKind::refund;
  for (auto [key, field] :
       {std::pair{"transaction_id", &line.transaction_id}, std::pair{"reference", &line.reference},
        std::pair{"merchant", &line.merchant}, std::pair{"brand", &line.brand},
        std::pair{"detail", &line.detail}, std::pair{"sale_id", &line.sale_id}}) {
    const auto value = string_at(*object, key);
    if (!value) return std::nullopt;
    *field = *value;
  }
  line.amount_yen = *amount;
  line.fee_yen = *fee;
  line.mdr_bp = static_cast<int>(mdr_bp->as_int64());
  return held;
}

}  // namespace kessai::sim
