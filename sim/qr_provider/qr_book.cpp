#include "qr_book.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

#include "kessai/runtime/crypto.hpp"

namespace kessai::sim::qr_provider {

namespace {

struct WalletName {
  Wallet wallet;
  std::string_view prefix;  // the code's first two digits
  std::string_view name;
};

constexpr std::array<WalletName, 4> kWallets{{{Wallet::paypay, "27", "paypay"},
                                              {Wallet::d_barai, "28", "d_barai"},
                                              {Wallet::au_pay, "29", "au_pay"},
                                              {Wallet::rakuten_pay, "30", "rakuten_pay"}}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string_view to_string(Wallet wallet) {
  for (const WalletName& known : kWallets) {
    if (known.wallet == wallet) return known.name;
  }
  return "unknown";
}

bool is_code_shape(std::string_view code) {
  return code.size() >= kCodeDigitsMin && code.size() <= kCodeDigitsMax &&
         std::ranges::all_of(code, is_digit);
}

std::optional<Wallet> wallet_of_code(std::string_view code) {
  if (!is_code_shape(code)) return std::nullopt;
  for (const WalletName& known : kWallets) {
    if (code.starts_with(known.prefix)) return known.wallet;
  }
  return std::nullopt;
}

std::string mask_code(std::string_view code) {
  const std::size_t shown = code.size() > kCodeDigitsShown ? kCodeDigitsShown : 0;
  std::string masked(code.size() - shown, '*');
  masked += code.substr(code.size() - shown);
  return masked;
}

std::string code_digest(std::string_view code) {
  return runtime::sha256_hex(code);
}

PaymentDecision ProviderBook::pay(const PaymentAttempt& attempt, const std::string& now) {
  assert(!attempt.code.empty());
  const std::string digest = code_digest(attempt.code);
  const auto same = [&attempt, &digest](const Payment& existing) {
    return existing.amount_yen == attempt.amount_yen && existing.code_digest == digest;
  };
  return pay_once(attempt, now, same, [this, &attempt, &digest](Payment& payment) {
    if (const std::optional<Wallet> wallet = wallet_of_code(attempt.code))
      payment.wallet = to_string(*wallet);
    payment.code_masked = mask_code(attempt.code);
    payment.code_digest = digest;
    if (std::optional<std::string> decline = decline_code_for(attempt, digest)) {
      payment.status = "declined";
      payment.decline_code = std::move(*decline);
    } else {
      payment.status = "completed";
      used_codes_.emplace(digest, payment.id);
    }
  });
}

// The provider's checks, in its order: the code itself (a wallet's, still valid, not used), then the
// payer (account, balance), then (when asked for) a share of the rest declined at random, reproducibly
// from the seed.
std::optional<std::string> ProviderBook::decline_code_for(const PaymentAttempt& attempt,
                                                          const std::string& digest) {
  const std::string_view code = attempt.code;
  if (!wallet_of_code(code)) return "invalid_code";
  if (code.ends_with("9999")) return "code_expired";
  if (used_codes_.contains(digest)) return "code_already_used";
  if (code.ends_with("8888")) return "user_blocked";
  if (code.ends_with("0000")) return "insufficient_balance";
  if (declined_at_random()) return "do_not_honor";
  return std::nullopt;
}

PaymentDecision ProviderBook::pay_order(const OrderPayment& attempt, const std::string& now) {
  assert(!attempt.order_id.empty() && !attempt.wallet.empty());
  const auto same = [&attempt](const Payment& existing) { return existing.order_id == attempt.order_id; };
  return pay_once(attempt, now, same, [&attempt](Payment& payment) {
    payment.wallet = attempt.wallet;
    payment.order_id = attempt.order_id;
    payment.status = "completed";
  });
}

std::optional<Wallet> wallet_named(std::string_view name) {
  for (const WalletName& known : kWallets) {
    if (known.name == name) return known.wallet;
  }
  return std::nullopt;
}

bool ProviderBook::code_used(std::string_view code) const {
  const std::string digest = code_digest(code);
  std::lock_guard lock(mutex_);
  return used_codes_.contains(digest);
}

}  // namespace kessai::sim::qr_provider
