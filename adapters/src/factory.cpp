#include "kessai/adapters/factory.hpp"

#include <array>

#include "../card/card_acquirer.hpp"

namespace kessai::adapters {

namespace {
constexpr std::array<std::string_view, 1> kKinds{"card"};
}

std::span<const std::string_view> known_kinds() {
  return kKinds;
}

Result<std::unique_ptr<Processor>, std::string> make_processor(const ProcessorConfig& config) {
  try {
    if (config.kind == "card")
      return std::unique_ptr<Processor>(std::make_unique<card::CardAcquirer>(config));
  } catch (const std::invalid_argument& error) {
    return fail("processor '" + config.id.str() + "': " + error.what());
  }
  return fail("processor '" + config.id.str() + "' has unknown kind '" + config.kind + "' (known: card)");
}

}  // namespace kessai::adapters
