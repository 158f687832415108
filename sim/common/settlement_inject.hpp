#pragma once
// Discrepancies put into a day's settlement file on purpose, so that kessai's nightly reconciliation has
// something to find, as it would with a real processor's file: a sale left out, settled a day late, listed
// twice, with the wrong amount or fee, a sale that never happened, a sale settled although refunded. They
// are made on the day's SettlementLine vector, before any layout writes it, so every simulator has them
// alike; the layout then writes the lines it is given, and its counts and totals are theirs (the file
// stays well-formed: the discrepancies are in content, not form). Pure: lines in, lines out with a record
// of what was done; answer_settlement (settlement_day.hpp) keeps the late lines on disk.
//
// Each injection causes exactly one discrepancy: the lines it touches are distinct, never two on the same
// sale or its refunds, and never a line held back from the day before. A day with too few suitable lines
// gets fewer than asked, never an error. The draws come from the seed and the date, so the same lines,
// date, injections and seed give the same result.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "kessai/result.hpp"
#include "settlement_day.hpp"

namespace kessai::sim {

// Stable numbers; never renumber. to_string gives the name the request and the answer use.
enum class DiscrepancyReason : std::uint8_t {
  missing = 1,               // a sale line left out: captured but not settled
  late = 2,                  // a sale line left out, and added to the next calendar date's file
  duplicate = 3,             // a sale line twice, one after the other
  amount_mismatch = 4,       // a sale line's amount raised by 1..500 yen, its fee that of the new amount
  fee_mismatch = 5,          // a sale line's fee raised by 5..50 yen, its net lowered as much
  unknown = 6,               // a line of a sale that never happened
  settled_after_refund = 7,  // a sale refunded whole in the file: its refund lines left out
};
constexpr std::size_t kDiscrepancyReasonCount = 7;

// The reasons in the order they are injected (and listed in the answer).
constexpr std::array<DiscrepancyReason, kDiscrepancyReasonCount> kDiscrepancyReasons{
    DiscrepancyReason::missing,      DiscrepancyReason::late,
    DiscrepancyReason::duplicate,    DiscrepancyReason::amount_mismatch,
    DiscrepancyReason::fee_mismatch, DiscrepancyReason::settled_after_refund,
    DiscrepancyReason::unknown};

std::string_view to_string(DiscrepancyReason reason);
std::optional<DiscrepancyReason> parse_discrepancy_reason(std::string_view text);

// At most this many injections of one reason per request: a bound on the work and on the answer.
constexpr std::size_t kInjectionsPerReasonMax = 1'000;
constexpr std::uint64_t kInjectionSeedDefault = 1;

// What a request asks to inject.
struct InjectionRequest {
  std::array<std::size_t, kDiscrepancyReasonCount> counts{};  // by reason, at its number − 1
  std::uint64_t seed = kInjectionSeedDefault;

  std::size_t asked(DiscrepancyReason reason) const { return counts[static_cast<std::size_t>(reason) - 1]; }
  bool any() const;
};

// The body of POST /sim/settlement.
struct SettlementRequest {
  std::chrono::year_month_day date{};
  InjectionRequest inject{};
};

// {"date": "YYYY-MM-DD", "inject": {"missing": N, ...}, "seed": S}: the date a calendar date that exists;
// "inject" optional, each of its keys a reason's name (every one optional) with a whole number
// 0..kInjectionsPerReasonMax; "seed" optional, an unsigned 64-bit integer. Any other key, or a value of
// the wrong kind, is refused with a message naming it.
Result<SettlementRequest, std::string> parse_settlement_request(std::string_view body);

// One discrepancy injected.
struct InjectedDiscrepancy {
  DiscrepancyReason reason = DiscrepancyReason::missing;
  SettlementLine line{};                  // the sale as the records have it; for `unknown`, the line added
  std::int64_t file_amount_yen = 0;       // amount_mismatch: the amount written in the file
  std::int64_t file_fee_yen = 0;          // fee_mismatch: the fee written in the file
  std::chrono::year_month_day to_date{};  // late: the date whose file holds the line
  std::vector<SettlementLine> refunds{};  // settled_after_refund: the refund lines left out
};

// {"reason", "reference", "transaction_id", "kind", "amount_yen"} and what the reason adds:
// "to_date" (late), "file_amount_yen" (amount_mismatch), "fee_yen" and "expected_fee_yen"
// (fee_mismatch), "merchant" (unknown), "refund_references" and "refund_transaction_ids"
// (settled_after_refund).
boost::json::object injected_json(const InjectedDiscrepancy& injected);

struct InjectionOutcome {
  std::vector<SettlementLine> lines{};          // what the file is to hold, in file order
  std::vector<InjectedDiscrepancy> injected{};  // by reason in kDiscrepancyReasons' order, then file order
  std::vector<SettlementLine> held{};           // the late lines, for the next date's file
};

// `lines`: the date's lines from the records, in file order; `carried`: lines held back for this date's
// file by the day before, added in their place (by time) and never touched. The layout gives the fee of a
// sale at another amount and the detail of a sale that never happened.
InjectionOutcome inject_discrepancies(const std::vector<SettlementLine>& lines,
                                      const std::vector<SettlementLine>& carried,
                                      std::chrono::year_month_day date, const InjectionRequest& request,
                                      const SettlementLayout& layout);

// The reference of an unknown line starts so: "pi_" and 24 characters like kessai's own, which never
// start with these.
constexpr std::string_view kUnknownReferencePrefix = "pi_simunknown";

// A late line waiting in kHeldLinesFile for the file of the next date.
struct HeldLine {
  std::string file;  // the name of the file that is to hold it
  std::chrono::year_month_day from_date{};
  std::chrono::year_month_day to_date{};
  SettlementLine line{};
};

// One line of kHeldLinesFile, and back (nullopt for a line that is not one).
boost::json::object held_line_json(const HeldLine& held);
std::optional<HeldLine> parse_held_line(std::string_view text);

}  // namespace kessai::sim
