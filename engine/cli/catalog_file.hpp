#pragma once
// The catalogue file (fee codes, facilities, procedures) that `kessai catalog load` reads.

#include <string>

#include "kessai/engine/pg_store.hpp"
#include "kessai/result.hpp"

namespace kessai::cli {

// [[fee_code]] code/name, [[facility]] id/name, [[procedure]] id/name. Every entry is validated.
Result<engine::Catalog, std::string> read_catalog_file(const std::string& path);

}  // namespace kessai::cli
