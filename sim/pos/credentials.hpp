#pragma once
// The terminals the fleet runs as: a credentials file, one terminal per line, `facility_id terminal_id
// secret` separated by white space (what `kessai terminal register --format tsv` prints), `#` comments
// and blank lines ignored. Pure: the caller reads the file.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kessai::sim::pos {

struct TerminalCredentials {
  std::string facility_id = "";  // "FAC001"
  std::string terminal_id = "";  // "term_…"
  std::string secret = "";       // the HMAC key, "pts_…"
};

// Limits on what one file may hold; a file beyond them is refused, not cut.
constexpr std::size_t kCredentialLinesMax = 100'000;
constexpr std::size_t kCredentialFieldBytesMax = 256;

// Every terminal of the file, in file order; or the first problem, naming its line. A terminal id listed
// twice is a problem (two threads would share one sequence counter).
std::variant<std::vector<TerminalCredentials>, std::string> parse_credentials(std::string_view text);

// The fleet: the first `facilities` distinct facilities in file order and the first `terminals_each`
// terminals of each, grouped by facility; or why the file does not hold that many.
std::variant<std::vector<TerminalCredentials>, std::string> select_fleet(
    const std::vector<TerminalCredentials>& all, std::size_t facilities, std::size_t terminals_each);

}  // namespace kessai::sim::pos
