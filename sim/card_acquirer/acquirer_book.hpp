#pragma once
// The card acquirer simulator's book of charges and refunds: what a real acquirer decides and remembers.
// Pure logic (no sockets); persisted as JSON lines by the caller so a restart keeps every charge.
//
// A charge's life: authorized → captured (in full or in part; the rest is released) or → voided;
// declined stays declined. A charge captured at once is born captured. Refunds apply to a captured
// charge, in several parts if need be, up to the captured amount in total.

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "record_index.hpp"

namespace kessai::sim {

struct Charge {
  std::string id;               // "ch_000001"
  std::string reference;        // the merchant's payment id; unique per charge
  std::int64_t amount_yen = 0;  // authorized
  std::string merchant;
  std::string status;  // authorized, captured, voided, declined
  std::string decline_code;
  std::string created_at;
  std::int64_t amount_captured_yen = 0;
  std::int64_t amount_refunded_yen = 0;  // the sum of the charge's refunds
  std::string captured_at = "";          // when the money moved: the sale's time in the settlement file
  std::string card_brand = "";  // visa, mastercard, jcb, amex, diners; empty when the token names none
};

struct Refund {
  std::string id;         // "rf_000001"
  std::string charge_id;  // the captured charge it pays back
  std::string reference;  // the merchant's refund id; unique per refund
  std::int64_t amount_yen = 0;
  std::string status;  // succeeded (a refund that cannot be made is declined and not kept)
  std::string created_at;
};

struct ChargeAttempt {
  std::string reference;
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string card_token;
  bool capture = true;
};

struct ChargeDecision {
  Charge charge;
  bool replayed = false;  // the reference was charged before: the same charge is returned, nothing new
  bool conflict = false;  // the reference was charged before with another amount
};

struct RefundAttempt {
  std::string charge_id;
  std::string reference;
  std::int64_t amount_yen = 0;
};

// What the book did with a capture, void or refund. Stable numbers; never renumber.
enum class BookOutcome : std::uint8_t {
  done = 1,                // the book changed: the caller persists the new records
  replayed = 2,            // asked before on the same terms: the same object again, nothing changed
  not_found = 3,           // no such charge
  wrong_state = 4,         // the charge's status forbids it (declined, voided; not captured for a refund)
  already_captured = 5,    // a capture of another amount, or a void, of a captured charge
  invalid_amount = 6,      // a capture outside 1..authorized, a refund of nothing
  reference_conflict = 7,  // a refund reference used before with another charge or amount
  exceeds_capture = 8,     // a refund over what is left of the captured amount
};

struct ChargeChange {
  BookOutcome outcome = BookOutcome::not_found;
  Charge charge;  // as it is now; empty when not_found
};

struct RefundDecision {
  BookOutcome outcome = BookOutcome::not_found;
  Refund refund;  // the refund made or replayed; otherwise the attempt's terms, without an id
  Charge charge;  // the refunded charge as it is now; empty when not_found
};

class AcquirerBook {
 public:
  AcquirerBook(std::uint64_t seed, double decline_rate) : random_(seed), decline_rate_(decline_rate) {}

  // Decides a new charge or replays the one already made for the reference.
  ChargeDecision charge(const ChargeAttempt& attempt, const std::string& now);
  // Captures an authorized charge at `now`; no amount means the whole authorized amount.
  ChargeChange capture(const std::string& charge_id, std::optional<std::int64_t> amount_yen,
                       const std::string& now);
  ChargeChange void_authorization(const std::string& charge_id);
  RefundDecision refund(const RefundAttempt& attempt, const std::string& now);

  // Replaces the book with the persisted records at start-up: of several records of one charge or
  // refund the last wins, and each charge's refunded amount is the sum of its refunds.
  void restore(const std::vector<Charge>& charges, const std::vector<Refund>& refunds);

  std::vector<Charge> all() const;
  // Every charge and every refund as of one moment (a settlement file must not see a refund whose
  // charge it does not see).
  std::pair<std::vector<Charge>, std::vector<Refund>> records() const;
  std::optional<Charge> by_id(const std::string& id) const;
  std::optional<Charge> by_reference(const std::string& reference) const;
  std::vector<Refund> all_refunds() const;
  std::optional<Refund> refund_by_id(const std::string& id) const;
  std::optional<Refund> refund_by_reference(const std::string& reference) const;

 private:
  mutable std::mutex mutex_;
  std::mt19937_64 random_;
  double decline_rate_;
  RecordIndex<Charge> charges_;
  RecordIndex<Refund> refunds_;
};

// Test tokens, as acquirers publish them: tok_decline, tok_insufficient_funds, tok_expired_card decline;
// any other "tok_…" approves.
std::optional<std::string> decline_code_for_token(const std::string& token);

// The card brand a test token stands for, as a real acquirer knows it from the card number:
// tok_visa → visa, tok_mastercard → mastercard, tok_jcb → jcb, tok_amex → amex, tok_diners → diners;
// empty for any other token.
std::string card_brand_for_token(const std::string& token);

}  // namespace kessai::sim
