// The bank calendar (kessai_jp): every national holiday of 2024–2026 as the Cabinet Office lists them,
// the special years (1990, 1993, 2019, the Olympic moves of 2020 and 2021), the old and the new law on
// 振替休日 and 国民の休日, bank business days across Golden Week and the New Year, and 和暦 dates both
// ways, the era's edge included.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "kessai/runtime/bank_calendar.hpp"

using namespace kessai;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day date(int y, unsigned m, unsigned d) {
  return chrono::year_month_day{chrono::year{y}, chrono::month{m}, chrono::day{d}};
}

std::string text(chrono::year_month_day day) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return buffer;
}

// Every holiday of a year, as "MM-DD".
std::vector<std::string> holidays_of(int year) {
  std::vector<std::string> found;
  for (chrono::sys_days day = chrono::sys_days(date(year, 1, 1)); day <= chrono::sys_days(date(year, 12, 31));
       day += chrono::days(1)) {
    if (runtime::is_national_holiday(chrono::year_month_day(day)))
      found.push_back(text(chrono::year_month_day(day)).substr(5));
  }
  return found;
}

}  // namespace

TEST_CASE("every national holiday of 2024, 2025 and 2026", "[bank_calendar]") {
  // 2024: 2/11, 8/11 and 11/3 fall on Sundays; 秋分の日 9/22 too (substitutes on the Mondays).
  CHECK(holidays_of(2024) == std::vector<std::string>{"01-01", "01-08", "02-11", "02-12", "02-23", "03-20",
                                                      "04-29", "05-03", "05-04", "05-05", "05-06", "07-15",
                                                      "08-11", "08-12", "09-16", "09-22", "09-23", "10-14",
                                                      "11-03", "11-04", "11-23"});
  // 2025: 天皇誕生日 2/23, みどりの日 5/4 and 勤労感謝の日 11/23 on Sundays; 5/4's substitute is 5/6, past
  // こどもの日.
  CHECK(holidays_of(2025) == std::vector<std::string>{"01-01", "01-13", "02-11", "02-23", "02-24", "03-20",
                                                      "04-29", "05-03", "05-04", "05-05", "05-06", "07-21",
                                                      "08-11", "09-15", "09-23", "10-13", "11-03", "11-23",
                                                      "11-24"});
  // 2026: 憲法記念日 on a Sunday moves to 5/6; 9/22 lies between 敬老の日 and 秋分の日 (国民の休日).
  CHECK(holidays_of(2026) == std::vector<std::string>{"01-01", "01-12", "02-11", "02-23", "03-20", "04-29",
                                                      "05-03", "05-04", "05-05", "05-06", "07-20", "08-11",
                                                      "09-21", "09-22", "09-23", "10-12", "11-03", "11-23"});
}

TEST_CASE("the special years: the enthronements, the 1993 wedding, the Olympic moves", "[bank_calendar]") {
  // 2019: no 天皇誕生日; 即位の日 5/1 makes 4/30 and 5/2 国民の休日, ten days off in a row; 10/22.
  CHECK(holidays_of(2019) == std::vector<std::string>{"01-01", "01-14", "02-11", "03-21", "04-29", "04-30",
                                                      "05-01", "05-02", "05-03", "05-04", "05-05", "05-06",
                                                      "07-15", "08-11", "08-12", "09-16", "09-23", "10-14",
                                                      "10-22", "11-03", "11-04", "11-23"});
  // 2020: 海の日 7/23, スポーツの日 7/24, 山の日 8/10; none in October; 天皇誕生日 2/23 on a Sunday.
  CHECK(holidays_of(2020) == std::vector<std::string>{"01-01", "01-13", "02-11", "02-23", "02-24", "03-20",
                                                      "04-29", "05-03", "05-04", "05-05", "05-06", "07-23",
                                                      "07-24", "08-10", "09-21", "09-22", "11-03", "11-23"});
  // 2021: 7/22, 7/23, and 山の日 8/8 on a Sunday (substitute 8/9).
  CHECK(holidays_of(2021) == std::vector<std::string>{"01-01", "01-11", "02-11", "02-23", "03-20", "04-29",
                                                      "05-03", "05-04", "05-05", "07-22", "07-23", "08-08",
                                                      "08-09", "09-20", "09-23", "11-03", "11-23"});
  CHECK(runtime::is_national_holiday(date(1990, 11, 12)));  // 即位礼正殿の儀 (平成)
  CHECK(runtime::is_national_holiday(date(1993, 6, 9)));    // 皇太子徳仁親王の結婚の儀
  CHECK_FALSE(runtime::is_national_holiday(date(1991, 11, 12)));
  CHECK(runtime::is_national_holiday(date(2018, 12, 23)));  // the last 天皇誕生日 of 平成
  CHECK(runtime::is_national_holiday(date(2018, 12, 24)));  // on a Sunday
  CHECK_FALSE(runtime::is_national_holiday(date(2019, 12, 23)));
}

TEST_CASE("the laws before 2007: Happy Monday, substitutes on the Monday only, 5/4", "[bank_calendar]") {
  // Until 1999 成人の日 and 体育の日 had fixed dates; 海の日 began in 1996, 7/20 until 2002.
  CHECK(runtime::is_national_holiday(date(1999, 1, 15)));
  CHECK(runtime::is_national_holiday(date(2000, 1, 10)));  // the second Monday
  CHECK(runtime::is_national_holiday(date(1999, 10, 10)));
  CHECK_FALSE(runtime::is_national_holiday(date(1995, 7, 20)));
  CHECK(runtime::is_national_holiday(date(1996, 7, 20)));
  CHECK(runtime::is_national_holiday(date(2003, 7, 21)));  // the third Monday
  CHECK(runtime::is_national_holiday(date(2002, 9, 15)));  // 敬老の日, fixed until 2002
  CHECK(runtime::is_national_holiday(date(2003, 9, 15)));  // the third Monday from 2003
  // 1998: 憲法記念日 on a Sunday; 5/4 is its substitute, and no day moves past こどもの日.
  CHECK(runtime::is_national_holiday(date(1998, 5, 4)));
  CHECK_FALSE(runtime::is_national_holiday(date(1998, 5, 6)));
  // 5/4 between two holidays was a holiday (国民の休日), but not when a Sunday (2003).
  CHECK(runtime::is_national_holiday(date(2006, 5, 4)));
  CHECK_FALSE(runtime::is_national_holiday(date(2003, 5, 4)));
  // From 2007 a Sunday holiday moves past the holidays after it: 2009-05-06.
  CHECK(runtime::is_national_holiday(date(2009, 5, 6)));
  // 国民の休日 in September under the new law: 2009-09-22, 2015-09-22.
  CHECK(runtime::is_national_holiday(date(2009, 9, 22)));
  CHECK(runtime::is_national_holiday(date(2015, 9, 22)));
  CHECK(runtime::is_national_holiday(date(1990, 9, 24)));  // 秋分の日 9/23 on a Sunday
}

TEST_CASE("the equinoxes follow the formula to 2099", "[bank_calendar]") {
  CHECK(runtime::is_national_holiday(date(1990, 3, 21)));
  CHECK(runtime::is_national_holiday(date(2023, 3, 21)));
  CHECK(runtime::is_national_holiday(date(2023, 9, 23)));
  CHECK(runtime::is_national_holiday(date(2012, 9, 22)));
  CHECK(runtime::is_national_holiday(date(2099, 3, 20)));
  CHECK(runtime::is_national_holiday(date(2099, 9, 23)));
  CHECK(runtime::is_national_holiday(date(2092, 3, 19)));  // the formula's earliest vernal equinox
}

TEST_CASE("bank business days: weekends, holidays and the year-end days", "[bank_calendar]") {
  CHECK(runtime::is_bank_business_day(date(2026, 4, 1)));         // a Wednesday
  CHECK_FALSE(runtime::is_bank_business_day(date(2026, 4, 4)));   // Saturday
  CHECK_FALSE(runtime::is_bank_business_day(date(2026, 4, 5)));   // Sunday
  CHECK_FALSE(runtime::is_bank_business_day(date(2026, 4, 29)));  // 昭和の日
  for (const auto closed : {date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2), date(2027, 1, 3)}) {
    INFO(text(closed));
    CHECK_FALSE(runtime::is_bank_business_day(closed));
  }
  CHECK(runtime::is_bank_business_day(date(2025, 12, 30)));
  CHECK(runtime::is_bank_business_day(date(2026, 1, 5)));
  CHECK_FALSE(runtime::is_national_holiday(date(2026, 1, 2)));  // closed for banks, not a holiday
}

TEST_CASE("the next and the n-th bank business day across Golden Week and the New Year", "[bank_calendar]") {
  // Golden Week 2026: 4/29 (Wed), 5/2–5/6 closed.
  CHECK(text(runtime::next_bank_business_day(date(2026, 4, 28))) == "2026-04-30");
  CHECK(text(runtime::next_bank_business_day(date(2026, 5, 1))) == "2026-05-07");
  CHECK(text(runtime::next_bank_business_day(date(2026, 5, 3))) == "2026-05-07");
  // 2019: ten days closed, 4/27 to 5/6.
  CHECK(text(runtime::next_bank_business_day(date(2019, 4, 26))) == "2019-05-07");
  // New Year 2025/26: 12/31 to 1/4 closed (1/3 and 1/4 are a weekend too).
  CHECK(text(runtime::next_bank_business_day(date(2025, 12, 30))) == "2026-01-05");
  CHECK(text(runtime::next_bank_business_day(date(2025, 12, 29))) == "2025-12-30");
  // Friday → Monday; a Friday before a Monday holiday → Tuesday.
  CHECK(text(runtime::next_bank_business_day(date(2026, 4, 3))) == "2026-04-06");
  CHECK(text(runtime::next_bank_business_day(date(2026, 7, 17))) == "2026-07-21");

  CHECK(text(runtime::add_bank_business_days(date(2026, 4, 1), 0)) == "2026-04-01");
  CHECK(text(runtime::add_bank_business_days(date(2026, 4, 4), 0)) == "2026-04-06");  // Saturday
  CHECK(text(runtime::add_bank_business_days(date(2026, 4, 4), 1)) == "2026-04-06");
  CHECK(text(runtime::add_bank_business_days(date(2026, 4, 4), 2)) == "2026-04-07");
  CHECK(text(runtime::add_bank_business_days(date(2026, 4, 27), 2)) == "2026-04-30");  // past 4/29
  CHECK(text(runtime::add_bank_business_days(date(2026, 4, 30), 2)) == "2026-05-07");
  CHECK(text(runtime::add_bank_business_days(date(2025, 12, 26), 3)) == "2026-01-05");
  for (const auto from : {date(2026, 4, 28), date(2026, 5, 2), date(2025, 12, 31)}) {
    CHECK(runtime::add_bank_business_days(from, 1) == runtime::next_bank_business_day(from));
  }
}

TEST_CASE("the calendar's range", "[bank_calendar]") {
  CHECK(runtime::in_bank_calendar(date(1990, 1, 1)));
  CHECK(runtime::in_bank_calendar(date(2099, 12, 31)));
  CHECK_FALSE(runtime::in_bank_calendar(date(1989, 12, 31)));
  CHECK_FALSE(runtime::in_bank_calendar(date(2100, 1, 1)));
  CHECK_FALSE(runtime::in_bank_calendar(date(2026, 2, 29)));  // not a date
  CHECK(runtime::is_national_holiday(date(1990, 1, 1)));
  CHECK_FALSE(runtime::is_bank_business_day(date(2099, 12, 31)));
  CHECK(text(runtime::next_bank_business_day(date(2099, 12, 20))) == "2099-12-21");
}

TEST_CASE("和暦 YYMMDD: 令和 from 2019-05-01, 平成 before", "[bank_calendar]") {
  CHECK(runtime::format_wareki_yymmdd(date(2026, 4, 1)) == "080401");   // 令和8年
  CHECK(runtime::format_wareki_yymmdd(date(2019, 5, 1)) == "010501");   // 令和元年
  CHECK(runtime::format_wareki_yymmdd(date(2019, 4, 30)) == "310430");  // 平成31年
  CHECK(runtime::format_wareki_yymmdd(date(1989, 1, 8)) == "010108");   // 平成元年
  CHECK(runtime::format_wareki_yymmdd(date(2000, 12, 31)) == "121231");
  CHECK(runtime::format_wareki_yymmdd(date(2099, 12, 31)) == "811231");
}

TEST_CASE("和暦 YYMMDD read back: the era nearest the expected date, the era's edges", "[bank_calendar]") {
  const auto parse = [](std::string_view six, chrono::year_month_day near) {
    const auto parsed = runtime::parse_wareki_yymmdd(six, near);
    return parsed ? text(*parsed) : std::string("none");
  };
  // Round trips, a day at a time through both eras' edge and a few years either side.
  for (chrono::sys_days day = chrono::sys_days(date(2017, 1, 1)); day <= chrono::sys_days(date(2021, 12, 31));
       day += chrono::days(1)) {
    const chrono::year_month_day each(day);
    const auto back = runtime::parse_wareki_yymmdd(runtime::format_wareki_yymmdd(each), each);
    REQUIRE(back);
    REQUIRE(*back == each);
  }
  CHECK(parse("080401", date(2026, 4, 2)) == "2026-04-01");
  CHECK(parse("080401", date(1996, 4, 2)) == "1996-04-01");  // 平成8年 when a 1990s date is expected
  // The edge: 平成31年4月30日 is the last day of 平成; 令和元年 starts on 5月1日.
  CHECK(parse("310430", date(2019, 5, 10)) == "2019-04-30");
  CHECK(parse("010430", date(2019, 5, 10)) == "none");  // 令和元年4月30日 never was
  CHECK(parse("010501", date(2019, 5, 10)) == "2019-05-01");
  CHECK(parse("310501", date(2019, 4, 20)) == "none");  // 平成31年5月1日 never was
  CHECK(parse("010107", date(1989, 1, 20)) == "none");  // 昭和64年 (平成 began on 1月8日)
  CHECK(parse("010108", date(1989, 1, 20)) == "1989-01-08");
  // Dates that do not exist, and text that is not six digits.
  CHECK(parse("080229", date(2026, 3, 1)) == "none");  // 2026 is not a leap year
  CHECK(parse("020229", date(2020, 3, 1)) == "2020-02-29");
  CHECK(parse("081301", date(2026, 1, 1)) == "none");
  CHECK(parse("080400", date(2026, 4, 1)) == "none");
  CHECK(parse("000401", date(2019, 5, 1)) == "none");  // there is no year 0 of an era
  CHECK(parse("08041", date(2026, 4, 1)) == "none");
  CHECK(parse("0804011", date(2026, 4, 1)) == "none");
  CHECK(parse("08-401", date(2026, 4, 1)) == "none");
  CHECK(parse(" 80401", date(2026, 4, 1)) == "none");
  CHECK(parse("", date(2026, 4, 1)) == "none");
  // 2007-01-01 lies 5,479 days from both 平成4年1月1日 and 令和4年1月1日: the later era wins the tie.
  CHECK(parse("040101", date(2006, 12, 31)) == "1992-01-01");
  CHECK(parse("040101", date(2007, 1, 1)) == "2022-01-01");
}
