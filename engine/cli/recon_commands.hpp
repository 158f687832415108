#pragma once
// `kessai recon …`: the nightly reconciliation and the exception queue, for finance staff and the
// nightly timer (ops/systemd/kessai-recon.timer).

#include <string>
#include <string_view>
#include <vector>

namespace kessai::cli {

// The usage lines of the recon commands, for kessai's help.
extern const std::string_view kReconUsage;

// args: the words after "recon". Exit status: 0 done; 1 it could not run (configuration, database,
// inbox); 2 bad usage; 3 (recon run) it ran but rejected a file, which someone must look at.
int recon_command(const std::vector<std::string>& args, const std::string& database_url);

}  // namespace kessai::cli
