#pragma once
// Parameters for kessai's statements, shared by the single-row store and the group committer: absent
// values as NULL, times as microseconds since the epoch (as PostgreSQL keeps timestamptz).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "kessai/engine/payment_intent.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::engine::store_params {

using OptionalText = std::optional<std::string>;

template <class Id>
inline OptionalText optional_text(const std::optional<Id>& id) {
  return id ? OptionalText(id->str()) : std::nullopt;
}
inline OptionalText nonempty(const std::string& text) {
  return text.empty() ? std::nullopt : OptionalText(text);
}
inline OptionalText optional_date(const std::optional<std::chrono::year_month_day>& date) {
  return date ? OptionalText(ledger::format_date(*date)) : std::nullopt;
}

// Microseconds since the epoch, as PostgreSQL stores timestamptz.
inline std::string timestamp_param(std::chrono::system_clock::time_point time) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
}

inline OptionalText pos_terminal(const std::optional<PosOrigin>& pos) {
  return pos ? OptionalText(pos->terminal_id) : std::nullopt;
}
inline std::optional<std::int64_t> pos_number(const std::optional<PosOrigin>& pos) {
  return pos ? std::optional<std::int64_t>(pos->transaction_number) : std::nullopt;
}

inline OptionalText payer_expires_param(const PaymentIntent& intent) {
  return intent.payer_instructions ? OptionalText(timestamp_param(intent.payer_instructions->expires_at))
                                   : std::nullopt;
}
inline OptionalText payer_text(const PaymentIntent& intent, std::string PayerInstructions::*field) {
  return intent.payer_instructions ? nonempty((*intent.payer_instructions).*field) : std::nullopt;
}

}  // namespace kessai::engine::store_params
