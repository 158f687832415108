#include "load_report.hpp"

#include <cmath>
#include <cstdio>

namespace kessai::sim::load {

namespace {

// Microseconds as milliseconds, to the microsecond.
double ms_of(double us) {
  return std::round(us) / 1000.0;
}

// Successes per second of the measured window, to a tenth.
double payments_per_second(const LoadOptions& options, const LoadTally& tally) {
  const double duration_s = static_cast<double>(options.duration_ms) / 1000.0;
  return std::round(static_cast<double>(tally.succeeded_in_window) / duration_s * 10.0) / 10.0;
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace

void LoadTally::count_error(std::string_view name) {
  auto found = errors.find(name);
  if (found == errors.end()) found = errors.emplace(std::string(name), 0).first;
  ++found->second;
}

void LoadTally::merge(const LoadTally& other) {
  sent += other.sent;
  succeeded += other.succeeded;
  succeeded_in_window += other.succeeded_in_window;
  failed += other.failed;
  late_starts += other.late_starts;
  for (const auto& [key, count] : other.failed_by_code) failed_by_code[key] += count;
  for (const auto& [key, count] : other.errors) errors[key] += count;
  latency.merge(other.latency);
}

std::uint64_t LoadTally::error_count() const {
  std::uint64_t total = 0;
  for (const auto& [key, count] : errors) total += count;
  return total;
}

boost::json::object result_json(const LoadOptions& options, const LoadTally& tally, double last_answer_s) {
  boost::json::object failed_by_code;
  for (const auto& [key, count] : tally.failed_by_code) failed_by_code[key] = count;
  boost::json::object errors;
  for (const auto& [key, count] : tally.errors) errors[key] = count;
  const LatencyHistogram& latency = tally.latency;
  boost::json::object result;
  result["mode"] = options.open_loop() ? "open" : "closed";
  if (options.open_loop()) {
    result["target_rate"] = options.rate_per_s;
  } else {
    result["target_rate"] = nullptr;
  }
  result["connections"] = options.connections;
  result["threads"] = options.threads;
  result["body_template"] = body_preset_name(options.body);
  result["duration_s"] = static_cast<double>(options.duration_ms) / 1000.0;
  result["warmup_s"] = static_cast<double>(options.warmup_ms) / 1000.0;
  result["last_answer_s"] = std::round(last_answer_s * 1000.0) / 1000.0;
  result["run_id"] = options.run_id;
  result["seed"] = options.seed;
  result["sent"] = tally.sent;
  result["succeeded"] = tally.succeeded;
  result["failed"] = tally.failed;
  result["failed_by_code"] = std::move(failed_by_code);
  result["errors"] = std::move(errors);
  result["late_starts"] = tally.late_starts;
  result["tps"] = payments_per_second(options, tally);
  result["answers"] = latency.count();
  result["p50_ms"] = ms_of(static_cast<double>(latency.percentile_us(50)));
  result["p90_ms"] = ms_of(static_cast<double>(latency.percentile_us(90)));
  result["p99_ms"] = ms_of(static_cast<double>(latency.percentile_us(99)));
  result["p999_ms"] = ms_of(static_cast<double>(latency.percentile_us(99.9)));
  result["max_ms"] = ms_of(static_cast<double>(latency.max_us()));
  result["mean_ms"] = ms_of(latency.mean_us());
  return result;
}

std::string summary_text(const LoadOptions& options, const LoadTally& tally, double last_answer_s) {
  const LatencyHistogram& latency = tally.latency;
  std::string text = "kessai-sim load: ";
  text += options.open_loop() ? "open loop at " + std::to_string(options.rate_per_s) + "/s"
                              : std::string("closed loop");
  text += ", " + std::to_string(options.connections) + " connections, " +
          format("%.3g s", static_cast<double>(options.duration_ms) / 1000.0) + " measured";
  if (options.warmup_ms > 0)
    text += " after " + format("%.3g s", static_cast<double>(options.warmup_ms) / 1000.0) + " of warm-up";
  text += " (" + format("%.2f s", last_answer_s) + " to the last answer)\n";
  text += "  sent " + std::to_string(tally.sent) + ", succeeded " + std::to_string(tally.succeeded) +
          ", failed " + std::to_string(tally.failed) + ", errors " + std::to_string(tally.error_count());
  if (options.open_loop()) text += ", late starts " + std::to_string(tally.late_starts);
  text += "\n  " + format("%.1f", payments_per_second(options, tally)) +
          " payments/s (succeeded within the measured seconds)\n";
  const auto ms = [](double us) { return format("%.3f", us / 1000.0); };
  text += "  latency ms: p50 " + ms(static_cast<double>(latency.percentile_us(50))) + "  p90 " +
          ms(static_cast<double>(latency.percentile_us(90))) + "  p99 " +
          ms(static_cast<double>(latency.percentile_us(99))) + "  p99.9 " +
          ms(static_cast<double>(latency.percentile_us(99.9))) + "  max " +
          ms(static_cast<double>(latency.max_us())) + "  mean " + ms(latency.mean_us()) + "\n";
  for (const auto& [key, count] : tally.failed_by_code)
    text += "  failed " + key + ": " + std::to_string(count) + "\n";
  for (const auto& [key, count] : tally.errors)
    text += "  error " + key + ": " + std::to_string(count) + "\n";
  return text;
}

}  // namespace kessai::sim::load
