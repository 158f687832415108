#pragma once
// Reading a TOML file with an error message that names the file, line and column.

#include <sstream>
#include <string>

#include <toml++/toml.h>

#include "kessai/result.hpp"

namespace kessai::daemon {

inline Result<toml::table, std::string> parse_toml_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    std::ostringstream message;
    message << path << ":" << error.source().begin.line << ":" << error.source().begin.column << ": "
            << error.description();
    return fail(message.str());
  }
}

}  // namespace kessai::daemon
