#include "kessai/engine/api.hpp"

#include <chrono>

#include "kessai/runtime/log.hpp"

namespace kessai::engine {

namespace {

constexpr std::string_view kIntentsPath = "/v1/payment_intents";

runtime::HttpResponse json_response(unsigned status, std::string body) {
  runtime::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

runtime::HttpResponse method_not_allowed(std::string_view allowed) {
  runtime::HttpResponse response =
      error_response({ErrorCode::method_not_allowed, "allowed: " + std::string(allowed), ""});
  response.headers.emplace_back("Allow", std::string(allowed));
  return response;
}

bool is_json(const runtime::HttpRequest& request) {
  const std::optional<std::string_view> type = request.header("content-type");
  if (!type) return false;
  const std::string_view media = type->substr(0, type->find(';'));
  return media == "application/json";
}

}  // namespace

void Api::handle(runtime::HttpRequest request, runtime::Responder respond) {
  const auto started = std::chrono::steady_clock::now();
  // Wrap the responder once so every answer, from any path, is logged the same way.
  runtime::Responder logged = [respond = std::move(respond), method = request.method,
                               path = std::string(request.path()), started](runtime::HttpResponse response) {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    log::info("http_request",
              {{"method", method},
               {"path", path},
               {"status", response.status},
               {"duration_us", static_cast<std::int64_t>(
                                   std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count())}});
    respond(std::move(response));
  };

  const std::string_view path = request.path();
  if (path == "/healthz") {
    if (request.method != "GET") return logged(method_not_allowed("GET"));
    return logged(json_response(200, R"({"status":"ok"})"));
  }
  if (path == "/readyz") {
    if (request.method != "GET") return logged(method_not_allowed("GET"));
    return run_blocking(std::move(logged), [this] { return ready(); });
  }
  if (path == kIntentsPath) {
    if (request.method != "POST") return logged(method_not_allowed("POST"));
    if (!is_json(request)) {
      return logged(error_response(
          {ErrorCode::unsupported_media_type, "send the body as Content-Type: application/json", ""}));
    }
    return run_blocking(std::move(logged),
                        [this, request = std::move(request)] { return create_intent(request); });
  }
  if (path.starts_with(std::string(kIntentsPath) + "/")) {
    const std::string id(path.substr(kIntentsPath.size() + 1));
    if (id.empty() || id.find('/') != std::string::npos) {
      return logged(error_response({ErrorCode::not_found, "no endpoint " + std::string(path), ""}));
    }
    if (request.method != "GET") return logged(method_not_allowed("GET"));
    return run_blocking(std::move(logged), [this, id] { return get_intent(id); });
  }
  logged(error_response({ErrorCode::not_found, "no endpoint " + std::string(path), ""}));
}

void Api::run_blocking(runtime::Responder respond, std::function<runtime::HttpResponse()> work) {
  auto job = [respond, work = std::move(work)] {
    try {
      respond(work());
    } catch (const StoreUnavailable& error) {
      log::error("database_unavailable", {{"error", error.what()}});
      respond(error_response(
          {ErrorCode::database_unavailable, "the database cannot be reached; retry later", ""}));
    } catch (const std::exception& error) {
      log::error("internal_error", {{"error", error.what()}});
      respond(
          error_response({ErrorCode::internal_error, "an internal error occurred; it has been logged", ""}));
    }
  };
  if (!workers_.try_post(job)) {
    respond(error_response({ErrorCode::overloaded, "too many requests in progress; retry with backoff", ""}));
  }
}

runtime::HttpResponse Api::create_intent(const runtime::HttpRequest& request) {
  Result<CreateIntentCommand, ApiError> command = parse_create_intent(request.body);
  if (!command.ok()) return error_response(command.error());
  const CreateOutcome outcome = service_.create(command.value());
  if (outcome.error) return error_response(*outcome.error, outcome.intent ? &*outcome.intent : nullptr);
  return json_response(201, intent_json(*outcome.intent));
}

runtime::HttpResponse Api::get_intent(std::string_view id) {
  const std::optional<PaymentIntent> intent = service_.find(std::string(id));
  if (!intent) {
    return error_response(
        {ErrorCode::payment_intent_not_found, "no payment intent '" + std::string(id) + "'", "id"});
  }
  return json_response(200, intent_json(*intent));
}

runtime::HttpResponse Api::ready() {
  if (const std::optional<std::string> problem = readiness_()) {
    return error_response({ErrorCode::database_unavailable, *problem, ""});
  }
  return json_response(200, R"({"status":"ready"})");
}

}  // namespace kessai::engine
