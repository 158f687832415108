#pragma once
// The bookkeeping both simulators' books share: records kept in the order they were made and found by
// id and by the merchant's reference, which is what de-duplication and inquiries look up. What a
// record is and what the book decides with it (replay or conflict, refund rules, balances) stay in
// each simulator's book. Not locked: the book holds its own mutex around every call.

#include <cstddef>
#include <unordered_map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kessai::sim {

// "ch_000001": the prefix and the number in six digits or more.
std::string numbered_id(std::string_view prefix, std::size_t number);

// Record: any struct with std::string members `id` and `reference`.
template <class Record>
class RecordIndex {
 public:
  const std::vector<Record>& all() const { return records_; }
  // Every record, to be changed in place (a restore deriving amounts again); none added or removed.
  std::span<Record> mutable_all() { return records_; }

  Record* find(const std::string& id) {
    const auto found = by_id_.find(id);
    return found == by_id_.end() ? nullptr : &records_[found->second];
  }
  const Record* find(const std::string& id) const {
    const auto found = by_id_.find(id);
    return found == by_id_.end() ? nullptr : &records_[found->second];
  }
  const Record* find_by_reference(const std::string& reference) const {
    const auto found = by_reference_.find(reference);
    return found == by_reference_.end() ? nullptr : &records_[found->second];
  }

  // The id of the next new record, numbered in the order the book made them, as the journals replay
  // them: "ch_000001", "ch_000002", …
  std::string next_id(std::string_view prefix) const { return numbered_id(prefix, records_.size() + 1); }

  // Adds the record, or replaces the one with its id (a later journal line of the same record). A
  // replacement keeps the reference the record was first indexed under.
  void put(const Record& record) {
    if (Record* known = find(record.id)) {
      *known = record;
      return;
    }
    by_id_[record.id] = records_.size();
    by_reference_[record.reference] = records_.size();
    records_.push_back(record);
  }

  void clear() {
    records_.clear();
    by_id_.clear();
    by_reference_.clear();
  }

 private:
  std::vector<Record> records_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_reference_;
};

// A copy of the record found, for answers given after the book's lock is released.
template <class Record>
std::optional<Record> copy_of(const Record* record) {
  return record != nullptr ? std::optional<Record>(*record) : std::nullopt;
}

}  // namespace kessai::sim
