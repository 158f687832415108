#include "credentials.hpp"

#include <set>

namespace kessai::sim::pos {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// The line's fields up to a field starting with '#'.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && is_blank(line[at])) ++at;
    if (at >= line.size() || line[at] == '#') break;
    const std::size_t start = at;
    while (at < line.size() && !is_blank(line[at])) ++at;
    fields.push_back(line.substr(start, at - start));
  }
  return fields;
}

}  // namespace

std::variant<std::vector<TerminalCredentials>, std::string> parse_credentials(std::string_view text) {
  std::vector<TerminalCredentials> terminals;
  std::set<std::string_view> terminal_ids;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (++line_number > kCredentialLinesMax)
      return "more than " + std::to_string(kCredentialLinesMax) + " lines";
    const std::string where = "line " + std::to_string(line_number) + ": ";
    const std::vector<std::string_view> fields = fields_of(line);
    if (fields.empty()) continue;
    if (fields.size() != 3)
      return where + "expected 'facility_id terminal_id secret', found " + std::to_string(fields.size()) +
             " field(s)";
    for (const std::string_view field : fields) {
      if (field.size() > kCredentialFieldBytesMax)
        return where + "a field longer than " + std::to_string(kCredentialFieldBytesMax) + " bytes";
    }
    if (!terminal_ids.insert(fields[1]).second)
      return where + "terminal " + std::string(fields[1]) + " is listed twice";
    terminals.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2])});
  }
  return terminals;
}

std::variant<std::vector<TerminalCredentials>, std::string> select_fleet(
    const std::vector<TerminalCredentials>& all, std::size_t facilities, std::size_t terminals_each) {
  std::vector<std::string> order;  // facilities in file order
  for (const TerminalCredentials& terminal : all) {
    bool seen = false;
    for (const std::string& facility : order) seen = seen || facility == terminal.facility_id;
    if (!seen) order.push_back(terminal.facility_id);
  }
  if (order.size() < facilities)
    return "the credentials file has terminals of " + std::to_string(order.size()) +
           " facilities; --facilities " + std::to_string(facilities) + " needs that many";
  std::vector<TerminalCredentials> fleet;
  for (std::size_t index = 0; index < facilities; ++index) {
    std::size_t taken = 0;
    for (const TerminalCredentials& terminal : all) {
      if (terminal.facility_id != order[index] || taken == terminals_each) continue;
      fleet.push_back(terminal);
      ++taken;
    }
    if (taken < terminals_each)
      return "facility " + order[index] + " has " + std::to_string(taken) +
             " terminal(s) in the credentials file; --terminals " + std::to_string(terminals_each) +
             " needs that many for each facility";
  }
  return fleet;
}

}  // namespace kessai::sim::pos
