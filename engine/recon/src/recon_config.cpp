#include "kessai/recon/recon_config.hpp"

#include <initializer_list>
#include <set>

#include <toml++/toml.h>

#include "toml_file.hpp"

#include "kessai/identifier.hpp"

namespace kessai::recon {
namespace {

constexpr std::int64_t kBasisPointsPerWhole = 10'000;

std::optional<std::string> reject_unknown_keys(const toml::table& table,
                                               std::initializer_list<std::string_view> known,
                                               const std::string& where) {
  for (const auto& [key, value] : table) {
    bool found = false;
    for (std::string_view k : known) found = found || key.str() == k;
    if (!found) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return where + ": unknown key '" + std::string(key.str()) + "' (known: " + list + ")";
    }
  }
  return std::nullopt;
}

std::optional<std::string> read_text(const toml::table& table, std::string_view key, const std::string& where,
                                     std::string& out, bool required) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (required) return where + "." + std::string(key) + " is required";
    return std::nullopt;
  }
  const auto value = node->value<std::string>();
  if (!value || value->empty()) return where + "." + std::string(key) + " must be a non-empty string";
  out = *value;
  return std::nullopt;
}

std::optional<std::string> read_integer(const toml::table& table, std::string_view key,
                                        const std::string& where, std::int64_t& out, std::int64_t low,
                                        std::int64_t high) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const auto value = node->value<std::int64_t>();
  if (!value || *value < low || *value > high) {
    return where + "." + std::string(key) + " must be a whole number from " + std::to_string(low) + " to " +
           std::to_string(high);
  }
  out = *value;
  return std::nullopt;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& text) {
  const std::filesystem::path path(text);
  return path.is_absolute() ? path : (base / path).lexically_normal();
}

std::optional<std::string> read_processor(const toml::table& table, const std::string& where,
                                          const std::filesystem::path& base, ProcessorContract& contract) {
  if (auto e = reject_unknown_keys(table,
                                   {"id", "profile", "inbox", "mdr_bp", "fee_flat_yen", "fee_on_refund",
                                    "payout_after_bank_days", "payer_names"},
                                   where)) {
    return e;
  }
  if (auto e = read_text(table, "id", where, contract.processor_id, true)) return e;
  if (!ProcessorId::parse(contract.processor_id))
    return where + ".id must be 1-64 letters, digits, '-' or '_'";
  if (auto e = read_text(table, "profile", where, contract.profile, true)) return e;
  std::string inbox;
  if (auto e = read_text(table, "inbox", where, inbox, true)) return e;
  contract.inbox = resolve(base, inbox);

  if (const toml::node* node = table.get("mdr_bp")) {
    const toml::table* rates = node->as_table();
    if (rates == nullptr) return where + ".mdr_bp must be a table of brand = basis points";
    for (const auto& [brand, value] : *rates) {
      const auto bp = value.value<std::int64_t>();
      if (!bp || *bp < 0 || *bp > kBasisPointsPerWhole) {
        return where + ".mdr_bp." + std::string(brand.str()) + " must be whole basis points from 0 to 10000";
      }
      contract.mdr_bp.emplace(std::string(brand.str()), static_cast<int>(*bp));
    }
  }
  if (table.get("fee_flat_yen") != nullptr) {
    std::int64_t flat = 0;
    if (auto e = read_integer(table, "fee_flat_yen", where, flat, 0, 1'000'000)) return e;
    contract.flat_fee_yen = flat;
  }
  if (contract.mdr_bp.empty() == !contract.flat_fee_yen.has_value()) {
    return where +
           ": give the contracted fee as either mdr_bp (rates by brand) or fee_flat_yen, one of the two";
  }
  std::string on_refund = "returned";
  if (auto e = read_text(table, "fee_on_refund", where, on_refund, false)) return e;
  if (on_refund == "returned") {
    contract.fee_on_refund = FeeOnRefund::returned;
  } else if (on_refund == "kept") {
    contract.fee_on_refund = FeeOnRefund::kept;
  } else {
    return where + ".fee_on_refund must be \"returned\" or \"kept\"";
  }
  std::int64_t days = contract.payout_after_bank_days;
  if (auto e = read_integer(table, "payout_after_bank_days", where, days, 0, 31)) return e;
  contract.payout_after_bank_days = static_cast<int>(days);
  if (const toml::node* node = table.get("payer_names")) {
    const toml::array* names = node->as_array();
    if (names == nullptr) return where + ".payer_names must be an array of strings";
    for (const toml::node& name : *names) {
      const auto text = name.value<std::string>();
      if (!text || text->empty()) return where + ".payer_names must hold non-empty strings";
      contract.payer_names.push_back(*text);
    }
  }
  return std::nullopt;
}

}  // namespace

const ProcessorContract* ReconConfig::processor(std::string_view id) const {
  for (const ProcessorContract& contract : processors) {
    if (contract.processor_id == id) return &contract;
  }
  return nullptr;
}

const ProcessorContract* ReconConfig::processor_by_profile(std::string_view profile) const {
  for (const ProcessorContract& contract : processors) {
    if (contract.profile == profile) return &contract;
  }
  return nullptr;
}

Result<ReconConfig, std::string> load_recon_config(const std::filesystem::path& file) {
  auto parsed = daemon::parse_toml_file(file.string());
  if (!parsed.ok()) return fail(parsed.error());
  const toml::table& root = parsed.value();
  const std::string name = file.string();
  const std::filesystem::path base =
      file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  if (auto e = reject_unknown_keys(
          root, {"profiles", "fee_tolerance_yen", "fallback_window_seconds", "processors", "banks"}, name)) {
    return fail(*e);
  }
  ReconConfig config;
  std::string profiles = "settlement";
  if (auto e = read_text(root, "profiles", name, profiles, false)) return fail(*e);
  config.profiles_dir = resolve(base, profiles);
  if (auto e = read_integer(root, "fee_tolerance_yen", name, config.fee_tolerance_yen, 0, 10'000))
    return fail(*e);
  std::int64_t window = config.fallback_window.count();
  if (auto e = read_integer(root, "fallback_window_seconds", name, window, 0, 86'400)) return fail(*e);
  config.fallback_window = std::chrono::seconds(window);

  const toml::array* processors = root.get("processors") ? root.get("processors")->as_array() : nullptr;
  if (processors == nullptr || processors->empty()) {
    return fail(name + ": no [[processors]]: name each processor whose settlement files are reconciled");
  }
  std::set<std::string, std::less<>> ids, profile_names;
  for (std::size_t i = 0; i < processors->size(); ++i) {
    const std::string where = name + ": processors[" + std::to_string(i) + "]";
    const toml::table* table = processors->get(i)->as_table();
    if (table == nullptr) return fail(where + " must be a table");
    ProcessorContract contract;
    if (auto e = read_processor(*table, where, base, contract)) return fail(*e);
    if (!ids.insert(contract.processor_id).second) {
      return fail(where + ": processor '" + contract.processor_id + "' appears twice");
    }
    if (!profile_names.insert(contract.profile).second) {
      return fail(where + ": profile '" + contract.profile + "' is already another processor's");
    }
    config.processors.push_back(std::move(contract));
  }
  if (const toml::node* node = root.get("banks")) {
    const toml::array* banks = node->as_array();
    if (banks == nullptr) return fail(name + ": banks must be an array of tables: [[banks]]");
    for (std::size_t i = 0; i < banks->size(); ++i) {
      const std::string where = name + ": banks[" + std::to_string(i) + "]";
      const toml::table* table = banks->get(i)->as_table();
      if (table == nullptr) return fail(where + " must be a table");
      if (auto e = reject_unknown_keys(*table, {"profile", "inbox"}, where)) return fail(*e);
      BankAccount bank;
      std::string inbox;
      if (auto e = read_text(*table, "profile", where, bank.profile, true)) return fail(*e);
      if (auto e = read_text(*table, "inbox", where, inbox, true)) return fail(*e);
      bank.inbox = resolve(base, inbox);
      config.banks.push_back(std::move(bank));
    }
  }
  return config;
}

std::optional<std::int64_t> contracted_fee_yen(const ProcessorContract& contract, LineKind kind,
                                               std::string_view brand, std::int64_t amount_yen) {
  if (kind == LineKind::refund && contract.fee_on_refund == FeeOnRefund::kept) return 0;
  if (contract.flat_fee_yen) return std::min(*contract.flat_fee_yen, amount_yen);
  auto rate = contract.mdr_bp.find(brand);
  if (rate == contract.mdr_bp.end()) rate = contract.mdr_bp.find(std::string_view("default"));
  if (rate == contract.mdr_bp.end()) return std::nullopt;
  // floor(amount × bp / 10,000) without the product, which could overflow: split amount at 10,000.
  const std::int64_t bp = rate->second;
  return amount_yen / kBasisPointsPerWhole * bp +
         amount_yen % kBasisPointsPerWhole * bp / kBasisPointsPerWhole;
}

}  // namespace kessai::recon
