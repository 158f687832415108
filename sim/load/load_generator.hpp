#pragma once
// The load itself, on Boost.Asio: each I/O thread has its own event loop, its share of the connections
// and of the requests (thread t of T sends requests t, t+T, …), and its own tally, merged at the end; no
// locks on the way of a request (the payments of --record gather in each thread's buffer). See load_main.cpp
// for the process around it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "load_options.hpp"
#include "load_record.hpp"
#include "load_report.hpp"
#include "load_request.hpp"

namespace kessai::sim::load {

// What the progress line shows while the threads run, warm-up requests included.
struct LiveCounts {
  std::uint64_t answered = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t errors = 0;
  std::uint64_t waiting = 0;  // open loop: due, not yet started
};

struct LoadOutcome {
  bool reached = false;        // at least one connection was made before the run
  std::string problem = "";    // why not
  std::uint64_t answered = 0;  // answers of any status, warm-up included
  LoadTally tally = {};
  double last_answer_s = 0;  // from the end of the warm-up to the last counted answer, at least the duration
};

class LoadGenerator {
 public:
  // record: where the acknowledged payments go (--record), or null; it outlives the generator.
  LoadGenerator(const LoadOptions& options, RecordFile* record);
  ~LoadGenerator();
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Resolves kessaid's address and connects every connection; false (with outcome().problem) when not
  // one connection could be made.
  bool connect();
  // Runs the load to its end: the warm-up, the duration, then the answers still awaited (each within
  // --timeout-ms). every_second is called on the calling thread about once a second meanwhile; when
  // stop_requested says so there (checked as often), the threads stop at once, the answers still awaited
  // abandoned. Either way the recorded payments are all in the record when it returns.
  void run(const std::function<void(double elapsed_s, const LiveCounts& live)>& every_second,
           const std::function<bool()>& stop_requested);
  const LoadOutcome& outcome() const { return outcome_; }

 private:
  class Worker;
  const LoadOptions& options_;
  const RequestTemplate request_;
  std::vector<std::unique_ptr<Worker>> workers_;
  LoadOutcome outcome_;
};

}  // namespace kessai::sim::load
