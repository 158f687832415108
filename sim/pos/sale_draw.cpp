#include "sale_draw.hpp"

#include <array>
#include <cassert>
#include <cstdio>
#include <utility>

namespace kessai::sim::pos {

namespace {

// Prices of a facility's fees (an entry, a court for an hour, a locker): mostly round, a few with the
// consumption tax folded in. Listed twice where a price is common.
constexpr std::array<std::int64_t, 20> kPricesYen = {100,  200,  300,  400,  500,  500, 600, 800, 1000, 1000,
                                                     1200, 1500, 2000, 2500, 3000, 150, 210, 330, 520,  1980};

// How many tickets one payer buys, by weight out of 100.
constexpr std::array<std::pair<std::int64_t, std::uint64_t>, 4> kQuantityWeights = {
    {{1, 70}, {2, 20}, {3, 7}, {4, 3}}};

struct WalletPrefix {
  std::string_view wallet;
  std::string_view prefix;
};
// As the QR provider simulator reads them (sim/qr_provider/qr_book.cpp).
constexpr std::array<WalletPrefix, 4> kWalletPrefixes = {
    {{"paypay", "27"}, {"d_barai", "28"}, {"au_pay", "29"}, {"rakuten_pay", "30"}}};

constexpr std::uint64_t kSaltIdm = 0x69646d;           // "idm"
constexpr std::uint64_t kSaltQrCode = 0x7172636f6465;  // "qrcode"

}  // namespace

std::string_view means_name(Means means) {
  switch (means) {
    case Means::card:
      return "card";
    case Means::emoney:
      return "emoney";
    case Means::qr:
      return "qr";
  }
  return "unknown";
}

std::optional<Means> means_named(std::string_view name) {
  for (const Means means : {Means::card, Means::emoney, Means::qr}) {
    if (means_name(means) == name) return means;
  }
  return std::nullopt;
}

const std::vector<BrandWeight>& brand_weights(Means means) {
  // Rough shares of payments at Japanese counters.
  static const std::vector<BrandWeight> card = {
      {"visa", 50}, {"mastercard", 25}, {"jcb", 18}, {"amex", 5}, {"diners", 2}};
  static const std::vector<BrandWeight> emoney = {
      {"transit_ic", 40}, {"id", 15}, {"quicpay", 15}, {"waon", 15}, {"nanaco", 15}};
  static const std::vector<BrandWeight> qr = {
      {"paypay", 55}, {"d_barai", 15}, {"au_pay", 15}, {"rakuten_pay", 15}};
  switch (means) {
    case Means::card:
      return card;
    case Means::emoney:
      return emoney;
    case Means::qr:
      return qr;
  }
  return card;
}

std::string idm_from_bits(std::uint64_t bits) {
  // FFFF… is a blocked card, …0000 one with no balance: flip a bit at each end to avoid both.
  if ((bits >> 48) == 0xffffu) bits ^= 0x0001000000000000ull;
  if ((bits & 0xffffu) == 0) bits |= 0x1u;
  char text[17] = {};
  std::snprintf(text, sizeof text, "%016llX", static_cast<unsigned long long>(bits));
  return text;
}

std::string qr_code_from_bits(std::string_view wallet, std::uint64_t bits) {
  for (const WalletPrefix& known : kWalletPrefixes) {
    if (known.wallet != wallet) continue;
    char digits[19] = {};
    std::snprintf(digits, sizeof digits, "%018llu",
                  static_cast<unsigned long long>(bits % 1'000'000'000'000'000'000ull));
    std::string code = std::string(known.prefix) + digits;
    // …0000 (balance short), …8888 (blocked), …9999 (expired) are the provider's declining test codes.
    const std::string_view ending = std::string_view(code).substr(code.size() - 4);
    if (ending == "0000" || ending == "8888" || ending == "9999")
      code.back() = code.back() == '0' ? '1' : '7';
    return code;
  }
  return "";
}

SaleDraw::SaleDraw(std::uint64_t seed, std::string facility_id, std::string terminal_id, MixWeights mix,
                   double decline_share)
    : seed_(seed),
      facility_id_(std::move(facility_id)),
      terminal_id_(std::move(terminal_id)),
      mix_(mix),
      decline_share_(decline_share),
      random_(mix_64(seed ^ fnv1a_64(terminal_id_))) {}

std::int64_t SaleDraw::price_yen(std::string_view fee_code) const {
  const std::uint64_t bits = mix_64(seed_ ^ mix_64(fnv1a_64(facility_id_) ^ fnv1a_64(fee_code)));
  return kPricesYen[bits % kPricesYen.size()];
}

std::uint64_t SaleDraw::payer_bits(PayerKey payer, std::uint64_t salt) const {
  std::uint64_t bits = mix_64(seed_ ^ salt);
  bits = mix_64(bits ^ fnv1a_64(terminal_id_));
  bits = mix_64(bits ^ payer.request_sequence);
  return mix_64(bits ^ payer.draws_since_request);
}

std::uint64_t SaleDraw::weight_of(Means means, const std::vector<Means>& available) const {
  bool offered = false;
  for (const Means known : available) offered = offered || known == means;
  if (!offered) return 0;
  return means == Means::card ? mix_.card : means == Means::emoney ? mix_.emoney : mix_.qr;
}

bool SaleDraw::can_draw(const std::vector<Means>& available) const {
  return weight_of(Means::card, available) + weight_of(Means::emoney, available) +
             weight_of(Means::qr, available) >
         0;
}

std::optional<Means> SaleDraw::draw_means(const std::vector<Means>& available) {
  const std::uint64_t total = weight_of(Means::card, available) + weight_of(Means::emoney, available) +
                              weight_of(Means::qr, available);
  if (total == 0) return std::nullopt;
  std::uint64_t roll = random_.below(total);
  for (const Means means : {Means::card, Means::emoney, Means::qr}) {
    if (roll < weight_of(means, available)) return means;
    roll -= weight_of(means, available);
  }
  assert(false && "roll below the total weight");
  return std::nullopt;
}

std::int64_t SaleDraw::draw_amount_yen(std::int64_t price) {
  std::uint64_t roll = random_.below(100);
  std::int64_t quantity = 1;
  for (const auto& [count, weight] : kQuantityWeights) {
    if (roll < weight) {
      quantity = count;
      break;
    }
    roll -= weight;
  }
  while (quantity > 1 && price * quantity > kSaleAmountYenMax) --quantity;
  return price * quantity;
}

std::optional<Sale> SaleDraw::next(const std::vector<Means>& available, const std::vector<FeeChoice>& fees,
                                   PayerKey payer) {
  if (fees.empty()) return std::nullopt;
  const std::optional<Means> means = draw_means(available);
  if (!means) return std::nullopt;
  Sale sale;
  sale.means = *means;
  const std::vector<BrandWeight>& brands = brand_weights(*means);
  std::uint64_t total = 0;
  for (const BrandWeight& brand : brands) total += brand.weight;
  std::uint64_t roll = random_.below(total);
  for (const BrandWeight& brand : brands) {
    if (roll < brand.weight) {
      sale.brand = brand.brand;
      break;
    }
    roll -= brand.weight;
  }
  const FeeChoice& fee = fees[random_.below(fees.size())];
  const std::int64_t price = price_yen(fee.code);
  sale.fee_code = fee.code;
  sale.amount_yen = draw_amount_yen(price);
  sale.receipt_text =
      (fee.name.empty() ? fee.code : fee.name) + " x" + std::to_string(sale.amount_yen / price);
  // Drawn for every sale, so a changed --decline-rate leaves the other draws where they were.
  const bool declining = random_.chance(decline_share_);
  const std::string_view declining_token = kDecliningTokens[random_.below(std::size(kDecliningTokens))];
  if (sale.means == Means::card) {
    if (declining) {
      sale.brand = "visa";
      sale.card_token = declining_token;
    } else {
      sale.card_token = "tok_" + sale.brand;
    }
  } else if (sale.means == Means::emoney) {
    sale.idm = idm_from_bits(payer_bits(payer, kSaltIdm));
  } else {
    sale.qr_code = qr_code_from_bits(sale.brand, payer_bits(payer, kSaltQrCode));
  }
  return sale;
}

}  // namespace kessai::sim::pos
