#include "record_index.hpp"

#include <cstdio>

namespace kessai::sim {

std::string numbered_id(std::string_view prefix, std::size_t number) {
  char id[32];
  std::snprintf(id, sizeof id, "%.*s_%06zu", static_cast<int>(prefix.size()), prefix.data(), number);
  return id;
}

}  // namespace kessai::sim
