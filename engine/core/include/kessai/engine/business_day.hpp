#pragma once
// Business dates are Asia/Tokyo calendar dates with a configurable cut-off: a payment at 23:30 with a
// 23:00 cut-off belongs to the next business date. Stored times stay UTC.

#include <chrono>
#include <string>

#include "kessai/result.hpp"

namespace kessai::engine {

class BusinessDay {
 public:
  // time_zone: an IANA name ("Asia/Tokyo"); cutoff: "HH:MM" local time (00:00 = plain calendar date).
  static Result<BusinessDay, std::string> make(const std::string& time_zone, const std::string& cutoff);

  std::chrono::year_month_day date_of(std::chrono::system_clock::time_point time) const;

 private:
  BusinessDay(const void* zone, std::chrono::minutes cutoff) : zone_(zone), cutoff_(cutoff) {}
  const void* zone_;  // a date::time_zone; kept opaque so this header does not pull in the tz library
  std::chrono::minutes cutoff_;
};

}  // namespace kessai::engine
