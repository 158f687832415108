#pragma once
// kessai-sim bank: the receiving bank's day as a one-shot command (bank_main.cpp).

#include <string>
#include <vector>

namespace kessai::sim::bank {

// The arguments after "bank"; returns the exit status (0 done, 1 failed, nothing written, 2 usage).
int run_bank(const std::vector<std::string>& args);

}  // namespace kessai::sim::bank
