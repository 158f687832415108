#pragma once
// What the POS protocol needs from the system of record besides payments: terminals and their request
// sequence numbers, refused offline uploads, numbering gaps, a terminal's takings for a day, and day closes.
// Implemented on PostgreSQL (pg_pos_store.cpp); free of pqxx and Protobuf here.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kessai/engine/payment_intent.hpp"
#include "kessai/money.hpp"
#include "kessai/result.hpp"

namespace kessai::engine {

struct PosTerminal {
  std::string id;  // "term_…"
  std::string name;
  std::string facility_id;
  std::string facility_name;
  std::string secret;
  bool revoked = false;
  std::int64_t highest_sequence = 0;
  Yen card_floor_limit{};    // per offline card payment; 0 = never offline
  Yen emoney_floor_limit{};  // per offline e-money payment
};

// Stable numbers; never renumber.
enum class SequenceClaim : std::uint8_t { accepted = 1, replayed = 2, out_of_window = 3 };

// Request sequence numbers accepted once each: the highest accepted and which of the 64 below it were used
// (bit i: highest - 1 - i), so requests sent concurrently may arrive out of order. Pure; the store keeps it.
struct SequenceWindow {
  static constexpr std::int64_t kWidth = 64;
  std::int64_t highest = 0;
  std::uint64_t below = 0;

  SequenceClaim claim(std::int64_t sequence) {
    if (sequence > highest) {
      const std::int64_t shift = sequence - highest;
      // The old highest becomes bit shift-1; older bits move up with it (and fall out past the window).
      const std::uint64_t moved = shift >= kWidth ? 0 : below << shift;
      const std::uint64_t old_highest = highest > 0 && shift <= kWidth ? std::uint64_t{1} << (shift - 1) : 0;
      below = moved | old_highest;
      highest = sequence;
      return SequenceClaim::accepted;
    }
    const std::int64_t behind = highest - sequence;  // 0: the highest itself
    if (behind == 0) return SequenceClaim::replayed;
    if (behind > kWidth) return SequenceClaim::out_of_window;
    const std::uint64_t bit = std::uint64_t{1} << (behind - 1);
    if ((below & bit) != 0) return SequenceClaim::replayed;
    below |= bit;
    return SequenceClaim::accepted;
  }
};

struct NumberRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

// A terminal's takings for one means and brand on one business date.
struct Takings {
  Means means = Means::card;
  std::string brand{};
  std::int64_t payment_count = 0;
  Yen payment_amount{};
  std::int64_t refund_count = 0;
  Yen refund_amount{};
};

struct DayTakings {
  std::vector<Takings> takings;  // ordered by means, then brand
  std::int64_t pending_count = 0;
};

// An offline payment kessai did not forward; its number counts as seen.
struct RefusedTransaction {
  std::string terminal_id;
  std::int64_t transaction_number = 0;
  std::string reason{};  // "floor_limit_exceeded", "offline_not_allowed", …
  std::string message{};
  Yen amount{};
  Means means = Means::card;
  std::string brand{};
  std::optional<std::chrono::system_clock::time_point> taken_at{};
};

struct DayCloseRecord {
  std::string id;  // "dc_…"
  std::string terminal_id;
  std::chrono::year_month_day business_date{};
  bool match = false;
  std::string terminal_totals_json;
  std::string kessai_totals_json;
  std::string differences_json;
  std::int64_t pending_count = 0;
  std::string gaps_json;
};

class PosStore {
 public:
  virtual ~PosStore() = default;
  virtual std::optional<PosTerminal> find_terminal(const std::string& id) = 0;
  // Uses the sequence number if it is new and in the window; notes when the terminal was last seen.
  virtual SequenceClaim claim_sequence(const std::string& terminal_id, std::int64_t sequence) = 0;
  virtual std::vector<std::pair<std::string, std::string>> fee_codes() = 0;  // (code, name)
  // The highest transaction number recorded for the terminal (payments, refunds, refused), 0 if none.
  virtual std::int64_t highest_transaction(const std::string& terminal_id) = 0;
  // Numbers from 1 to up_to the terminal never sent (or kessai never recorded), at most `limit` ranges.
  virtual std::vector<NumberRange> gaps(const std::string& terminal_id, std::int64_t up_to,
                                        std::size_t limit) = 0;
  // False when the number was already recorded as refused (the first record stands).
  virtual bool record_refused(const RefusedTransaction& refused) = 0;
  virtual std::optional<RefusedTransaction> find_refused(const std::string& terminal_id,
                                                         std::int64_t transaction_number) = 0;
  virtual DayTakings day_takings(const std::string& terminal_id, std::chrono::year_month_day date) = 0;
  virtual void record_day_close(const DayCloseRecord& record) = 0;
};

}  // namespace kessai::engine
