#pragma once
// kessai-sim pos: the terminal fleet as a process (pos_fleet_main.cpp).

#include <string>
#include <vector>

namespace kessai::sim::pos {

// The arguments after "pos"; returns the exit status (0 passed, 1 failed, 2 usage).
int run_pos_fleet(const std::vector<std::string>& args);

}  // namespace kessai::sim::pos
