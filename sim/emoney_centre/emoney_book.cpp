#include "emoney_book.hpp"

#include <array>
#include <cassert>
#include <utility>

namespace kessai::sim::emoney {

namespace {

constexpr std::array<std::pair<Brand, std::string_view>, 5> kBrandNames{{{Brand::transit_ic, "transit_ic"},
                                                                         {Brand::id, "id"},
                                                                         {Brand::quicpay, "quicpay"},
                                                                         {Brand::waon, "waon"},
                                                                         {Brand::nanaco, "nanaco"}}};

// A FeliCa IDm is 8 bytes, written as 16 hex digits.
constexpr std::size_t kIdmDigits = 16;

std::string balance_key(Brand brand, const std::string& idm) {
  return std::string(to_string(brand)) + ":" + idm;
}

}  // namespace

std::optional<Brand> parse_brand(std::string_view text) {
  for (const auto& [brand, name] : kBrandNames) {
    if (name == text) return brand;
  }
  return std::nullopt;
}

std::string_view to_string(Brand brand) {
  for (const auto& [known, name] : kBrandNames) {
    if (known == brand) return name;
  }
  return "unknown";
}

bool is_prepaid(Brand brand) {
  return brand == Brand::transit_ic || brand == Brand::waon || brand == Brand::nanaco;
}

bool is_idm(std::string_view text) {
  if (text.size() != kIdmDigits) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

bool is_blocked(std::string_view idm) {
  return idm.starts_with("FFFF");
}

std::int64_t initial_balance_yen(std::string_view idm) {
  return idm.ends_with("0000") ? 0 : kInitialBalanceYen;
}

PaymentDecision CentreBook::pay(const PaymentAttempt& attempt, const std::string& now) {
  assert(is_idm(attempt.idm));
  const auto same = [&attempt](const Payment& existing) {
    return existing.amount_yen == attempt.amount_yen && existing.brand == attempt.brand &&
           existing.idm == attempt.idm;
  };
  return pay_once(attempt, now, same, [this, &attempt](Payment& payment) {
    payment.brand = attempt.brand;
    payment.idm = attempt.idm;
    if (std::optional<std::string> decline = decline_code_for(attempt)) {
      payment.status = "declined";
      payment.decline_code = std::move(*decline);
      return;
    }
    payment.status = "captured";
    const Brand brand = *parse_brand(attempt.brand);  // decline_code_for declines any other
    if (!is_prepaid(brand)) return;
    std::int64_t& balance_yen = balance_of(brand, attempt.idm);
    assert(balance_yen >= attempt.amount_yen);  // checked by decline_code_for: cannot underflow
    balance_yen -= attempt.amount_yen;
    payment.balance_after_yen = balance_yen;
  });
}

// The centre's checks, in its order: a brand it does not clear, a blocked card, a balance too low,
// then (when asked for) a share of the rest declined at random, reproducibly from the seed.
std::optional<std::string> CentreBook::decline_code_for(const PaymentAttempt& attempt) {
  const std::optional<Brand> brand = parse_brand(attempt.brand);
  if (!brand) return "brand_not_supported";
  if (is_blocked(attempt.idm)) return "card_blocked";
  if (is_prepaid(*brand) && balance_of(*brand, attempt.idm) < attempt.amount_yen)
    return "insufficient_balance";
  if (declined_at_random()) return "do_not_honor";
  return std::nullopt;
}

std::optional<RefundOutcome> CentreBook::refusal(const Payment& payment) const {
  const std::optional<Brand> brand = parse_brand(payment.brand);
  if (!brand || !is_prepaid(*brand)) return RefundOutcome::refund_not_supported;
  return std::nullopt;
}

bool CentreBook::credit(const Payment& payment, Refund& refund) {
  std::int64_t& balance_yen = balance_of(*parse_brand(payment.brand), payment.idm);  // refusal checked it
  std::int64_t credited_yen = 0;
  // Only journals edited by hand can make a balance this large: refuse rather than wrap.
  if (__builtin_add_overflow(balance_yen, refund.amount_yen, &credited_yen)) return false;
  balance_yen = credited_yen;
  refund.balance_after_yen = balance_yen;
  return true;
}

void CentreBook::derive(const Payment& payment) {
  const std::optional<Brand> brand = parse_brand(payment.brand);
  if (!brand || !is_prepaid(*brand)) return;
  std::int64_t& balance_yen = balance_of(*brand, payment.idm);
  std::int64_t debited_yen = 0;
  if (!__builtin_sub_overflow(balance_yen, payment.amount_yen, &debited_yen)) balance_yen = debited_yen;
}

std::int64_t CentreBook::balance_yen(Brand brand, const std::string& idm) const {
  std::lock_guard lock(mutex_);
  const auto found = balances_yen_.find(balance_key(brand, idm));
  return found != balances_yen_.end() ? found->second : initial_balance_yen(idm);
}

std::int64_t& CentreBook::balance_of(Brand brand, const std::string& idm) {
  return balances_yen_.try_emplace(balance_key(brand, idm), initial_balance_yen(idm)).first->second;
}

}  // namespace kessai::sim::emoney
