#pragma once
// The OpenAPI 3.1 description of the API (engine/api/openapi.json), compiled in and served at /openapi.json.

#include <string_view>

namespace kessai::engine {

std::string_view openapi_document();

}  // namespace kessai::engine
