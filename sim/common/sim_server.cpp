#include "sim_server.hpp"

#include <chrono>
#include <thread>
#include <utility>

#include <boost/json.hpp>

#include "http_replies.hpp"
#include "kessai/runtime/http_server.hpp"
#include "kessai/runtime/log.hpp"
#include "kessai/runtime/worker_pool.hpp"

namespace kessai::sim {

namespace json = boost::json;

runtime::HttpResponse answer_with_faults(FaultPlan& faults, const SimHandler& handle,
                                         const runtime::HttpRequest& request) {
  // The /sim/ control endpoints (a payer paying, callbacks released) are the test's, not the processor's
  // API: never faulted, so a test drives them exactly.
  const bool faultable = request.method == "POST" && !request.path().starts_with(kControlPathPrefix);
  const Fault fault = faultable ? faults.next() : Fault::none;
  if (fault == Fault::unavailable) {
    log::info("fault_injected", {{"fault", "unavailable"}, {"path", request.path()}});
    return reply(503, json::object{{"error", "unavailable"}, {"message", "temporarily unavailable; retry"}});
  }
  runtime::HttpResponse response = handle(request);
  if (fault == Fault::slow_answer) {
    log::info("fault_injected", {{"fault", "slow_answer"}, {"path", request.path()}});
    std::this_thread::sleep_for(std::chrono::milliseconds(faults.rates().slow_answer_ms));
  } else if (fault == Fault::lost_response) {
    log::info("fault_injected", {{"fault", "lost_response"}, {"path", request.path()}});
    response.status = 0;
  }
  return response;
}

int serve_simulator(const SimOptions& options, const SimHandler& handle, bool quick_handler) {
  FaultPlan faults(options.faults, options.seed);
  const bool answer_inline = quick_handler && faults.rates().slow_answer <= 0.0;
  runtime::WorkerPool workers(kWorkerThreads, kQueuedRequestsMax);
  runtime::HttpServer server(
      options.host, options.port, runtime::ServerLimits{},
      [&](runtime::HttpRequest request, runtime::Responder respond) {
        // The control endpoints (a day's settlement file, say) may take long: always on a worker.
        if (answer_inline && !request.path().starts_with(kControlPathPrefix)) {
          return respond(answer_with_faults(faults, handle, request));
        }
        auto job = [&faults, &handle, request = std::move(request), respond]() {
          respond(answer_with_faults(faults, handle, request));
        };
        if (!workers.try_post(job)) respond(reply(503, json::object{{"error", "overloaded"}}));
      },
      1);
  if (!options.port_file.empty()) runtime::write_port_file(options.port_file, server.port());
  log::info("simulator_listening", {{"port", unsigned{server.port()}}, {"state_dir", options.state_dir}});
  server.run();
  workers.shutdown();
  return 0;
}

}  // namespace kessai::sim
