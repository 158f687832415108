#include "json_lines.hpp"

#include <fstream>

#include <boost/json.hpp>

namespace kessai::sim {

namespace json = boost::json;

void open_journal(std::ofstream& journal, const std::filesystem::path& path) {
  bool torn = false;
  {
    std::ifstream existing(path, std::ios::binary | std::ios::ate);
    if (existing && existing.tellg() > 0) {
      existing.seekg(-1, std::ios::end);
      torn = existing.get() != '\n';
    }
  }
  journal.open(path, std::ios::app);
  if (torn) {
    journal << '\n';
    journal.flush();
  }
}

void append_line(std::ostream& journal, const json::object& record) {
  journal << json::serialize(record) << '\n';
  journal.flush();
}

std::optional<json::object> parse_object(std::string_view line) {
  json::error_code ec;
  json::value parsed = json::parse(line, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

std::optional<std::string> string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

std::optional<std::int64_t> amount_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_int64() || value->as_int64() < 0) return std::nullopt;
  return value->as_int64();
}

}  // namespace kessai::sim
