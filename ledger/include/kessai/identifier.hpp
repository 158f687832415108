#pragma once
// Identifiers as types, so a fee code can never be passed where a facility id is expected.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace kessai {

inline constexpr std::size_t kIdentifierBytesMax = 64;

// Letters, digits, '-' and '_', 1 to kIdentifierBytesMax bytes: safe in URLs, file names, account codes.
bool is_valid_identifier(std::string_view text);

template <class Tag>
class Identifier {
 public:
  static std::optional<Identifier> parse(std::string_view text) {
    if (!is_valid_identifier(text)) return std::nullopt;
    return Identifier(std::string(text));
  }
  const std::string& str() const { return value_; }
  friend auto operator<=>(const Identifier&, const Identifier&) = default;

 private:
  explicit Identifier(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

using FeeCode = Identifier<struct FeeCodeTag>;          // 手数料・使用料の種別コード
using ProcessorId = Identifier<struct ProcessorIdTag>;  // a configured acquirer / centre / provider
using FacilityId = Identifier<struct FacilityIdTag>;    // 施設
using ProcedureId = Identifier<struct ProcedureIdTag>;  // オンライン手続

}  // namespace kessai
