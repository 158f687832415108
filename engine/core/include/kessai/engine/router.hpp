#pragma once
// Routing: which processor takes a payment, by (means, facility or procedure, brand), with fallback to
// the next processor when one is down (circuit breaker) and an optional volume split. The table can be
// replaced while kessaid runs (config reload), without a rebuild or a restart.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kessai/adapters/processor.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/engine/payment_intent.hpp"

namespace kessai::engine {

// One row of the routing table. Empty facility/procedure/brand match anything.
struct Route {
  Means means = Means::card;
  std::string facility;
  std::string procedure;
  std::string brand;
  std::vector<ProcessorId> processors;  // primary first, then fallbacks
  std::vector<unsigned> weights;        // empty: fixed order; else a volume split over `processors`
};

struct RouteKey {
  Means means = Means::card;
  std::string facility;
  std::string procedure;
  std::string brand;
};

struct BreakerSettings {
  int failures_to_open = 5;                    // consecutive failures that open the circuit
  std::chrono::milliseconds open_for{30'000};  // then one trial request is let through
};

// Stable numbers; never renumber.
enum class BreakerState : std::uint8_t { closed = 1, open = 2, half_open = 3 };

class Router {
 public:
  explicit Router(const Clock& clock, BreakerSettings breaker = {}, std::uint64_t seed = 1);

  // The processors kessaid has (adapters live as long as the router).
  void add_processor(adapters::Processor* processor);
  // Replaces the routing table; routes naming unknown processors are refused with a reason.
  std::optional<std::string> set_routes(std::vector<Route> routes);
  // Convenience for a means served by one processor everywhere.
  void add(Means means, adapters::Processor* processor);

  // Candidates in the order to try: the best-matching route's processors, the weighted pick first,
  // processors with an open circuit last. Empty when no route matches.
  std::vector<adapters::Processor*> candidates(const RouteKey& key);
  adapters::Processor* by_id(const ProcessorId& id) const;

  // The outcome of a call, for the circuit breaker: a processor that answered (even "declined") is up.
  void record_success(const ProcessorId& id);
  void record_failure(const ProcessorId& id);
  BreakerState breaker_state(const ProcessorId& id);

 private:
  struct Breaker {
    int consecutive_failures = 0;
    std::chrono::system_clock::time_point opened_at{};
    bool open = false;
    bool trial_in_flight = false;
    // A trial whose caller never reported back (it failed before calling, or crashed) lapses after
    // open_for, so the processor is never shut out for good.
    std::chrono::system_clock::time_point trial_started_at{};
  };
  const Route* best_match(const RouteKey& key) const;
  bool usable(const std::string& id, std::chrono::system_clock::time_point now);

  const Clock& clock_;
  const BreakerSettings breaker_settings_;
  std::map<std::string, adapters::Processor*> processors_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<Route>> routes_;
  std::map<std::string, Breaker> breakers_;
  std::mt19937_64 random_;
};

}  // namespace kessai::engine
