#pragma once
// Who is calling: an authenticated API key and what it may charge. Authentication itself (hashes,
// headers) happens at the API edge; the use cases only see this.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/identifier.hpp"

namespace kessai::engine {

// An API key as presented: "ksk_" + 16-character key part + "_" + 32-character secret. The stored id is
// "key_" + key part; the secret is kept only as the SHA-256 of the whole key.
inline constexpr std::size_t kApiKeyPartChars = 16;
inline constexpr std::size_t kApiKeySecretChars = 32;

// The key id inside a presented key, or nullopt when it is not shaped like one.
inline std::optional<std::string> api_key_id_of(std::string_view presented_key) {
  if (presented_key.size() != 4 + kApiKeyPartChars + 1 + kApiKeySecretChars ||
      !presented_key.starts_with("ksk_") || presented_key[4 + kApiKeyPartChars] != '_') {
    return std::nullopt;
  }
  const std::string_view part = presented_key.substr(4, kApiKeyPartChars);
  if (!is_valid_identifier(part)) return std::nullopt;
  return "key_" + std::string(part);
}

// What a key is for (api_keys.role). One key never does both: a backend's key charges and refunds under
// /v1/, a finance staff (会計課) key reads the reports and works the exception queue under /dashboard/.
// Stable numbers; never renumber.
enum class KeyRole : std::uint8_t {
  backend = 1,
  finance = 2,
};

inline std::string_view to_string(KeyRole role) {
  return role == KeyRole::finance ? "finance" : "backend";
}

// The role named as in the database and on the command line; nullopt for any other text.
inline std::optional<KeyRole> key_role_from(std::string_view text) {
  if (text == "backend") return KeyRole::backend;
  if (text == "finance") return KeyRole::finance;
  return std::nullopt;
}

struct Caller {
  std::string api_key_id;  // "key_…"
  std::string name;
  bool scope_all = false;
  std::vector<std::string> facility_ids;
  std::vector<std::string> procedure_ids;
  // A POS terminal ("term_…") instead of an API key: it charges for its facility (facility_ids) and may
  // refund the payments any terminal of that facility took.
  std::string terminal_id{};
  KeyRole role = KeyRole::backend;

  bool may_charge(const std::optional<FacilityId>& facility,
                  const std::optional<ProcedureId>& procedure) const {
    if (scope_all) return true;
    if (facility) return std::ranges::find(facility_ids, facility->str()) != facility_ids.end();
    if (procedure) return std::ranges::find(procedure_ids, procedure->str()) != procedure_ids.end();
    return false;
  }
};

}  // namespace kessai::engine
