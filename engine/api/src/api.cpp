#include "kessai/engine/api.hpp"

#include <array>
#include <chrono>

#include "kessai/qr/qr_image.hpp"
#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::engine {

namespace {

// The order of kRoutes is the order of RouteId.
enum class RouteId : std::size_t {
  healthz,
  readyz,
  openapi,
  create_intent,
  list_intents,
  get_intent,
  confirm_intent,
  capture_intent,
  cancel_intent,
  create_refund,
  get_refund,
  create_webhook_endpoint,
  list_webhook_endpoints,
  delete_webhook_endpoint,
  processor_notice,
  intent_jpqr_png,
  intent_jpqr_svg,
};

constexpr std::array<RouteInfo, 17> kRoutes{{
    {"GET", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "/openapi.json"},
    {"POST", "/v1/payment_intents"},
    {"GET", "/v1/payment_intents"},
    {"GET", "/v1/payment_intents/{id}"},
    {"POST", "/v1/payment_intents/{id}/confirm"},
    {"POST", "/v1/payment_intents/{id}/capture"},
    {"POST", "/v1/payment_intents/{id}/cancel"},
    {"POST", "/v1/refunds"},
    {"GET", "/v1/refunds/{id}"},
    {"POST", "/v1/webhook_endpoints"},
    {"GET", "/v1/webhook_endpoints"},
    {"DELETE", "/v1/webhook_endpoints/{id}"},
    {"POST", "/v1/processors/{processor_id}/notices"},
    {"GET", "/v1/payment_intents/{id}/jpqr.png"},
    {"GET", "/v1/payment_intents/{id}/jpqr.svg"},
}};

[[maybe_unused]] bool is_public(RouteId route) {
  return route == RouteId::healthz || route == RouteId::readyz || route == RouteId::openapi;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// Matches a path against a pattern; fills {params}.
bool matches(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  const auto want = split_path(pattern);
  const auto have = split_path(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{')) {
      if (have[i].empty()) return false;
      found[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

runtime::HttpResponse json_response(unsigned status, std::string body) {
  runtime::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

bool is_json(const runtime::HttpRequest& request) {
  const std::optional<std::string_view> type = request.header("content-type");
  if (!type) return false;
  return type->substr(0, type->find(';')) == "application/json";
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kIdempotencyKeyBytesMax) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Failures that may pass, so their answers are not replayed: the database or kessai itself (500, 503),
// and a processor that did not confirm a capture or a void (502), which left the intent unchanged. A 502
// from creating an intent or a refund is final: the object exists, failed, and is replayed.
bool is_transient(const runtime::HttpResponse& response, RouteId route) {
  if (response.status == 500 || response.status == 503) return true;
  return response.status == 502 && (route == RouteId::capture_intent || route == RouteId::cancel_intent);
}

}  // namespace

struct Api::Context {
  const runtime::HttpRequest& request;
  const Caller* caller;
  const std::map<std::string, std::string>& params;
  std::string idempotency_key;  // empty without the header
};

std::span<const RouteInfo> Api::routes() {
  return kRoutes;
}

void Api::handle(runtime::HttpRequest request, runtime::Responder respond) {
  // Wrapped once so every answer, from any path, is logged the same way (never with the key).
  runtime::Responder logged = runtime::logged_responder(request, std::move(respond));

  std::map<std::string, std::string> params;
  std::string allowed;
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    std::map<std::string, std::string> candidate;
    if (!matches(kRoutes[i].pattern, request.path(), candidate)) continue;
    if (kRoutes[i].method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(kRoutes[i].method);
      continue;
    }
    const auto route = static_cast<RouteId>(i);
    if (route == RouteId::healthz) return logged(json_response(200, R"({"status":"ok"})"));
    if (route == RouteId::openapi) return logged(json_response(200, services_.openapi_json));
    return run_blocking(
        std::move(logged),
        [this, request = std::move(request), i, candidate = std::move(candidate)] {
          return serve(request, i, candidate);
        },
        route == RouteId::create_intent);
  }
  if (!allowed.empty()) {
    runtime::HttpResponse response =
        error_response({ErrorCode::method_not_allowed, "allowed: " + allowed, ""});
    response.headers.emplace_back("Allow", allowed);
    return logged(std::move(response));
  }
  logged(error_response({ErrorCode::not_found, "no endpoint " + std::string(request.path()), ""}));
}

void Api::run_blocking(runtime::Responder respond, std::function<runtime::HttpResponse()> work,
                       bool on_fiber) {
  auto job = [respond, work = std::move(work)] {
    try {
      respond(work());
    } catch (const ConcurrentUpdate& error) {
      log::info("concurrent_update", {{"detail", error.what()}});
      respond(error_response({ErrorCode::payment_intent_unexpected_state,
                              std::string(error.what()) + "; fetch it again and retry if still wanted", ""}));
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
  const bool taken =
      on_fiber && services_.fibers ? services_.fibers->try_spawn(job) : services_.workers.try_post(job);
  if (!taken) {
    respond(error_response({ErrorCode::overloaded, "too many requests in progress; retry with backoff", ""}));
  }
}

std::optional<Caller> Api::authenticate(const runtime::HttpRequest& request, runtime::HttpResponse& failure) {
  const std::optional<std::string_view> header = request.header("authorization");
  if (!header || header->empty()) {
    failure =
        error_response({ErrorCode::authentication_required, "send Authorization: Bearer <API key>", ""});
    failure.headers.emplace_back("WWW-Authenticate", "Bearer");
    return std::nullopt;
  }
  // The scheme name is case-insensitive (RFC 9110 §11.1): "Bearer", "bearer", "BEARER".
  std::string scheme(header->substr(0, 7));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view presented = scheme == "bearer " ? header->substr(7) : std::string_view();
  const std::string hash = runtime::sha256_hex(presented);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(auth_cache_mutex_);
    if (const auto found = auth_cache_.find(hash);
        found != auth_cache_.end() && found->second.expires > now) {
      return found->second.caller;
    }
  }
  const std::optional<std::string> key_id = api_key_id_of(presented);
  std::optional<Caller> caller = key_id ? services_.keys.authenticate(*key_id, hash) : std::nullopt;
  if (!caller) {
    failure = error_response({ErrorCode::invalid_api_key, "the API key is unknown or revoked", ""});
    failure.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return std::nullopt;
  }
  std::lock_guard lock(auth_cache_mutex_);
  if (auth_cache_.size() >= kAuthCacheEntriesMax) auth_cache_.clear();
  auth_cache_[hash] = {*caller, now + kAuthCacheTtl};
  return caller;
}

runtime::HttpResponse Api::serve(const runtime::HttpRequest& request, std::size_t route,
                                 const std::map<std::string, std::string>& params) {
  if (static_cast<RouteId>(route) == RouteId::readyz) {
    if (const std::optional<std::string> problem = services_.readiness()) {
      return error_response({ErrorCode::database_unavailable, *problem, ""});
    }
    return json_response(200, R"({"status":"ready"})");
  }
  assert(!is_public(static_cast<RouteId>(route)));
  // Processors authenticate by their signature, not an API key.
  if (static_cast<RouteId>(route) == RouteId::processor_notice) return accept_notice(request, params);
  runtime::HttpResponse failure;
  const std::optional<Caller> caller = authenticate(request, failure);
  if (!caller) return failure;
  // A finance staff key reads reports on the dashboard; it must never charge or refund.
  if (caller->role != KeyRole::backend) {
    return error_response({ErrorCode::wrong_role,
                           "this is a finance key (for /dashboard); /v1 takes a backend key, made with "
                           "kessai apikey create --scope",
                           ""});
  }
  if (request.method == "POST" && !request.body.empty() && !is_json(request)) {
    return error_response(
        {ErrorCode::unsupported_media_type, "send the body as Content-Type: application/json", ""});
  }
  if (request.method == "POST") {
    if (const std::optional<std::string_view> key = request.header("idempotency-key")) {
      return with_idempotency(request, *caller, *key, route, params);
    }
  }
  Context context{request, &*caller, params, ""};
  return dispatch(route, context);
}

runtime::HttpResponse Api::with_idempotency(const runtime::HttpRequest& request, const Caller& caller,
                                            std::string_view key_view, std::size_t route,
                                            const std::map<std::string, std::string>& params) {
  if (!valid_idempotency_key(key_view)) {
    return error_response({ErrorCode::idempotency_key_invalid,
                           "Idempotency-Key must be 1-255 visible ASCII characters", "Idempotency-Key"});
  }
  const std::string key(key_view);
  const std::string fingerprint =
      runtime::sha256_hex(request.method + " " + std::string(request.path()) + "\n" + request.body);
  const IdempotencyRecord record = services_.idempotency.begin(caller.api_key_id, key, fingerprint);
  switch (record.outcome) {
    case IdempotencyBegin::mismatch:
      return error_response({ErrorCode::idempotency_key_mismatch,
                             "this Idempotency-Key was first used with other parameters; use a new key", ""});
    case IdempotencyBegin::in_flight:
      return error_response({ErrorCode::idempotency_key_in_use,
                             "a request with this Idempotency-Key is still being processed; retry shortly",
                             ""});
    case IdempotencyBegin::replay: {
      runtime::HttpResponse replayed{
          record.response.status, record.response.content_type, record.response.body, {}};
      replayed.headers.emplace_back("Idempotent-Replayed", "true");
      return replayed;
    }
    case IdempotencyBegin::started:
      break;
  }
  // A retry after a failure or a crash: the object the earlier attempt created carries the key. A claim
  // made afresh had no earlier attempt, except one whose claim was abandoned after it created an intent:
  // creating one again then fails on the key (IdempotencyKeyTaken, below), and that attempt's intent is
  // the answer. So a new payment costs no lookup.
  const bool may_have_created = !(record.fresh && static_cast<RouteId>(route) == RouteId::create_intent);
  const auto answer_as_earlier = [&]() -> std::optional<runtime::HttpResponse> {
    std::optional<runtime::HttpResponse> earlier = created_earlier(caller, key, route);
    if (earlier) {
      services_.idempotency.finish(caller.api_key_id, key,
                                   {earlier->status, earlier->content_type, earlier->body});
    }
    return earlier;
  };
  if (may_have_created) {
    if (auto earlier = answer_as_earlier()) return *earlier;
  }
  Context context{request, &caller, params, key};
  runtime::HttpResponse response;
  try {
    response = dispatch(route, context);
  } catch (const IdempotencyKeyTaken&) {
    std::optional<runtime::HttpResponse> earlier;
    try {
      earlier = answer_as_earlier();
    } catch (...) {
      services_.idempotency.abandon(caller.api_key_id, key);
      throw;
    }
    if (earlier) return *earlier;
    services_.idempotency.abandon(caller.api_key_id, key);
    throw;
  } catch (...) {
    services_.idempotency.abandon(caller.api_key_id, key);
    throw;
  }
  // A failure that may pass is not kept: the retry runs again, and finds what this attempt created, if
  // anything, through the key.
  if (is_transient(response, static_cast<RouteId>(route))) {
    services_.idempotency.abandon(caller.api_key_id, key);
  } else {
    services_.idempotency.finish(caller.api_key_id, key,
                                 {response.status, response.content_type, response.body});
  }
  return response;
}

runtime::HttpResponse Api::accept_notice(const runtime::HttpRequest& request,
                                         const std::map<std::string, std::string>& params) {
  const NoticeReceipt receipt =
      services_.payments.accept_notice(params.at("processor_id"), request.body, request.headers);
  if (receipt.error) return error_response(*receipt.error);
  // 200 for a repeat and for a conflict too: the processor has delivered it, and sending it again would
  // change nothing; the conflict is logged and kept for an operator.
  return json_response(
      200, R"({"received":true,"outcome":")" + std::string(to_string(*receipt.outcome)) + R"("})");
}

runtime::HttpResponse Api::jpqr_image(const Caller& caller, const std::string& id, bool png) {
  const IntentOutcome found = services_.payments.retrieve(caller, id);
  if (found.error) return error_response(*found.error);
  const PaymentIntent& intent = *found.intent;
  if (intent.status != IntentStatus::requires_payment || !intent.payer_instructions ||
      intent.payer_instructions->jpqr_payload.empty()) {
    return error_response({ErrorCode::image_unavailable,
                           "payment intent " + id + " shows no JPQR code (status " +
                               std::string(to_string(intent.status)) + ")",
                           "id"},
                          &intent);
  }
  runtime::HttpResponse response;
  const std::string& payload = intent.payer_instructions->jpqr_payload;
  if (png) {
    auto image = qr::render_qr_png(payload, kJpqrModulePixels);
    if (!image.ok()) return error_response({ErrorCode::internal_error, image.error(), ""});
    response.content_type = "image/png";
    response.body.assign(image->begin(), image->end());
  } else {
    auto image = qr::render_qr_svg(payload, kJpqrModulePixels);
    if (!image.ok()) return error_response({ErrorCode::internal_error, image.error(), ""});
    response.content_type = "image/svg+xml";
    response.body = std::move(image).value();
  }
  // The code is for this one payment and expires: never cached by a proxy.
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

std::optional<runtime::HttpResponse> Api::created_earlier(const Caller& caller, const std::string& key,
                                                          std::size_t route) {
  // Answered as the first attempt would have been: a failed object comes back as its failure.
  if (static_cast<RouteId>(route) == RouteId::create_intent) {
    const std::optional<PaymentIntent> intent = services_.payments.intent_created_with(caller, key);
    if (!intent) return std::nullopt;
    if (intent->status != IntentStatus::failed) return json_response(201, intent_json(*intent));
    const ErrorCode code = intent->failure_code == "processor_unavailable" ? ErrorCode::processor_unavailable
                           : intent->failure_code == "processor_error"     ? ErrorCode::processor_error
                                                                           : ErrorCode::card_declined;
    return error_response({code, "this payment failed (" + intent->failure_code + "); start a new one", ""},
                          &*intent);
  }
  if (static_cast<RouteId>(route) == RouteId::create_refund) {
    const std::optional<Refund> refund = services_.payments.refund_created_with(caller, key);
    if (!refund) return std::nullopt;
    if (refund->status != RefundStatus::failed) return json_response(201, refund_json(*refund));
    const ErrorCode code = refund->failure_code == "processor_unavailable" ? ErrorCode::processor_unavailable
                           : refund->failure_code == "processor_error"     ? ErrorCode::processor_error
                                                                           : ErrorCode::processor_declined;
    return error_response({code, "this refund failed (" + refund->failure_code + ")", ""}, nullptr, &*refund);
  }
  return std::nullopt;
}

runtime::HttpResponse Api::dispatch(std::size_t route, Context& context) {
  const Caller& caller = *context.caller;
  const std::string& body = context.request.body;
  const auto id = [&] { return context.params.at("id"); };
  const auto intent_answer = [](const IntentOutcome& outcome, unsigned ok_status) {
    if (outcome.error) return error_response(*outcome.error, outcome.intent ? &*outcome.intent : nullptr);
    return json_response(ok_status, intent_json(*outcome.intent));
  };
  switch (static_cast<RouteId>(route)) {
    case RouteId::create_intent: {
      auto command = parse_create_intent(body);
      if (!command.ok()) return error_response(command.error());
      command->idempotency_key = context.idempotency_key;
      return intent_answer(services_.payments.create(caller, command.value()), 201);
    }
    case RouteId::list_intents: {
      auto filter = parse_intent_filter(context.request.query());
      if (!filter.ok()) return error_response(filter.error());
      auto page = services_.payments.list(caller, filter.value());
      if (!page.ok()) return error_response(page.error());
      return json_response(200, intent_list_json(page.value()));
    }
    case RouteId::get_intent:
      return intent_answer(services_.payments.retrieve(caller, id()), 200);
    case RouteId::confirm_intent: {
      auto method = parse_confirm(body);
      if (!method.ok()) return error_response(method.error());
      return intent_answer(services_.payments.confirm(caller, id(), method.value()), 200);
    }
    case RouteId::capture_intent: {
      auto amount = parse_capture(body);
      if (!amount.ok()) return error_response(amount.error());
      return intent_answer(services_.payments.capture(caller, id(), amount.value()), 200);
    }
    case RouteId::cancel_intent: {
      auto reason = parse_cancel(body);
      if (!reason.ok()) return error_response(reason.error());
      return intent_answer(services_.payments.cancel(caller, id(), reason.value()), 200);
    }
    case RouteId::create_refund: {
      auto command = parse_refund(body);
      if (!command.ok()) return error_response(command.error());
      command->idempotency_key = context.idempotency_key;
      const RefundOutcome outcome = services_.payments.refund(caller, command.value());
      if (outcome.error)
        return error_response(*outcome.error, nullptr, outcome.refund ? &*outcome.refund : nullptr);
      return json_response(201, refund_json(*outcome.refund));
    }
    case RouteId::get_refund: {
      const RefundOutcome outcome = services_.payments.retrieve_refund(caller, id());
      if (outcome.error) return error_response(*outcome.error);
      return json_response(200, refund_json(*outcome.refund));
    }
    case RouteId::create_webhook_endpoint: {
      auto command = parse_webhook_endpoint(body);
      if (!command.ok()) return error_response(command.error());
      WebhookEndpoint endpoint{"we_" + runtime::random_token(24),
                               caller.api_key_id,
                               command->url,
                               command->events,
                               "whsec_" + runtime::random_token(32),
                               true,
                               ""};
      services_.webhooks.insert_endpoint(endpoint);
      for (const WebhookEndpoint& stored : services_.webhooks.endpoints_of(caller.api_key_id)) {
        if (stored.id == endpoint.id) endpoint.created_at = stored.created_at;
      }
      return json_response(201, webhook_endpoint_json(endpoint, true));
    }
    case RouteId::list_webhook_endpoints:
      return json_response(200,
                           webhook_endpoint_list_json(services_.webhooks.endpoints_of(caller.api_key_id)));
    case RouteId::delete_webhook_endpoint: {
      if (!services_.webhooks.disable_endpoint(caller.api_key_id, id())) {
        return error_response(
            {ErrorCode::webhook_endpoint_not_found, "no webhook endpoint '" + id() + "'", "id"});
      }
      return json_response(200, R"({"id":")" + runtime::json_escape(id()) +
                                    R"(","object":"webhook_endpoint","deleted":true})");
    }
    case RouteId::intent_jpqr_png:
    case RouteId::intent_jpqr_svg:
      return jpqr_image(caller, id(), static_cast<RouteId>(route) == RouteId::intent_jpqr_png);
    case RouteId::healthz:
    case RouteId::readyz:
    case RouteId::openapi:
    case RouteId::processor_notice:
      break;
  }
  assert(false && "public routes are answered before dispatch");
  return error_response({ErrorCode::internal_error, "unrouted", ""});
}

}  // namespace kessai::engine
