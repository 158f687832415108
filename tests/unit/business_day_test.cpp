#include <catch2/catch.hpp>

#include "kessai/engine/business_day.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/ledger/journal.hpp"

using namespace kessai::engine;
using namespace std::chrono;

namespace {

system_clock::time_point utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

std::string business_date(const BusinessDay& day, system_clock::time_point time) {
  return kessai::ledger::format_date(day.date_of(time));
}

}  // namespace

TEST_CASE("business dates are Tokyo calendar dates") {
  auto day = BusinessDay::make("Asia/Tokyo", "00:00");
  REQUIRE(day.ok());
  CHECK(business_date(day.value(), utc(2026, 11, 21, 14, 59)) == "2026-11-21");  // 23:59 JST
  CHECK(business_date(day.value(), utc(2026, 11, 21, 15, 0)) == "2026-11-22");   // 00:00 JST
  CHECK(business_date(day.value(), utc(2026, 12, 31, 15, 30)) == "2027-01-01");  // new year in Tokyo
}

TEST_CASE("after the cut-off a payment belongs to the next business date") {
  auto day = BusinessDay::make("Asia/Tokyo", "23:00");
  REQUIRE(day.ok());
  CHECK(business_date(day.value(), utc(2026, 11, 21, 13, 59)) == "2026-11-21");  // 22:59 JST
  CHECK(business_date(day.value(), utc(2026, 11, 21, 14, 0)) == "2026-11-22");   // 23:00 JST
  CHECK(business_date(day.value(), utc(2026, 11, 21, 15, 30)) == "2026-11-22");  // 00:30 JST
}

TEST_CASE("bad time zones and cut-offs are refused with a reason") {
  CHECK_FALSE(BusinessDay::make("Asia/Nowhere", "00:00").ok());
  CHECK_FALSE(BusinessDay::make("Asia/Tokyo", "24:00").ok());
  CHECK_FALSE(BusinessDay::make("Asia/Tokyo", "7:00").ok());
  CHECK_FALSE(BusinessDay::make("Asia/Tokyo", "07:60").ok());
  CHECK(BusinessDay::make("Asia/Tokyo", "xx:yy").error().find("HH:MM") != std::string::npos);
}

TEST_CASE("ids are prefixed, unguessable in form, and replay from a seed") {
  IdGenerator first(42);
  IdGenerator second(42);
  const std::string id = first.next("pi");
  CHECK(id.size() == 3 + kIdRandomChars);
  CHECK(id.starts_with("pi_"));
  CHECK(second.next("pi") == id);
  CHECK(first.next("pi") != id);
  IdGenerator unseeded;
  const std::string random_id = unseeded.next("pi");
  CHECK(random_id.size() == 3 + kIdRandomChars);
  CHECK(random_id != unseeded.next("pi"));
  CHECK(format_utc(utc(2026, 11, 21, 4, 5)) == "2026-11-21T04:05:00Z");
}
