#pragma once
// kessai-sim load: a load generator against kessaid's API, as a process (load_main.cpp).

#include <string>
#include <vector>

namespace kessai::sim::load {

// The arguments after "load"; returns the exit status (0 the run completed, 1 kessaid not reached or an
// output not written, 2 usage, 128 + the signal's number when SIGINT or SIGTERM ended it).
int run_load(const std::vector<std::string>& args);

}  // namespace kessai::sim::load
