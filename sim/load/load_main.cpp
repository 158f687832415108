// kessai-sim load: the options, the run id, the load (load_generator.cpp), a progress line a second on
// stderr, the summary on stderr at the end, the results in --json and the acknowledged payments in
// --record. SIGINT and SIGTERM end the run early, with all of that still written.

#include "load_main.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <boost/json/serialize.hpp>

#include "load_generator.hpp"
#include "load_options.hpp"
#include "load_record.hpp"
#include "load_report.hpp"

namespace kessai::sim::load {

namespace {

// The signal that asked the run to end, or 0. Set by the handler, read by the run's loop once a second.
std::atomic<int> interrupted_by{0};
static_assert(std::atomic<int>::is_always_lock_free);  // so that a signal handler may store it

extern "C" void on_interrupt(int signal_number) {
  interrupted_by.store(signal_number);
}

// The first SIGINT or SIGTERM ends the run the way its end does (summary, --json, --record); the handler
// is then reset, so a second one ends the process at once.
void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

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

  RecordFile record;
  if (!options.record_path.empty() && !record.open(options.record_path)) {
    std::fprintf(stderr, "kessai-sim load: %s\n", record.problem().c_str());
    return 2;
  }

  LoadGenerator generator(options, options.record_path.empty() ? nullptr : &record);
  if (!generator.connect()) {
    std::fprintf(stderr, "kessai-sim load: %s\n", generator.outcome().problem.c_str());
    return 1;
  }
  catch_interrupts();
  LiveCounts before;
  generator.run(
      [&](double elapsed_s, const LiveCounts& live) {
        if (!options.quiet) print_progress(elapsed_s, live, before);
      },
      [] { return interrupted_by.load() != 0; });
  const int interrupted = interrupted_by.load();
  if (interrupted != 0) std::fprintf(stderr, "kessai-sim load: interrupted by signal %d\n", interrupted);
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
  if (!record.close()) {
    std::fprintf(stderr, "kessai-sim load: %s\n", record.problem().c_str());
    return 1;
  }
  if (interrupted != 0) return 128 + interrupted;
  if (outcome.answered == 0) {
    std::fprintf(stderr, "kessai-sim load: kessaid answered none of the requests\n");
    return 1;
  }
  return 0;
}

}  // namespace kessai::sim::load
