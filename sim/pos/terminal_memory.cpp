#include "terminal_memory.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace kessai::sim::pos {

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r')) ++at;
    const std::size_t start = at;
    while (at < line.size() && line[at] != ' ' && line[at] != '\t' && line[at] != '\r') ++at;
    if (at > start) words.push_back(line.substr(start, at - start));
  }
  return words;
}

bool read_number(std::string_view text, std::uint64_t& number) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  return error == std::errc{} && end == text.data() + text.size() && number <= kMemoryNumberMax;
}

bool is_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

// "total DATE MEANS BRAND PAYMENTS YEN REFUNDS YEN"; false when the words are not one.
bool read_total(const std::vector<std::string_view>& words, DayBook& days) {
  if (words.size() != 8 || !is_date(words[1])) return false;
  const std::optional<Means> means = means_named(words[2]);
  if (!means) return false;
  std::uint64_t numbers[4] = {};
  for (std::size_t i = 0; i < 4; ++i) {
    if (!read_number(words[4 + i], numbers[i])) return false;
  }
  TotalLine& line = days[std::string(words[1])].lines[{*means, std::string(words[3])}];
  line = TotalLine{*means,     std::string(words[3]),
                   numbers[0], static_cast<std::int64_t>(numbers[1]),
                   numbers[2], static_cast<std::int64_t>(numbers[3])};
  return true;
}

}  // namespace

std::string format_memory(std::string_view terminal_id, const TerminalMemory& memory) {
  std::string text = "# kessai-sim pos: the memory of terminal " + std::string(terminal_id) + "\n";
  text += "last_request_sequence " + std::to_string(memory.last_request_sequence) + "\n";
  text += "next_transaction_number " + std::to_string(memory.next_transaction_number) + "\n";
  for (const auto& [date, day] : memory.days) {
    text += "day " + date + " " + std::to_string(day.last_transaction_number) + "\n";
    for (const auto& [key, line] : day.lines) {
      text += "total " + date + " " + std::string(means_name(line.means)) + " " + line.brand + " " +
              std::to_string(line.payment_count) + " " + std::to_string(line.payment_yen) + " " +
              std::to_string(line.refund_count) + " " + std::to_string(line.refund_yen) + "\n";
    }
  }
  return text;
}

std::variant<TerminalMemory, std::string> parse_memory(std::string_view text) {
  TerminalMemory memory;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (++line_number > kMemoryLinesMax) return "more than " + std::to_string(kMemoryLinesMax) + " lines";
    const std::vector<std::string_view> words = words_of(line);
    if (words.empty() || words[0].starts_with('#')) continue;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    bool good = false;
    if ((words[0] == "last_request_sequence" || words[0] == "next_transaction_number") && words.size() == 2) {
      good = read_number(words[1], words[0] == "last_request_sequence" ? memory.last_request_sequence
                                                                       : memory.next_transaction_number);
    } else if (words[0] == "day" && words.size() == 3 && is_date(words[1])) {
      good = read_number(words[2], memory.days[std::string(words[1])].last_transaction_number);
    } else if (words[0] == "total" && words.size() == 8) {
      good = read_total(words, memory.days);
    }
    if (!good) return where + "not a line of a terminal's memory: '" + std::string(line) + "'";
  }
  if (memory.next_transaction_number == 0) return "next_transaction_number must be 1 or more";
  return memory;
}

}  // namespace kessai::sim::pos
