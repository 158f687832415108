#pragma once
// Checks a settlement file profile (ops/config/settlement/<name>.toml) against a file its simulator
// wrote: every key of the profile must hold for the file. Defined in settlement_profile_test.cpp; the
// card acquirer's case runs in card_settlement_test.cpp, whose headers cannot meet the instant-payment
// books' in one translation unit.

#include <map>
#include <string>
#include <vector>

#include "settlement_day.hpp"

namespace kessai::testing {

// A data line's fields as the profile reads them: our field name ([columns] key) → its text in UTF-8 (a
// fixed-width field without its padding spaces).
using LineFields = std::map<std::string, std::string>;

// The file must hold a sale and a refund, all of them on 1 April 2024 (Japan time). The data lines as
// read through the profile, in file order, so a test can compare them with the records they came from.
std::vector<LineFields> check_settlement_profile(const std::string& name, const sim::SettlementFile& file);

}  // namespace kessai::testing
