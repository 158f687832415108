#include "kessai/adapters/factory.hpp"

#include <array>
#include <string>

#include "../card/card_acquirer.hpp"
#include "../emoney/emoney_centre.hpp"
#include "../payeasy/payeasy_centre.hpp"
#include "../qr_provider/qr_provider.hpp"

namespace kessai::adapters {

namespace {
constexpr std::array<std::string_view, 4> kKinds{"card", "emoney", "qr", "payeasy"};
}

std::span<const std::string_view> known_kinds() {
  return kKinds;
}

Result<std::unique_ptr<Processor>, std::string> make_processor(const ProcessorConfig& config) {
  try {
    if (config.kind == "card")
      return std::unique_ptr<Processor>(std::make_unique<card::CardAcquirer>(config));
    if (config.kind == "emoney")
      return std::unique_ptr<Processor>(std::make_unique<emoney::EmoneyCentre>(config));
    if (config.kind == "qr")
      return std::unique_ptr<Processor>(std::make_unique<qr_provider::QrProvider>(config));
    if (config.kind == "payeasy")
      return std::unique_ptr<Processor>(std::make_unique<payeasy::PayeasyCentre>(config));
  } catch (const std::invalid_argument& error) {
    return fail("processor '" + config.id.str() + "': " + error.what());
  }
  std::string known;
  for (const std::string_view kind : kKinds) known += (known.empty() ? "" : ", ") + std::string(kind);
  return fail("processor '" + config.id.str() + "' has unknown kind '" + config.kind + "' (known: " + known +
              ")");
}

}  // namespace kessai::adapters
