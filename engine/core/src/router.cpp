#include "kessai/engine/router.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "kessai/runtime/log.hpp"

namespace kessai::engine {

namespace {

// Higher is more specific: a facility or procedure counts more than a brand.
int specificity(const Route& route) {
  return (route.facility.empty() && route.procedure.empty() ? 0 : 2) + (route.brand.empty() ? 0 : 1);
}

bool matches(const Route& route, const RouteKey& key) {
  if (route.means != key.means) return false;
  if (!route.facility.empty() && route.facility != key.facility) return false;
  if (!route.procedure.empty() && route.procedure != key.procedure) return false;
  if (!route.brand.empty() && route.brand != key.brand) return false;
  return true;
}

}  // namespace

Router::Router(const Clock& clock, BreakerSettings breaker, std::uint64_t seed)
    : clock_(clock),
      breaker_settings_(breaker),
      routes_(std::make_shared<const std::vector<Route>>()),
      random_(seed) {}

void Router::add_processor(adapters::Processor* processor) {
  assert(processor != nullptr);
  std::lock_guard lock(mutex_);
  processors_[processor->id().str()] = processor;
}

std::optional<std::string> Router::set_routes(std::vector<Route> routes) {
  std::lock_guard lock(mutex_);
  for (const Route& route : routes) {
    if (route.processors.empty())
      return "a route for " + std::string(to_string(route.means)) + " names no processor";
    if (!route.weights.empty() && route.weights.size() != route.processors.size()) {
      return "a route for " + std::string(to_string(route.means)) + " has " +
             std::to_string(route.weights.size()) + " weights for " +
             std::to_string(route.processors.size()) + " processors";
    }
    for (const ProcessorId& id : route.processors) {
      const auto found = processors_.find(id.str());
      if (found == processors_.end())
        return "a route names processor '" + id.str() + "', which is not configured";
      if (found->second->kind() != to_string(route.means)) {
        return "a route sends " + std::string(to_string(route.means)) + " to processor '" + id.str() +
               "' of kind '" + std::string(found->second->kind()) + "'";
      }
    }
  }
  // Most specific first, so the first match is the best one.
  std::stable_sort(routes.begin(), routes.end(),
                   [](const Route& a, const Route& b) { return specificity(a) > specificity(b); });
  routes_ = std::make_shared<const std::vector<Route>>(std::move(routes));
  return std::nullopt;
}

void Router::add(Means means, adapters::Processor* processor) {
  add_processor(processor);
  std::vector<Route> routes;
  {
    std::lock_guard lock(mutex_);
    routes = *routes_;
  }
  routes.push_back(Route{means, "", "", "", {processor->id()}, {}});
  const auto error = set_routes(std::move(routes));
  assert(!error);
  (void)error;
}

const Route* Router::best_match(const RouteKey& key) const {
  for (const Route& route : *routes_) {
    if (matches(route, key)) return &route;
  }
  return nullptr;
}

// Closed, or open long enough that one trial may go through (half-open). Does not change the breaker.
bool Router::usable(const std::string& id, std::chrono::system_clock::time_point now) {
  const Breaker& breaker = breakers_[id];
  if (!breaker.open) return true;
  if (now - breaker.opened_at < breaker_settings_.open_for) return false;
  return !breaker.trial_in_flight || now - breaker.trial_started_at >= breaker_settings_.open_for;
}

std::vector<adapters::Processor*> Router::candidates(const RouteKey& key) {
  std::lock_guard lock(mutex_);
  const Route* route = best_match(key);
  if (route == nullptr) return {};
  std::vector<std::size_t> order(route->processors.size());
  std::iota(order.begin(), order.end(), 0);
  if (!route->weights.empty()) {
    const unsigned total = std::accumulate(route->weights.begin(), route->weights.end(), 0u);
    if (total > 0) {
      std::uniform_int_distribution<unsigned> pick(0, total - 1);
      unsigned ticket = pick(random_);
      std::size_t chosen = 0;
      while (ticket >= route->weights[chosen]) ticket -= route->weights[chosen++];
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(chosen),
                  order.begin() + static_cast<std::ptrdiff_t>(chosen) + 1);
    }
  }
  const auto now = clock_.now();
  std::vector<adapters::Processor*> up;
  std::vector<adapters::Processor*> down;
  for (std::size_t index : order) {
    const std::string& id = route->processors[index].str();
    adapters::Processor* processor = processors_.at(id);
    // A half-open processor gets its one trial only as the first choice; behind others it counts as down.
    const bool half_open = breakers_[id].open;
    (usable(id, now) && (!half_open || up.empty()) ? up : down).push_back(processor);
  }
  if (!up.empty()) {
    Breaker& first = breakers_[up.front()->id().str()];
    if (first.open) {
      first.trial_in_flight = true;
      first.trial_started_at = now;
    }
  }
  up.insert(up.end(), down.begin(), down.end());  // when all are down, still try them in order
  return up;
}

adapters::Processor* Router::by_id(const ProcessorId& id) const {
  std::lock_guard lock(mutex_);
  const auto found = processors_.find(id.str());
  return found == processors_.end() ? nullptr : found->second;
}

void Router::record_success(const ProcessorId& id) {
  std::lock_guard lock(mutex_);
  Breaker& breaker = breakers_[id.str()];
  if (breaker.open) log::info("circuit_closed", {{"processor", id.str()}});
  breaker = Breaker{};
}

void Router::record_failure(const ProcessorId& id) {
  std::lock_guard lock(mutex_);
  Breaker& breaker = breakers_[id.str()];
  ++breaker.consecutive_failures;
  breaker.trial_in_flight = false;
  if (breaker.open || breaker.consecutive_failures >= breaker_settings_.failures_to_open) {
    if (!breaker.open) {
      log::warn("circuit_opened",
                {{"processor", id.str()}, {"consecutive_failures", breaker.consecutive_failures}});
    }
    breaker.open = true;
    breaker.opened_at = clock_.now();
  }
}

BreakerState Router::breaker_state(const ProcessorId& id) {
  std::lock_guard lock(mutex_);
  const Breaker& breaker = breakers_[id.str()];
  if (!breaker.open) return BreakerState::closed;
  return clock_.now() - breaker.opened_at < breaker_settings_.open_for ? BreakerState::open
                                                                       : BreakerState::half_open;
}

}  // namespace kessai::engine
