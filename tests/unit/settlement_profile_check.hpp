#pragma once
// Checks a settlement file profile (ops/config/settlement/<name>.toml) against a file its simulator
// wrote: every key of the profile must hold for the file. Defined in settlement_profile_test.cpp; the
// card acquirer's case runs in card_settlement_test.cpp, whose headers cannot meet the instant-payment
// books' in one translation unit.

#include <string>

#include "settlement_day.hpp"

namespace kessai::testing {

// The file must hold a sale and a refund, all of them on 1 April 2024 (Japan time).
void check_settlement_profile(const std::string& name, const sim::SettlementFile& file);

}  // namespace kessai::testing
