#pragma once
// kessai-sim payeasy-centre: started by sim/main.cpp.

#include "sim_options.hpp"

namespace kessai::sim {

int run_payeasy_centre(const SimOptions& options);

}  // namespace kessai::sim
