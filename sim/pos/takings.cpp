#include "takings.hpp"

#include <cassert>
#include <set>

namespace kessai::sim::pos {

namespace {

// Amounts and counts here are sums of sales of at most a few thousand yen, and carried totals are
// bounded when read (terminal_memory.cpp): an overflow is a bug.
template <typename Number>
void add_to(Number& total, Number amount) {
  [[maybe_unused]] const bool overflow = __builtin_add_overflow(total, amount, &total);
  assert(!overflow);
}

void add_entry(DayTotals& day, const TakingsEntry& entry) {
  if (entry.transaction_number > day.last_transaction_number)
    day.last_transaction_number = entry.transaction_number;
  if (entry.state != EntryState::approved) return;
  TotalLine& line = day.lines[{entry.means, entry.brand}];
  line.means = entry.means;
  line.brand = entry.brand;
  if (entry.kind == EntryKind::payment) {
    add_to(line.payment_count, std::uint64_t{1});
    add_to(line.payment_yen, entry.amount_yen);
  } else {
    add_to(line.refund_count, std::uint64_t{1});
    add_to(line.refund_yen, entry.amount_yen);
  }
}

}  // namespace

bool operator==(const TotalLine& a, const TotalLine& b) {
  return a.means == b.means && a.brand == b.brand && a.payment_count == b.payment_count &&
         a.payment_yen == b.payment_yen && a.refund_count == b.refund_count && a.refund_yen == b.refund_yen;
}

std::string_view state_name(EntryState state) {
  switch (state) {
    case EntryState::stored_offline:
      return "stored_offline";
    case EntryState::approved:
      return "approved";
    case EntryState::declined:
      return "declined";
    case EntryState::pending:
      return "pending";
    case EntryState::failed:
      return "failed";
    case EntryState::refused:
      return "refused";
    case EntryState::abandoned:
      return "abandoned";
  }
  return "unknown";
}

void Takings::record(TakingsEntry entry) {
  assert(entry.transaction_number >= 1 && entry.amount_yen > 0);
  [[maybe_unused]] const bool added = entries_.emplace(entry.transaction_number, std::move(entry)).second;
  assert(added);  // the terminal never uses a number twice
}

bool Takings::settle(std::uint64_t transaction_number, EntryState state, std::string_view business_date,
                     std::string_view kessai_id) {
  const auto found = entries_.find(transaction_number);
  if (found == entries_.end()) return false;
  found->second.state = state;
  if (!business_date.empty()) found->second.business_date = business_date;
  if (!kessai_id.empty()) found->second.kessai_id = kessai_id;
  return true;
}

const TakingsEntry* Takings::find(std::uint64_t transaction_number) const {
  const auto found = entries_.find(transaction_number);
  return found == entries_.end() ? nullptr : &found->second;
}

DayTotals Takings::day(std::string_view business_date) const {
  const auto carried = carried_.find(business_date);
  DayTotals day = carried == carried_.end() ? DayTotals{} : carried->second;
  for (const auto& [number, entry] : entries_) {
    if (entry.business_date == business_date) add_entry(day, entry);
  }
  return day;
}

std::vector<std::string> Takings::dates() const {
  std::set<std::string> dates;
  for (const auto& [number, entry] : entries_) {
    if (!entry.business_date.empty()) dates.insert(entry.business_date);
  }
  return {dates.begin(), dates.end()};
}

DayBook Takings::book(std::size_t days_kept) const {
  DayBook book = carried_;
  for (const std::string& date : dates()) book[date] = day(date);
  while (book.size() > days_kept) book.erase(book.begin());  // dates sort as text: oldest first
  return book;
}

std::int64_t Takings::takings_yen() const {
  std::int64_t total_yen = 0;
  for (const auto& [number, entry] : entries_) {
    if (entry.state != EntryState::approved) continue;
    add_to(total_yen, entry.kind == EntryKind::payment ? entry.amount_yen : -entry.amount_yen);
  }
  return total_yen;
}

std::uint64_t Takings::count(EntryKind kind, EntryState state) const {
  std::uint64_t count = 0;
  for (const auto& [number, entry] : entries_) count += entry.kind == kind && entry.state == state ? 1 : 0;
  return count;
}

std::uint64_t Takings::count(EntryKind kind, EntryState state, bool offline) const {
  std::uint64_t count = 0;
  for (const auto& [number, entry] : entries_)
    count += entry.kind == kind && entry.state == state && entry.offline == offline ? 1 : 0;
  return count;
}

std::vector<std::pair<TotalLine, TotalLine>> compare_totals(const std::map<TotalKey, TotalLine>& ours,
                                                            const std::map<TotalKey, TotalLine>& theirs) {
  std::set<TotalKey> keys;
  for (const auto& [key, line] : ours) keys.insert(key);
  for (const auto& [key, line] : theirs) keys.insert(key);
  std::vector<std::pair<TotalLine, TotalLine>> differences;
  for (const TotalKey& key : keys) {
    const TotalLine zero{key.first, key.second};
    const auto mine = ours.find(key);
    const auto other = theirs.find(key);
    const TotalLine& a = mine == ours.end() ? zero : mine->second;
    const TotalLine& b = other == theirs.end() ? zero : other->second;
    if (!(a == b)) differences.emplace_back(a, b);
  }
  return differences;
}

}  // namespace kessai::sim::pos
