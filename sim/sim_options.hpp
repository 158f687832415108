#pragma once
// Options every simulator takes: where to listen, where to keep its records, and its fault switches.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faults.hpp"

namespace kessai::sim {

// --mdr-bp: the contracted merchant discount rate in basis points (250 = 2.50 %), one number for every
// brand or BRAND=BP pairs; each simulator checks the brands against its own (settlement_file.hpp).
struct MdrOption {
  std::optional<int> every_brand_bp = std::nullopt;
  std::map<std::string, int> brand_bp = {};
};

// payeasy-centre's --fee-yen: the flat fee it charges per payment in its settlement file (Pay-easy centres
// charge per payment, not a rate).
constexpr std::int64_t kFeePerPaymentYenDefault = 110;
constexpr std::int64_t kFeePerPaymentYenMax = 100'000;

struct SimOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string port_file;
  std::string state_dir = "var/sim";
  std::uint64_t seed = 1;
  double decline_rate = 0.0;  // 0..1, on top of the test tokens that always decline
  int latency_ms = 0;         // added before every answer
  FaultRates faults;          // applied to requests that change something (POST)
  // Where POST /sim/settlement writes its files; empty: <state_dir>/settlement.
  std::string settlement_dir = "";
  MdrOption mdr = {};  // the fee rates of the settlement files
  // Signed notices to the merchant (common/notifier.hpp): the payeasy-centre's and the qr-provider's orders.
  std::string callback_secret = "";      // HMAC key; empty: no notices (payeasy-centre refuses to start)
  double duplicate_callback_rate = 0.0;  // 0..1: share of notices delivered twice
  int callback_delay_ms = 0;             // before each notice's first attempt, 0..600,000
  bool hold_callbacks = false;           // kept until POST /sim/callbacks/release
  // payeasy-centre: its 収納機関番号, and the share of new numbers a simulated payer pays by itself.
  std::string institution_number = "58091";
  double auto_pay_rate = 0.0;
  int auto_pay_after_ms = 2'000;
  std::int64_t fee_per_payment_yen = kFeePerPaymentYenDefault;  // --fee-yen, 0..kFeePerPaymentYenMax
};

// Parses "--flag value" pairs; returns an error message for anything unknown or malformed.
std::optional<std::string> parse_sim_options(const std::vector<std::string>& args, SimOptions& options);

int run_card_acquirer(const SimOptions& options);
int run_payeasy_centre(const SimOptions& options);

}  // namespace kessai::sim
