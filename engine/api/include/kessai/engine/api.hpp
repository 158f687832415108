#pragma once
// The HTTP/JSON API for application backends. Routing and JSON live here; the use cases are in
// PaymentService. Blocking work runs on the worker pool, never on a network thread.

#include <functional>
#include <string>
#include <string_view>

#include "kessai/engine/errors.hpp"
#include "kessai/engine/payment_service.hpp"
#include "kessai/result.hpp"
#include "kessai/runtime/http_types.hpp"
#include "kessai/runtime/worker_pool.hpp"

namespace kessai::engine {

// Parses and type-checks a POST /v1/payment_intents body. Business rules (amount range, currency,
// catalogue) are the service's.
Result<CreateIntentCommand, ApiError> parse_create_intent(std::string_view body);

// The API's JSON shape of an intent.
std::string intent_json(const PaymentIntent& intent);

// An RFC 9457 problem document for an API error; with the intent when the failure concerns one.
runtime::HttpResponse error_response(const ApiError& error, const PaymentIntent* intent = nullptr);

class Api {
 public:
  using ReadinessCheck = std::function<std::optional<std::string>()>;  // nullopt = ready, else why not

  Api(PaymentService& service, runtime::WorkerPool& workers, ReadinessCheck readiness)
      : service_(service), workers_(workers), readiness_(std::move(readiness)) {}

  // The server's handler.
  void handle(runtime::HttpRequest request, runtime::Responder respond);

 private:
  runtime::HttpResponse create_intent(const runtime::HttpRequest& request);
  runtime::HttpResponse get_intent(std::string_view id);
  runtime::HttpResponse ready();
  void run_blocking(runtime::Responder respond, std::function<runtime::HttpResponse()> work);

  PaymentService& service_;
  runtime::WorkerPool& workers_;
  ReadinessCheck readiness_;
};

}  // namespace kessai::engine
