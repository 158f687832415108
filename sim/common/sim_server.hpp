#pragma once
// Runs a simulator as a process: an HTTP server on --listen, a pool of workers answering through the
// simulator's handler, the fault plan applied to every POST, the port file once listening. The
// simulator itself is only its handler: a function from request to answer, with its own records,
// rules and latency.

#include <cstddef>
#include <functional>
#include <string_view>

#include "kessai/runtime/http_types.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

// Slow answers must not hold up the others; a full queue answers 503 {"error": "overloaded"} at once.
constexpr std::size_t kWorkerThreads = 32;
constexpr std::size_t kQueuedRequestsMax = 10'000;

// Paths of the simulator's own control endpoints (POST /sim/pay, /sim/scan, /sim/callbacks/release):
// what a payer or a test does, never faulted.
constexpr std::string_view kControlPathPrefix = "/sim/";

// Called from several workers at once.
using SimHandler = std::function<runtime::HttpResponse(const runtime::HttpRequest&)>;

// The fault the plan draws for a POST outside /sim/ (GETs, inquiries, always answer): 503 {"error":
// "unavailable"} without calling the handler, the handler's answer after slow_answer_ms, or the handler's
// answer lost (status 0: the connection closes). Each injected fault is logged as "fault_injected".
runtime::HttpResponse answer_with_faults(FaultPlan& faults, const SimHandler& handle,
                                         const runtime::HttpRequest& request);

// Serves until the server stops; returns the process's exit status. log::configure comes first, by the
// caller, so the simulator's start-up (its journals) is logged under its name.
// quick_handler: the handler's processor API never waits (no sleeping, no calls out). While no injected
// fault can delay an answer, those requests then run on the network thread, sparing each two thread
// hand-offs; the /sim/ control endpoints stay on the workers.
int serve_simulator(const SimOptions& options, const SimHandler& handle, bool quick_handler = false);

}  // namespace kessai::sim
