#pragma once
// Structured logs: one JSON object per line on stderr, so operators can grep them and ship them.
// Never log secrets: API keys, card tokens, passwords (database URLs go through redact first).

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace kessai::log {

enum class Level : std::uint8_t { debug = 1, info = 2, warn = 3, error = 4 };

struct Field {
  Field(std::string_view key, std::string_view value) : key(key), text(value), quoted(true) {}
  Field(std::string_view key, const std::string& value) : key(key), text(value), quoted(true) {}
  Field(std::string_view key, const char* value) : key(key), text(value), quoted(true) {}
  Field(std::string_view key, std::int64_t value) : key(key), text(std::to_string(value)), quoted(false) {}
  Field(std::string_view key, int value) : key(key), text(std::to_string(value)), quoted(false) {}
  Field(std::string_view key, unsigned value) : key(key), text(std::to_string(value)), quoted(false) {}
  Field(std::string_view key, std::uint64_t value) : key(key), text(std::to_string(value)), quoted(false) {}
  Field(std::string_view key, double value) : key(key), text(std::to_string(value)), quoted(false) {}
  Field(std::string_view key, bool value) : key(key), text(value ? "true" : "false"), quoted(false) {}
  std::string_view key;
  std::string text;
  bool quoted;
};

void configure(std::string component, Level minimum);
std::optional<Level> parse_level(std::string_view text);
void write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}

}  // namespace kessai::log
