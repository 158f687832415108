#include "kessai/runtime/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "kessai/runtime/http_types.hpp"

namespace kessai::log {

namespace {

std::mutex g_mutex;
std::string g_component = "kessai";
Level g_minimum = Level::info;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return buffer;
}

}  // namespace

void configure(std::string component, Level minimum) {
  std::lock_guard lock(g_mutex);
  g_component = std::move(component);
  g_minimum = minimum;
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn") return Level::warn;
  if (text == "error") return Level::error;
  return std::nullopt;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (level < g_minimum) return;
  std::string line =
      "{\"ts\":\"" + utc_timestamp() + "\",\"level\":\"" + std::string(level_name(level)) + "\"";
  {
    std::lock_guard lock(g_mutex);
    line += ",\"component\":\"" + runtime::json_escape(g_component) + "\"";
  }
  line += ",\"event\":\"" + runtime::json_escape(event) + "\"";
  for (const Field& field : fields) {
    line += ",\"" + runtime::json_escape(field.key) + "\":";
    if (field.quoted) {
      line += "\"" + runtime::json_escape(field.text) + "\"";
    } else {
      line += field.text;
    }
  }
  line += "}\n";
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace kessai::log
