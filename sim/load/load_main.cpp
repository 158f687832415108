// kessai-sim load: the options, the run id, the load (load_generator.cpp), a progress line a second on
// stderr, the summary on stderr at the end and the results in --json.

#include "load_main.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <boost/json/serialize.hpp>

#include "load_generator.hpp"
#include "load_options.hpp"
#include "load_report.hpp"

namespace kessai::sim::load {

namespace {

// New at each run, so that no Idempotency-Key of this run replays an earlier one's answer.
std::string fresh_run_id() {
  const auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  return "load-" + std::to_string(unix_ms) + "-" + std::to_string(::getpid());
}

void print_progress(double elapsed_s, const LiveCounts& live, LiveCounts& before) {
  std::fprintf(stderr,
               "kessai-sim load: %3.0f s: %llu succeeded/s, %llu failed/s, %llu errors/s, %llu waiting\n",
               elapsed_s, static_cast<unsigned long long>(live.succeeded - before.succeeded),
               static_cast<unsigned long long>(live.failed - before.failed),
               static_cast<unsigned long long>(live.errors - before.errors),
               static_cast<unsigned long long>(live.waiting));
  before = live;
}

}  // namespace

int run_load(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kLoadUsage.data(), stdout);
      return 0;
    }
  }
  const char* env_key = std::getenv("KESSAI_API_KEY");
  auto parsed = parse_load_options(args, env_key ? std::optional<std::string>(env_key) : std::nullopt);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "kessai-sim load: %s\n%s", problem->c_str(), kLoadUsage.data());
    return 2;
  }
  LoadOptions options = std::get<LoadOptions>(std::move(parsed));
  if (options.run_id.empty()) options.run_id = fresh_run_id();
  // The file is opened before the run, so that a wrong path is known before the load, not after.
  std::ofstream json_file;
  if (!options.json_path.empty()) {
    json_file.open(options.json_path, std::ios::binary | std::ios::trunc);
    if (!json_file) {
      std::fprintf(stderr, "kessai-sim load: cannot write --json %s\n", options.json_path.c_str());
      return 2;
    }
  }

  LoadGenerator generator(options);
  if (!generator.connect()) {
    std::fprintf(stderr, "kessai-sim load: %s\n", generator.outcome().problem.c_str());
    return 1;
  }
  LiveCounts before;
  generator.run([&](double elapsed_s, const LiveCounts& live) {
    if (!options.quiet) print_progress(elapsed_s, live, before);
  });
  const LoadOutcome& outcome = generator.outcome();
  std::fputs(summary_text(options, outcome.tally, outcome.last_answer_s).c_str(), stderr);
  if (json_file.is_open()) {
    json_file << boost::json::serialize(result_json(options, outcome.tally, outcome.last_answer_s)) << "\n";
    json_file.flush();
    if (!json_file) {
      std::fprintf(stderr, "kessai-sim load: cannot write --json %s\n", options.json_path.c_str());
      return 1;
    }
  }
  if (outcome.answered == 0) {
    std::fprintf(stderr, "kessai-sim load: kessaid answered none of the requests\n");
    return 1;
  }
  return 0;
}

}  // namespace kessai::sim::load
