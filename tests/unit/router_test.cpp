#include <catch2/catch.hpp>

#include <map>

#include "fakes.hpp"
#include "kessai/engine/router.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

class ManualClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return time; }
  std::chrono::system_clock::time_point time{std::chrono::seconds(1'800'000'000)};
};

ProcessorId id(const char* text) {
  return *ProcessorId::parse(text);
}

}  // namespace

TEST_CASE("the most specific route wins: facility or procedure over brand over the default") {
  ManualClock clock;
  Router router(clock);
  testing::ScriptedProcessor a("card-a"), b("card-b"), c("card-c");
  for (auto* processor : {&a, &b, &c}) router.add_processor(processor);
  REQUIRE_FALSE(router.set_routes({
      Route{Means::card, "", "", "", {id("card-a")}, {}},
      Route{Means::card, "FAC002", "", "", {id("card-b")}, {}},
      Route{Means::card, "", "PROC001", "", {id("card-c")}, {}},
  }));
  CHECK(router.candidates({Means::card, "FAC001", "", ""}).front() == &a);
  CHECK(router.candidates({Means::card, "FAC002", "", ""}).front() == &b);
  CHECK(router.candidates({Means::card, "", "PROC001", ""}).front() == &c);
  CHECK(router.candidates({Means::qr, "FAC001", "", ""}).empty());
}

TEST_CASE("routes naming unknown processors or a processor of another kind are refused whole") {
  ManualClock clock;
  Router router(clock);
  testing::ScriptedProcessor a("card-a");
  router.add_processor(&a);
  CHECK(router.set_routes({Route{Means::card, "", "", "", {id("card-z")}, {}}})
            .value()
            .find("not configured") != std::string::npos);
  CHECK(router.set_routes({Route{Means::qr, "", "", "", {id("card-a")}, {}}}).value().find("of kind") !=
        std::string::npos);
  CHECK(router.set_routes({Route{Means::card, "", "", "", {id("card-a")}, {1, 2}}}).has_value());
  CHECK(router.candidates({Means::card, "", "", ""}).empty());  // nothing was applied
}

TEST_CASE("a volume split follows its weights, reproducibly from a seed") {
  ManualClock clock;
  Router router(clock, {}, 42);
  testing::ScriptedProcessor a("card-a"), b("card-b");
  router.add_processor(&a);
  router.add_processor(&b);
  REQUIRE_FALSE(router.set_routes({Route{Means::card, "", "", "", {id("card-a"), id("card-b")}, {80, 20}}}));
  std::map<adapters::Processor*, int> firsts;
  for (int i = 0; i < 1000; ++i) {
    const auto candidates = router.candidates({Means::card, "", "", ""});
    REQUIRE(candidates.size() == 2);  // the other stays as the fallback
    ++firsts[candidates.front()];
  }
  CHECK(firsts[&a] > 740);
  CHECK(firsts[&a] < 860);
}

TEST_CASE("a circuit opens after repeated failures, lets one trial through later, and closes on success") {
  ManualClock clock;
  Router router(clock, BreakerSettings{3, std::chrono::seconds(30)});
  testing::ScriptedProcessor a("card-a"), b("card-b");
  router.add_processor(&a);
  router.add_processor(&b);
  REQUIRE_FALSE(router.set_routes({Route{Means::card, "", "", "", {id("card-a"), id("card-b")}, {}}}));
  for (int i = 0; i < 3; ++i) router.record_failure(id("card-a"));
  CHECK(router.breaker_state(id("card-a")) == BreakerState::open);
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &b);  // the open one goes last
  clock.time += std::chrono::seconds(31);
  CHECK(router.breaker_state(id("card-a")) == BreakerState::half_open);
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &a);  // the one trial
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &b);  // only one at a time
  router.record_success(id("card-a"));
  CHECK(router.breaker_state(id("card-a")) == BreakerState::closed);
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &a);
}

TEST_CASE("a half-open processor listed behind a healthy one keeps its trial for when it comes first") {
  ManualClock clock;
  Router router(clock, BreakerSettings{1, std::chrono::seconds(30)});
  testing::ScriptedProcessor a("card-a"), b("card-b");
  router.add_processor(&a);
  router.add_processor(&b);
  REQUIRE_FALSE(router.set_routes({Route{Means::card, "", "", "", {id("card-b"), id("card-a")}, {}}}));
  router.record_failure(id("card-a"));
  clock.time += std::chrono::seconds(31);
  for (int i = 0; i < 3; ++i) CHECK(router.candidates({Means::card, "", "", ""}).front() == &b);
  router.record_failure(id("card-b"));                                // now card-b opens too (threshold 1)
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &a);  // card-a's trial was not used up
}

TEST_CASE("a trial nobody reports back on lapses, so a processor is never shut out for good") {
  ManualClock clock;
  Router router(clock, BreakerSettings{1, std::chrono::seconds(30)});
  testing::ScriptedProcessor a("card-a"), b("card-b");
  router.add_processor(&a);
  router.add_processor(&b);
  REQUIRE_FALSE(router.set_routes({Route{Means::card, "", "", "", {id("card-a"), id("card-b")}, {}}}));
  router.record_failure(id("card-a"));
  clock.time += std::chrono::seconds(31);
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &a);  // the trial, never reported
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &b);
  clock.time += std::chrono::seconds(31);
  CHECK(router.candidates({Means::card, "", "", ""}).front() == &a);  // a new trial
}
