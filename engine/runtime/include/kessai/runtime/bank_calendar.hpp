#pragma once
// Japan's calendar as banks keep it: national holidays (国民の祝日, 振替休日, 国民の休日), bank business
// days (営業日), and dates in the Japanese era (和暦) as Zengin bank files write them. Pure: no clock,
// no time-zone database (a date is already Japan's).
//
// The holidays are those of the 国民の祝日に関する法律 as amended up to 2018 and the special laws of
// 1990, 1993, 2019 and 2020–2021, for 1990-01-01 to 2099-12-31 (the equinox formula's range ends in
// 2099). Dates outside that range are a programming error (asserted): a caller checks dates from
// outside with in_bank_calendar first. Laws passed later (a new holiday, an imperial event) need a
// change here.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kessai::runtime {

constexpr std::chrono::year_month_day kBankCalendarFirstDay{std::chrono::year{1990} / 1 / 1};
constexpr std::chrono::year_month_day kBankCalendarLastDay{std::chrono::year{2099} / 12 / 31};

// True when the date exists and lies within kBankCalendarFirstDay..kBankCalendarLastDay.
bool in_bank_calendar(std::chrono::year_month_day date);

// 国民の祝日 (the named holidays, and the days the special laws made holidays: 1990-11-12 即位礼正殿の儀,
// 1993-06-09 結婚の儀, 2019-05-01 即位の日, 2019-10-22 即位礼正殿の儀), 振替休日 (a holiday on a Sunday
// moves to the next day that is not a holiday; before 2007, to the Monday) and 国民の休日 (a day that
// is not a holiday between two that are; before 2007, not on a Sunday). Equinoxes by the formula
// floor(20.8431 + 0.242194 (Y − 1980) − floor((Y − 1980) / 4)) for 春分の日 (23.2488 for 秋分の日).
// 2020 and 2021 have the Olympic dates of 海の日, スポーツの日 and 山の日; 2019 has no 天皇誕生日.
// in_bank_calendar(date).
bool is_national_holiday(std::chrono::year_month_day date);

// A day banks are open (銀行営業日): not a Saturday, a Sunday, a national holiday, nor 12/31, 1/1, 1/2
// or 1/3 (the banks' year-end holidays, 銀行法施行令 5 条). in_bank_calendar(date).
bool is_bank_business_day(std::chrono::year_month_day date);

// The first bank business day strictly after `date` (翌営業日). It must lie in the calendar too: the
// longest run of closed days is 10 (2019-04-27 to 05-06), so a date up to 2099-12-20 is always safe.
std::chrono::year_month_day next_bank_business_day(std::chrono::year_month_day date);

// The n-th bank business day after `date` (n 営業日後), n ≥ 0: n = 1 is next_bank_business_day, and
// n = 0 the date itself when it is a business day, else the next one.
std::chrono::year_month_day add_bank_business_days(std::chrono::year_month_day date, int n);

// --- 和暦 (Japanese era) dates ---------------------------------------------------------------------

constexpr std::chrono::year_month_day kHeiseiFirstDay{std::chrono::year{1989} / 1 / 8};  // 平成元年1月8日
constexpr std::chrono::year_month_day kReiwaFirstDay{std::chrono::year{2019} / 5 / 1};  // 令和元年5月1日

// "YYMMDD": the year of the era in two digits (元年 is 01), the month and the day, as Zengin files write
// dates: 令和 from 2019-05-01, 平成 from 1989-01-08 to 2019-04-30. Earlier dates (昭和) and era years
// beyond 99 (令和 ends writable in 2117) are a programming error (asserted).
std::string format_wareki_yymmdd(std::chrono::year_month_day date);

// The date of "YYMMDD" in 平成 or 令和. The digits do not say which era, so the era is the one in which
// the date falls closest to `near` (a date the caller expects, such as the file's own date; on a tie,
// 令和). nullopt when the text is not six ASCII digits, or the date is not a real date of that era:
// "010430" near 2019-05-10 is 令和元年4月30日, which never was (平成31年 then), so nullopt, while
// "310430" is 2019-04-30 (平成31年).
std::optional<std::chrono::year_month_day> parse_wareki_yymmdd(std::string_view six,
                                                               std::chrono::year_month_day near);

}  // namespace kessai::runtime
