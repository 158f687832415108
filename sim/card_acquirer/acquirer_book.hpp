#pragma once
// The card acquirer simulator's book of charges: what a real acquirer decides and remembers.
// Pure logic (no sockets); persisted as JSON lines by the caller so a restart keeps every charge.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace kessai::sim {

struct Charge {
  std::string id;         // "ch_000001"
  std::string reference;  // the merchant's payment id; unique per charge
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string status;  // captured, authorized, declined
  std::string decline_code;
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

class AcquirerBook {
 public:
  AcquirerBook(std::uint64_t seed, double decline_rate) : random_(seed), decline_rate_(decline_rate) {}

  // Decides a new charge or replays the one already made for the reference.
  ChargeDecision charge(const ChargeAttempt& attempt, const std::string& now);
  void restore(Charge charge);  // from the persisted journal at start-up

  std::vector<Charge> all() const;
  std::optional<Charge> by_id(const std::string& id) const;
  std::optional<Charge> by_reference(const std::string& reference) const;

 private:
  mutable std::mutex mutex_;
  std::mt19937_64 random_;
  double decline_rate_;
  std::vector<Charge> charges_;
  std::map<std::string, std::size_t> by_reference_;
};

// Test tokens, as acquirers publish them: tok_decline, tok_insufficient_funds, tok_expired_card decline;
// any other "tok_…" approves.
std::optional<std::string> decline_code_for_token(const std::string& token);

}  // namespace kessai::sim
