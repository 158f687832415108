#pragma once
// kessai-sim qr-provider: started by sim/main.cpp.

#include "sim_options.hpp"

namespace kessai::sim {

int run_qr_provider(const SimOptions& options);

}  // namespace kessai::sim
