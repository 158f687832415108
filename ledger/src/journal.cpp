#include "kessai/ledger/journal.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace kessai::ledger {

namespace {

struct TypePrefix {
  std::string_view segment;
  AccountType type;
};
constexpr std::array<TypePrefix, 5> kTypePrefixes{{
    {"assets", AccountType::asset},
    {"liabilities", AccountType::liability},
    {"equity", AccountType::equity},
    {"revenue", AccountType::revenue},
    {"expenses", AccountType::expense},
}};

bool is_segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string_view to_string(AccountType type) {
  switch (type) {
    case AccountType::asset:
      return "asset";
    case AccountType::liability:
      return "liability";
    case AccountType::equity:
      return "equity";
    case AccountType::revenue:
      return "revenue";
    case AccountType::expense:
      return "expense";
  }
  return "unknown";
}

std::optional<AccountCode> AccountCode::parse(std::string_view text) {
  if (text.empty() || text.size() > kAccountCodeBytesMax) return std::nullopt;
  std::size_t segments = 1;
  bool segment_empty = true;
  for (char c : text) {
    if (c == ':') {
      if (segment_empty) return std::nullopt;
      ++segments;
      segment_empty = true;
    } else if (is_segment_char(c)) {
      segment_empty = false;
    } else {
      return std::nullopt;
    }
  }
  if (segment_empty || segments < 2 || segments > kAccountSegmentsMax) return std::nullopt;
  const std::string_view first = text.substr(0, text.find(':'));
  for (const TypePrefix& prefix : kTypePrefixes) {
    if (prefix.segment == first) return AccountCode(std::string(text), prefix.type);
  }
  return std::nullopt;
}

std::string_view to_string(JournalError error) {
  switch (error) {
    case JournalError::no_postings:
      return "no_postings";
    case JournalError::single_posting:
      return "single_posting";
    case JournalError::zero_posting:
      return "zero_posting";
    case JournalError::unbalanced:
      return "unbalanced";
    case JournalError::overflow:
      return "overflow";
    case JournalError::too_many_postings:
      return "too_many_postings";
    case JournalError::text_too_long:
      return "text_too_long";
  }
  return "unknown";
}

std::optional<Yen> sum_postings(const std::vector<Posting>& postings) {
  Yen sum{0};
  for (const Posting& posting : postings) {
    const std::optional<Yen> next = sum.checked_add(posting.amount);
    if (!next) return std::nullopt;
    sum = *next;
  }
  return sum;
}

Result<Journal, JournalError> Journal::build(std::string kind, std::string reference,
                                             std::chrono::year_month_day business_date,
                                             std::vector<Posting> postings) {
  assert(business_date.ok());
  if (kind.empty() || kind.size() > kJournalTextBytesMax || reference.size() > kJournalTextBytesMax) {
    return fail(JournalError::text_too_long);
  }
  if (postings.empty()) return fail(JournalError::no_postings);
  if (postings.size() == 1) return fail(JournalError::single_posting);
  if (postings.size() > kJournalPostingsMax) return fail(JournalError::too_many_postings);
  for (const Posting& posting : postings) {
    if (posting.amount.is_zero()) return fail(JournalError::zero_posting);
  }
  const std::optional<Yen> sum = sum_postings(postings);
  if (!sum) return fail(JournalError::overflow);
  if (!sum->is_zero()) return fail(JournalError::unbalanced);

  Journal journal;
  journal.kind_ = std::move(kind);
  journal.reference_ = std::move(reference);
  journal.business_date_ = business_date;
  journal.postings_ = std::move(postings);
  return journal;
}

Yen Journal::total_debits() const {
  Yen total{0};
  for (const Posting& posting : postings_) {
    if (posting.amount.is_positive()) {
      // Cannot overflow: build() proved the debits equal the credits within int64.
      total = *total.checked_add(posting.amount);
    }
  }
  return total;
}

std::string format_date(std::chrono::year_month_day date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  const auto parse_part = [&](std::size_t offset, std::size_t length, auto& out) {
    const char* first = text.data() + offset;
    const auto [end, error] = std::from_chars(first, first + length, out);
    return error == std::errc{} && end == first + length;
  };
  if (!parse_part(0, 4, year) || !parse_part(5, 2, month) || !parse_part(8, 2, day)) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  if (!date.ok()) return std::nullopt;
  return date;
}

}  // namespace kessai::ledger
