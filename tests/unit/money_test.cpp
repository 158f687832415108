#include <catch2/catch.hpp>

#include <limits>

#include "kessai/identifier.hpp"
#include "kessai/money.hpp"

using kessai::Yen;

TEST_CASE("yen arithmetic is checked: overflow is an error, never a wrap") {
  const Yen max(std::numeric_limits<std::int64_t>::max());
  const Yen min(std::numeric_limits<std::int64_t>::min());
  CHECK(Yen(3000).checked_add(Yen(500)) == Yen(3500));
  CHECK(Yen(3000).checked_sub(Yen(3500)) == Yen(-500));
  CHECK_FALSE(max.checked_add(Yen(1)).has_value());
  CHECK_FALSE(min.checked_sub(Yen(1)).has_value());
  CHECK_FALSE(min.checked_negate().has_value());
  CHECK(max.checked_negate() == Yen(-std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("yen formats with thousands separators") {
  CHECK(kessai::format_yen(Yen(0)) == "0");
  CHECK(kessai::format_yen(Yen(999)) == "999");
  CHECK(kessai::format_yen(Yen(1000)) == "1,000");
  CHECK(kessai::format_yen(Yen(-1234567)) == "-1,234,567");
  CHECK(kessai::format_yen(Yen(std::numeric_limits<std::int64_t>::min())) == "-9,223,372,036,854,775,808");
}

TEST_CASE("identifiers accept letters, digits, '-' and '_' only") {
  CHECK(kessai::FeeCode::parse("F001").has_value());
  CHECK(kessai::FacilityId::parse("FAC-001_a").has_value());
  CHECK_FALSE(kessai::FeeCode::parse("").has_value());
  CHECK_FALSE(kessai::FeeCode::parse("F 001").has_value());
  CHECK_FALSE(kessai::FeeCode::parse("F001:x").has_value());
  CHECK_FALSE(kessai::FeeCode::parse("手数料").has_value());
  CHECK_FALSE(kessai::FeeCode::parse("'; drop table x; --").has_value());
  CHECK(kessai::FeeCode::parse(std::string(64, 'a')).has_value());
  CHECK_FALSE(kessai::FeeCode::parse(std::string(65, 'a')).has_value());
}
