#pragma once
// The HTTP/JSON API for application backends. Routing, authentication, idempotency and JSON live here;
// the use cases are in PaymentService. Blocking work runs on the worker pool, never on a network thread.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "kessai/engine/api_stores.hpp"
#include "kessai/engine/errors.hpp"
#include "kessai/engine/payment_service.hpp"
#include "kessai/result.hpp"
#include "kessai/runtime/fibers.hpp"
#include "kessai/runtime/http_types.hpp"
#include "kessai/runtime/worker_pool.hpp"

namespace kessai::engine {

// --- JSON in and out (json_codec.cpp) -------------------------------------------------------------

// Parses and type-checks a POST /v1/payment_intents body. Business rules (amount range, currency,
// catalogue) are the service's.
Result<CreateIntentCommand, ApiError> parse_create_intent(std::string_view body);
Result<PaymentMethod, ApiError> parse_confirm(std::string_view body);
Result<std::optional<Yen>, ApiError> parse_capture(std::string_view body);
Result<std::optional<CancellationReason>, ApiError> parse_cancel(std::string_view body);
Result<RefundCommand, ApiError> parse_refund(std::string_view body);
struct WebhookEndpointCommand {
  std::string url;
  std::vector<std::string> events;
};
Result<WebhookEndpointCommand, ApiError> parse_webhook_endpoint(std::string_view body);
// The query of GET /v1/payment_intents.
Result<IntentFilter, ApiError> parse_intent_filter(std::string_view query);

std::string intent_json(const PaymentIntent& intent);
std::string refund_json(const Refund& refund);
std::string intent_list_json(const IntentPage& page);
std::string webhook_endpoint_json(const WebhookEndpoint& endpoint, bool with_secret);
std::string webhook_endpoint_list_json(const std::vector<WebhookEndpoint>& endpoints);
// The body of a webhook delivery: the event with the object's current state.
std::string event_json(const std::string& event_id, std::string_view type, const std::string& created_at,
                       const std::string& object_json);

// An RFC 9457 problem document for an API error; with the intent or refund the failure concerns.
runtime::HttpResponse error_response(const ApiError& error, const PaymentIntent* intent = nullptr,
                                     const Refund* refund = nullptr);

// --- Routing ---------------------------------------------------------------------------------------

struct RouteInfo {
  std::string_view method;
  std::string_view pattern;  // "/v1/payment_intents/{id}/confirm"
};

inline constexpr std::chrono::seconds kAuthCacheTtl{5};  // a revoked key stops working within this
inline constexpr std::size_t kAuthCacheEntriesMax = 10'000;
inline constexpr int kJpqrModulePixels = 8;  // a typical dynamic code is then about 500 pixels wide
inline constexpr std::size_t kIdempotencyKeyBytesMax = 255;

struct ApiServices {
  PaymentService& payments;
  ApiKeyStore& keys;
  IdempotencyStore& idempotency;
  WebhookEndpointStore& webhooks;
  runtime::WorkerPool& workers;
  std::function<std::optional<std::string>()> readiness;  // nullopt = ready, else why not
  std::string openapi_json;
  // Runs POST /v1/payment_intents on fibers when set (runtime/fibers.hpp): its waits are the group
  // committer's and the processor's, which suspend a fiber instead of holding a thread. Set it only with
  // group commit on; without it the payment's writes wait on pooled connections. Every other route runs
  // on the workers.
  runtime::FiberPool* fibers = nullptr;
};

class Api {
 public:
  explicit Api(ApiServices services) : services_(std::move(services)) {}

  // The server's handler.
  void handle(runtime::HttpRequest request, runtime::Responder respond);
  // Every route the API serves, for /openapi.json's test.
  static std::span<const RouteInfo> routes();

  struct Context;

 private:
  runtime::HttpResponse serve(const runtime::HttpRequest& request, std::size_t route,
                              const std::map<std::string, std::string>& params);
  std::optional<Caller> authenticate(const runtime::HttpRequest& request, runtime::HttpResponse& failure);
  runtime::HttpResponse with_idempotency(const runtime::HttpRequest& request, const Caller& caller,
                                         std::string_view key, std::size_t route,
                                         const std::map<std::string, std::string>& params);
  runtime::HttpResponse dispatch(std::size_t route, Context& context);
  std::optional<runtime::HttpResponse> created_earlier(const Caller& caller, const std::string& key,
                                                       std::size_t route);
  runtime::HttpResponse accept_notice(const runtime::HttpRequest& request,
                                      const std::map<std::string, std::string>& params);
  runtime::HttpResponse jpqr_image(const Caller& caller, const std::string& id, bool png);
  // Runs work on a fiber (on_fiber and fibers set) or a worker, and answers with what it returns or, for
  // an exception, with the error it stands for.
  void run_blocking(runtime::Responder respond, std::function<runtime::HttpResponse()> work, bool on_fiber);

  ApiServices services_;
  std::mutex auth_cache_mutex_;
  struct CachedCaller {
    Caller caller;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, CachedCaller> auth_cache_;  // by SHA-256 of the presented key
};

}  // namespace kessai::engine
