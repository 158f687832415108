#pragma once
// Turns validated processor config into an adapter. The only place that knows every processor kind.

#include <memory>
#include <span>
#include <string_view>

#include "kessai/adapters/processor.hpp"
#include "kessai/result.hpp"

namespace kessai::adapters {

std::span<const std::string_view> known_kinds();
Result<std::unique_ptr<Processor>, std::string> make_processor(const ProcessorConfig& config);

}  // namespace kessai::adapters
