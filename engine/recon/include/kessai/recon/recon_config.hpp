#pragma once
// What the nightly reconciliation needs to know that is not in a file: for each processor, where its
// settlement files arrive, which profile reads them, the contracted fees (MDR per brand, or a flat fee)
// and when it pays the bank; for each bank account, where its statements arrive. Read from recon.toml
// (docs/reconciliation.md); paths in it are relative to the file's folder.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/recon/statement_reader.hpp"
#include "kessai/result.hpp"

namespace kessai::recon {

// What a processor does with its fee when a sale is refunded. Stable numbers; never renumber.
enum class FeeOnRefund : std::uint8_t {
  returned = 1,  // the fee on the refunded amount comes back (card acquirers, QR providers, Pay-easy)
  kept = 2,      // the fee stays charged: a refund line's fee is 0 (e-money centres)
};

struct ProcessorContract {
  std::string processor_id{};  // as in kessaid.toml and the ledger's accounts (assets:receivable:<id>)
  std::string profile{};       // the settlement profile's name (ops/config/settlement/<profile>.toml)
  std::filesystem::path inbox{};
  // The contracted rate (MDR) in basis points by brand as the file writes it; the key "default" for a
  // brand not listed. Empty with flat_fee_yen set: a flat fee per payment (Pay-easy).
  std::map<std::string, int, std::less<>> mdr_bp{};
  std::optional<std::int64_t> flat_fee_yen{};
  FeeOnRefund fee_on_refund = FeeOnRefund::returned;
  int payout_after_bank_days = 1;          // a file's net reaches the bank this many bank business days later
  std::vector<std::string> payer_names{};  // 振込依頼人名 on its deposits, as the bank statement writes it
};

struct BankAccount {
  std::string profile{};  // a bank statement profile (ops/config/settlement/zengin-03.toml)
  std::filesystem::path inbox{};
};

struct ReconConfig {
  std::filesystem::path profiles_dir{};
  std::int64_t fee_tolerance_yen = 1;         // a fee this far from the contract is still right
  std::chrono::seconds fallback_window{600};  // fallback matching: the line's time ± this
  std::vector<ProcessorContract> processors{};
  std::vector<BankAccount> banks{};

  const ProcessorContract* processor(std::string_view id) const;
  const ProcessorContract* processor_by_profile(std::string_view profile) const;
};

// Reads and checks recon.toml: every key known, every processor id valid and once, every profile name
// given, rates 0–10,000 bp. The message names the file and the key.
Result<ReconConfig, std::string> load_recon_config(const std::filesystem::path& file);

// The fee the contract says a line should carry, whole yen, never negative: on a sale
// floor(amount × bp / 10,000) at the brand's rate (or the flat fee, at most the amount); on a refund the
// same on the refunded amount when fees are returned, 0 when they are kept. nullopt: the contract has
// no rate for this brand. amount_yen is the line's amount without its sign.
std::optional<std::int64_t> contracted_fee_yen(const ProcessorContract& contract, LineKind kind,
                                               std::string_view brand, std::int64_t amount_yen);

}  // namespace kessai::recon
