// The POS protocol's pure parts: the request sequence window, terminals' local times, the clerk's texts.

#include <catch2/catch.hpp>

#include "kessai/engine/pos_store.hpp"
#include "kessai/engine/pos_text.hpp"
#include "kessai/pos/v1/common.pb.h"

using kessai::engine::parse_local_time;
using kessai::engine::pos_display_text;
using kessai::engine::SequenceClaim;
using kessai::engine::SequenceWindow;

TEST_CASE("sequence window: each number once, out of order within 64, refused behind the window") {
  SequenceWindow window;
  CHECK(window.claim(1) == SequenceClaim::accepted);
  CHECK(window.claim(1) == SequenceClaim::replayed);
  CHECK(window.claim(5) == SequenceClaim::accepted);
  CHECK(window.claim(3) == SequenceClaim::accepted);  // sent concurrently, arrived late
  CHECK(window.claim(3) == SequenceClaim::replayed);
  CHECK(window.claim(1) == SequenceClaim::replayed);  // the old highest is remembered below the new one
  CHECK(window.claim(2) == SequenceClaim::accepted);
  CHECK(window.claim(4) == SequenceClaim::accepted);
  CHECK(window.claim(5) == SequenceClaim::replayed);

  SECTION("a jump of exactly the window keeps the old highest; one more forgets it as too old") {
    CHECK(window.claim(5 + 64) == SequenceClaim::accepted);
    CHECK(window.claim(5) == SequenceClaim::replayed);
    CHECK(window.claim(4) == SequenceClaim::out_of_window);
    CHECK(window.claim(6) == SequenceClaim::accepted);
  }
  SECTION("a jump beyond the window") {
    CHECK(window.claim(1000) == SequenceClaim::accepted);
    CHECK(window.claim(936) == SequenceClaim::accepted);
    CHECK(window.claim(935) == SequenceClaim::out_of_window);
    CHECK(window.claim(999) == SequenceClaim::accepted);
    CHECK(window.claim(936) == SequenceClaim::replayed);
  }
  SECTION("the first request may start anywhere") {
    SequenceWindow fresh;
    CHECK(fresh.claim(42) == SequenceClaim::accepted);
    CHECK(fresh.claim(41) == SequenceClaim::accepted);
    CHECK(fresh.claim(42) == SequenceClaim::replayed);
  }
}

TEST_CASE("local times: RFC 3339 with an offset or Z, read as UTC") {
  using namespace std::chrono;
  const auto utc = sys_days(year(2026) / 11 / 22) + hours(1) + minutes(15) + seconds(3);
  CHECK(parse_local_time("2026-11-22T10:15:03+09:00") == utc);
  CHECK(parse_local_time("2026-11-22T01:15:03Z") == utc);
  CHECK(parse_local_time("2026-11-22T01:15:03.250Z") == utc);
  CHECK(parse_local_time("2026-11-21T21:15:03-04:00") == utc);
  CHECK_FALSE(parse_local_time("2026-11-22T10:15:03"));  // no offset: ambiguous
  CHECK_FALSE(parse_local_time("2026-11-22 10:15:03+09:00"));
  CHECK_FALSE(parse_local_time("2026-02-30T10:15:03+09:00"));
  CHECK_FALSE(parse_local_time("2026-11-22T24:15:03+09:00"));
  CHECK_FALSE(parse_local_time("2026-11-22T10:15:03+0900"));
  CHECK_FALSE(parse_local_time(""));
}

TEST_CASE("every error code and status of the .proto has a Japanese text for the clerk") {
  for (const google::protobuf::EnumDescriptor* type :
       {kessai::pos::v1::ErrorCode_descriptor(), kessai::pos::v1::TransactionStatus_descriptor()}) {
    for (int i = 1; i < type->value_count(); ++i) {  // 0 is the unspecified value
      INFO(type->value(i)->name());
      CHECK_FALSE(pos_display_text(type->value(i)->name()).empty());
    }
  }
  CHECK(pos_display_text("NO_SUCH_NAME").empty());
}
