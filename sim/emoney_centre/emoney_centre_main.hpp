#pragma once
// kessai-sim emoney-centre: started by sim/main.cpp.

#include "sim_options.hpp"

namespace kessai::sim {

int run_emoney_centre(const SimOptions& options);

}  // namespace kessai::sim
