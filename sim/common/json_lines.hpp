#pragma once
// The simulators' journals: one JSON object per line, appended as records are made and read back at
// start. A line that is not a record (a torn last line after a crash, a hand edit) is skipped and
// counted, never fatal. Streams (only open_journal touches a file), so the reload is unit-tested.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

namespace kessai::sim {

// Appends the record as one line and flushes it, so it is on disk before the answer leaves. The caller
// holds its changes lock, so a journal's order is the book's order.
void append_line(std::ostream& journal, const boost::json::object& record);

// Opens a journal for appending. After a crash its last line may be torn (no newline): a newline is
// added first, so the next record starts on a line of its own instead of being glued to the torn one.
void open_journal(std::ofstream& journal, const std::filesystem::path& path);

// The line as a JSON object; nullopt for anything else.
std::optional<boost::json::object> parse_object(std::string_view line);

// A string member; nullopt when it is missing or not a string.
std::optional<std::string> string_at(const boost::json::object& object, std::string_view key);

// An amount member in whole yen, never negative; nullopt when it is missing, not an integer or negative.
std::optional<std::int64_t> amount_at(const boost::json::object& object, std::string_view key);

// Every record of the lines, in order; empty lines are passed over, lines `parse` refuses are counted
// in skipped_lines.
template <class Record>
std::vector<Record> read_lines(std::istream& lines, std::optional<Record> (*parse)(std::string_view),
                               std::size_t& skipped_lines) {
  std::vector<Record> records;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (auto record = parse(line)) {
      records.push_back(std::move(*record));
    } else {
      ++skipped_lines;
    }
  }
  return records;
}

}  // namespace kessai::sim
