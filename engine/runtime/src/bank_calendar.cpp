#include "kessai/runtime/bank_calendar.hpp"

#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace kessai::runtime {

namespace chrono = std::chrono;

namespace {

using chrono::sys_days;
using chrono::year_month_day;

// The law of 2005 that made 4/29 昭和の日 and 5/4 みどりの日, and changed 振替休日 and 国民の休日, took
// effect on 2007-01-01.
constexpr int kLaw2007Year = 2007;

// Equinox days by the formula valid from 1980 to 2099, in integer arithmetic: the constants are
// exact in millionths, so floor(a + b·n) is (a·10⁶ + b·10⁶·n) / 10⁶ for non-negative terms.
constexpr std::int64_t kMillionths = 1'000'000;
constexpr std::int64_t kYearDriftMillionths = 242'194;
constexpr std::int64_t kVernalBaseMillionths = 20'843'100;
constexpr std::int64_t kAutumnalBaseMillionths = 23'248'800;

unsigned equinox_day(int year, std::int64_t base_millionths) {
  assert(year >= 1980 && year <= 2099);
  const std::int64_t n = year - 1980;
  return static_cast<unsigned>((base_millionths + kYearDriftMillionths * n) / kMillionths - n / 4);
}

chrono::weekday weekday_of(sys_days day) {
  return chrono::weekday(day);
}

// The n-th Monday of the date's month is the date (the "Happy Monday" holidays).
bool is_nth_monday(const year_month_day& date, unsigned n) {
  const chrono::year_month_weekday nth{date.year(), date.month(), chrono::Monday[n]};
  return sys_days(nth) == sys_days(date);
}

// 国民の祝日: a named holiday, or a day a special law made one. Valid from 1989 (the neighbours of
// 1990-01-01) to 2100-01-01 (the neighbour of 2099-12-31).
bool is_named_holiday(const year_month_day& date) {
  const int y = static_cast<int>(date.year());
  const unsigned d = static_cast<unsigned>(date.day());
  switch (static_cast<unsigned>(date.month())) {
    case 1:  // 元日; 成人の日 (1/15, the second Monday from 2000)
      return d == 1 || (y < 2000 ? d == 15 : is_nth_monday(date, 2));
    case 2:  // 建国記念の日; 天皇誕生日 (2/23 from 2020)
      return d == 11 || (y >= 2020 && d == 23);
    case 3:  // 春分の日
      return d == equinox_day(y, kVernalBaseMillionths);
    case 4:  // みどりの日 (to 2006), 昭和の日 (from 2007)
      return d == 29;
    case 5:  // 憲法記念日, みどりの日 (5/4 from 2007), こどもの日; 2019: 即位の日
      return d == 3 || d == 5 || (y >= kLaw2007Year && d == 4) || (y == 2019 && d == 1);
    case 6:  // 1993: 皇太子徳仁親王の結婚の儀
      return y == 1993 && d == 9;
    case 7:  // 海の日 (7/20 from 1996, the third Monday from 2003; the Olympic years moved it) and, in
             // 2020 and 2021, スポーツの日
      if (y == 2020) return d == 23 || d == 24;
      if (y == 2021) return d == 22 || d == 23;
      return y >= 2003 ? is_nth_monday(date, 3) : (y >= 1996 && d == 20);
    case 8:  // 山の日 (from 2016; the Olympic years moved it)
      if (y == 2020) return d == 10;
      if (y == 2021) return d == 8;
      return y >= 2016 && d == 11;
    case 9:  // 敬老の日 (9/15, the third Monday from 2003); 秋分の日
      return (y < 2003 ? d == 15 : is_nth_monday(date, 3)) || d == equinox_day(y, kAutumnalBaseMillionths);
    case 10:  // 体育の日 / スポーツの日 (10/10, the second Monday from 2000; in July in 2020 and 2021);
              // 2019: 即位礼正殿の儀
      if (y == 2019 && d == 22) return true;
      if (y == 2020 || y == 2021) return false;
      return y < 2000 ? d == 10 : is_nth_monday(date, 2);
    case 11:  // 文化の日, 勤労感謝の日; 1990: 即位礼正殿の儀
      return d == 3 || d == 23 || (y == 1990 && d == 12);
    case 12:  // 天皇誕生日 (12/23 from 1989 to 2018)
      return y >= 1989 && y <= 2018 && d == 23;
    default:
      assert(false);
      return false;
  }
}

bool is_named_holiday(sys_days day) {
  return is_named_holiday(year_month_day(day));
}

// 振替休日. From 2007: the first day after a Sunday holiday that is not a holiday itself, so a run of
// holidays from a Sunday pushes it past the run (2026-05-06). Before: the Monday after, only.
bool is_substitute_holiday(const year_month_day& date) {
  if (is_named_holiday(date)) return false;
  sys_days day = sys_days(date) - chrono::days(1);
  if (static_cast<int>(date.year()) < kLaw2007Year) {
    return is_named_holiday(day) && weekday_of(day) == chrono::Sunday;
  }
  for (; is_named_holiday(day); day -= chrono::days(1)) {
    if (weekday_of(day) == chrono::Sunday) return true;
  }
  return false;
}

// 国民の休日: a day between two named holidays. Before 2007 the law left out Sundays (and 振替休日,
// which are holidays anyway).
bool is_citizens_holiday(const year_month_day& date) {
  if (is_named_holiday(date)) return false;
  const sys_days day = sys_days(date);
  if (!is_named_holiday(day - chrono::days(1)) || !is_named_holiday(day + chrono::days(1))) return false;
  return static_cast<int>(date.year()) >= kLaw2007Year || weekday_of(day) != chrono::Sunday;
}

// --- 和暦 ---

struct Era {
  int year_zero = 0;  // the Gregorian year before 元年
  year_month_day first_day{};
  std::optional<year_month_day> last_day{};
};

constexpr Era kHeisei{1988, kHeiseiFirstDay, year_month_day{chrono::year{2019} / 4 / 30}};
constexpr Era kReiwa{2018, kReiwaFirstDay, std::nullopt};
constexpr int kEraYearMax = 99;  // two digits

bool in_era(const year_month_day& date, const Era& era) {
  return date.ok() && sys_days(date) >= sys_days(era.first_day) &&
         (!era.last_day || sys_days(date) <= sys_days(*era.last_day));
}

}  // namespace

bool in_bank_calendar(year_month_day date) {
  return date.ok() && sys_days(date) >= sys_days(kBankCalendarFirstDay) &&
         sys_days(date) <= sys_days(kBankCalendarLastDay);
}

bool is_national_holiday(year_month_day date) {
  assert(in_bank_calendar(date));
  return is_named_holiday(date) || is_substitute_holiday(date) || is_citizens_holiday(date);
}

bool is_bank_business_day(year_month_day date) {
  assert(in_bank_calendar(date));
  const chrono::weekday weekday = weekday_of(sys_days(date));
  if (weekday == chrono::Saturday || weekday == chrono::Sunday) return false;
  const unsigned month = static_cast<unsigned>(date.month());
  const unsigned day = static_cast<unsigned>(date.day());
  if ((month == 12 && day == 31) || (month == 1 && day <= 3)) return false;
  return !is_national_holiday(date);
}

year_month_day next_bank_business_day(year_month_day date) {
  assert(in_bank_calendar(date));
  sys_days day = sys_days(date) + chrono::days(1);
  while (!is_bank_business_day(year_month_day(day))) day += chrono::days(1);
  return year_month_day(day);
}

year_month_day add_bank_business_days(year_month_day date, int n) {
  assert(n >= 0);
  if (n == 0) return is_bank_business_day(date) ? date : next_bank_business_day(date);
  year_month_day day = date;
  for (int i = 0; i < n; ++i) day = next_bank_business_day(day);
  return day;
}

std::string format_wareki_yymmdd(year_month_day date) {
  assert(date.ok() && sys_days(date) >= sys_days(kHeiseiFirstDay));
  const Era& era = sys_days(date) >= sys_days(kReiwaFirstDay) ? kReiwa : kHeisei;
  const int era_year = static_cast<int>(date.year()) - era.year_zero;
  assert(era_year >= 1 && era_year <= kEraYearMax);
  char text[16];  // 6 digits; room for what -Wformat-truncation thinks the fields could take
  std::snprintf(text, sizeof text, "%02d%02u%02u", era_year, static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

std::optional<year_month_day> parse_wareki_yymmdd(std::string_view six, year_month_day near) {
  assert(near.ok());
  if (six.size() != 6) return std::nullopt;
  for (const char c : six) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const auto two = [six](std::size_t at) { return (six[at] - '0') * 10 + (six[at + 1] - '0'); };
  const int era_year = two(0);
  const unsigned month = static_cast<unsigned>(two(2));
  const unsigned day = static_cast<unsigned>(two(4));
  if (era_year < 1 || month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  // Where the date would fall in each era, the day counted on from the 1st even when the month is
  // shorter (a 30 February still has a distance): the nearer era is chosen before the date is checked.
  const Era* nearest = nullptr;
  std::int64_t nearest_distance = 0;
  for (const Era* era : {&kHeisei, &kReiwa}) {
    const chrono::year year{era->year_zero + era_year};
    const sys_days position = sys_days(year / chrono::month{month} / 1) + chrono::days(day - 1);
    const std::int64_t distance = std::llabs((position - sys_days(near)).count());
    if (nearest == nullptr || distance <= nearest_distance) {  // a tie goes to the later era
      nearest = era;
      nearest_distance = distance;
    }
  }
  const year_month_day date{chrono::year{nearest->year_zero + era_year}, chrono::month{month},
                            chrono::day{day}};
  if (!in_era(date, *nearest)) return std::nullopt;
  return date;
}

}  // namespace kessai::runtime
