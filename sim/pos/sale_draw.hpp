#pragma once
// What the payers at a counter buy and how they pay: the means (by --mix, among those the facility takes),
// the brand (by how common each is in Japan), the amount (a fee's price times a few tickets) and what the
// reader captures (a card token, an e-money IDm, a QR code). Pure: no protobuf, no I/O.
//
// Payers are fresh every time: each e-money tap is a card the centre has not seen (so its 10,000 yen
// prepaid balance covers any amount here) and each QR code is new (codes pay once). Both come from the
// seed, the terminal and a payer key the terminal makes unique across runs (see PayerKey).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet_random.hpp"

namespace kessai::sim::pos {

// As kessai.pos.v1.Means numbers them. Stable numbers; never renumber.
enum class Means : std::uint8_t { card = 1, emoney = 2, qr = 3 };
std::string_view means_name(Means means);  // "card", "emoney", "qr"
std::optional<Means> means_named(std::string_view name);

// Shares of the means, in any unit (percent by convention); a means the facility does not take is
// left out and the others keep their proportions.
struct MixWeights {
  std::uint32_t card = 40;
  std::uint32_t emoney = 40;
  std::uint32_t qr = 20;
};

struct FeeChoice {
  std::string code;       // "F001"
  std::string name = "";  // from HelloReply, for the receipt text; may be empty
};

// Identifies a payer uniquely for one terminal, across runs: the terminal's last request sequence
// number when the sale was drawn (kept by the terminal and by kessai, so it only grows) and how many
// sales were drawn since that request (offline sales send nothing in between).
struct PayerKey {
  std::uint64_t request_sequence = 0;
  std::uint64_t draws_since_request = 0;
};

struct Sale {
  Means means = Means::card;
  std::string brand = "";  // visa, …; transit_ic, …; paypay, …
  std::int64_t amount_yen = 0;
  std::string fee_code = "";
  std::string receipt_text = "";
  std::string card_token = "";  // card: "tok_visa", or a declining test token
  std::string idm = "";         // e-money: 16 upper-case hex digits
  std::string qr_code = "";     // QR: 20 digits, the wallet's two-digit prefix first
};

// Amounts of one sale: a fee's price times 1..4 tickets, at most this.
constexpr std::int64_t kSaleAmountYenMin = 100;
constexpr std::int64_t kSaleAmountYenMax = 5'000;

// Card tokens that the card-acquirer simulator declines (sim/card_acquirer/acquirer_book.cpp), used for
// the --decline-rate share of card sales, always as brand visa.
constexpr std::string_view kDecliningTokens[] = {"tok_insufficient_funds", "tok_decline"};

class SaleDraw {
 public:
  // decline_share: the share of card sales made with a declining token, 0..1.
  SaleDraw(std::uint64_t seed, std::string facility_id, std::string terminal_id, MixWeights mix,
           double decline_share);

  // The next sale; nullopt when none can be drawn (no means both weighted and available, or no fee
  // codes). `available`: the means the facility takes now (HelloReply.means).
  std::optional<Sale> next(const std::vector<Means>& available, const std::vector<FeeChoice>& fees,
                           PayerKey payer);

  // Whether a means both weighted by the mix and available can be drawn.
  bool can_draw(const std::vector<Means>& available) const;

  // The price of a fee at this facility: the same for every terminal of the facility and every run
  // with the seed (facility fees do not change during the day).
  std::int64_t price_yen(std::string_view fee_code) const;

 private:
  std::uint64_t weight_of(Means means, const std::vector<Means>& available) const;
  std::optional<Means> draw_means(const std::vector<Means>& available);
  std::int64_t draw_amount_yen(std::int64_t price_yen);
  std::uint64_t payer_bits(PayerKey payer, std::uint64_t salt) const;

  std::uint64_t seed_;
  std::string facility_id_;
  std::string terminal_id_;
  MixWeights mix_;
  double decline_share_;
  DrawRandom random_;
};

// A brand drawn by weight from a table; exposed for tests.
struct BrandWeight {
  std::string_view brand;
  std::uint32_t weight;
};
const std::vector<BrandWeight>& brand_weights(Means means);

// A FeliCa IDm (16 upper-case hex digits) from 64 bits, steered clear of the e-money centre's test
// cards (FFFF… blocked, …0000 no balance).
std::string idm_from_bits(std::uint64_t bits);
// A wallet's payment code: its prefix (27 PayPay, 28 d_barai, 29 au_pay, 30 rakuten_pay) and 18 digits
// from the bits, steered clear of the QR provider's test endings (…0000, …8888, …9999). Empty for a
// wallet the provider does not know.
std::string qr_code_from_bits(std::string_view wallet, std::uint64_t bits);

}  // namespace kessai::sim::pos
