#pragma once
// The terminal's takings: every transaction it made this run with what became of it, and its totals per
// business date, means and brand, as the day close sends them (approved payments, approved refunds and
// voids). Totals of earlier runs (the terminal's memory) are carried in, so a terminal restarted during
// the day still closes the whole day. Pure.
//
// An offline payment is in the takings from the moment it is taken (the payer has a receipt) with no
// business date yet; its upload result settles it: approved ones count on the date kessai booked them,
// declined and refused ones leave the takings.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sale_draw.hpp"

namespace kessai::sim::pos {

struct TotalLine {
  Means means = Means::card;
  std::string brand = "";
  std::uint64_t payment_count = 0;  // approved payments
  std::int64_t payment_yen = 0;
  std::uint64_t refund_count = 0;  // approved refunds and voids
  std::int64_t refund_yen = 0;
};
bool operator==(const TotalLine& a, const TotalLine& b);

using TotalKey = std::pair<Means, std::string>;

struct DayTotals {
  std::map<TotalKey, TotalLine> lines = {};
  std::uint64_t last_transaction_number = 0;  // the highest number booked on the day (any outcome)
};

using DayBook = std::map<std::string, DayTotals, std::less<>>;  // business date "YYYY-MM-DD" → totals

// Stable numbers; never renumber.
enum class EntryKind : std::uint8_t { payment = 1, refund = 2 };
enum class EntryState : std::uint8_t {
  stored_offline = 1,  // taken offline, no result yet
  approved = 2,
  declined = 3,
  pending = 4,
  failed = 5,
  refused = 6,    // an offline payment kessai did not forward
  abandoned = 7,  // sent without an answer, then refused when sent again: never recorded by kessai
};
std::string_view state_name(EntryState state);

struct TakingsEntry {
  std::uint64_t transaction_number = 0;
  EntryKind kind = EntryKind::payment;
  Means means = Means::card;
  std::string brand = "";
  std::int64_t amount_yen = 0;  // positive
  EntryState state = EntryState::stored_offline;
  bool offline = false;
  std::string business_date = "";  // as kessai booked it; empty until known
  std::string kessai_id = "";      // kessai's id of the record: the payment's "pi_…", the refund's "re_…"
};

class Takings {
 public:
  explicit Takings(DayBook carried = {}) : carried_(std::move(carried)) {}

  // A transaction whose number kessai answered (or an offline payment just taken). Its number is new.
  void record(TakingsEntry entry);
  // What became of a transaction; false when the number is not one recorded.
  bool settle(std::uint64_t transaction_number, EntryState state, std::string_view business_date,
              std::string_view kessai_id);
  const TakingsEntry* find(std::uint64_t transaction_number) const;
  const std::map<std::uint64_t, TakingsEntry>& entries() const { return entries_; }

  // The day's totals: those carried in plus this run's approved transactions booked that day.
  DayTotals day(std::string_view business_date) const;
  // Dates this run booked anything on, in order.
  std::vector<std::string> dates() const;
  // Carried and this run's days together, the latest `days_kept` of them: what the memory keeps.
  DayBook book(std::size_t days_kept) const;

  // This run's approved payments less its approved refunds, yen.
  std::int64_t takings_yen() const;
  std::uint64_t count(EntryKind kind, EntryState state) const;
  std::uint64_t count(EntryKind kind, EntryState state, bool offline) const;

 private:
  DayBook carried_;
  std::map<std::uint64_t, TakingsEntry> entries_;
};

// The differences between two days' lines, by (means, brand): each key where they disagree, with the
// line of each side (zero counts where a side has none).
std::vector<std::pair<TotalLine, TotalLine>> compare_totals(const std::map<TotalKey, TotalLine>& ours,
                                                            const std::map<TotalKey, TotalLine>& theirs);

}  // namespace kessai::sim::pos
