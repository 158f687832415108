#include "kessai/engine/business_day.hpp"

#include <charconv>

#include <date/tz.h>

namespace kessai::engine {

Result<BusinessDay, std::string> BusinessDay::make(const std::string& time_zone, const std::string& cutoff) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(time_zone);
  } catch (const std::exception& error) {
    return fail("unknown time zone '" + time_zone + "': " + error.what());
  }
  int hours = -1;
  int minutes = -1;
  const bool shaped = cutoff.size() == 5 && cutoff[2] == ':';
  if (shaped) {
    std::from_chars(cutoff.data(), cutoff.data() + 2, hours);
    std::from_chars(cutoff.data() + 3, cutoff.data() + 5, minutes);
  }
  if (!shaped || hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
    return fail("cut-off '" + cutoff + "' is not a time of day HH:MM");
  }
  return BusinessDay(zone, std::chrono::minutes(hours * 60 + minutes));
}

std::chrono::year_month_day BusinessDay::date_of(std::chrono::system_clock::time_point time) const {
  const auto* zone = static_cast<const date::time_zone*>(zone_);
  const auto local = zone->to_local(time);
  // After the cut-off the payment belongs to the next day's books.
  const auto shifted = local + (std::chrono::hours(24) - cutoff_) % std::chrono::hours(24);
  const auto local_day = date::floor<date::days>(shifted);
  const date::year_month_day ymd{local_day};
  return std::chrono::year_month_day{std::chrono::year{static_cast<int>(ymd.year())},
                                     std::chrono::month{static_cast<unsigned>(ymd.month())},
                                     std::chrono::day{static_cast<unsigned>(ymd.day())}};
}

}  // namespace kessai::engine
