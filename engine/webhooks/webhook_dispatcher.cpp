#include "webhook_dispatcher.hpp"

#include <boost/url/parse.hpp>

#include "kessai/engine/api.hpp"
#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::engine {

std::optional<std::chrono::milliseconds> webhook_retry_delay(const WebhookSettings& settings, int attempts,
                                                             std::chrono::seconds event_age) {
  if (event_age >= settings.give_up_after) return std::nullopt;
  auto delay = settings.retry_initial;
  for (int i = 1; i < attempts && delay < settings.retry_max; ++i) delay *= 2;
  return std::min(delay, settings.retry_max);
}

std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds, const std::string& body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + runtime::hmac_sha256_hex(secret, t + "." + body);
}

WebhookDispatcher::WebhookDispatcher(ledger::pg::ConnectionPool& pool, Renderer renderer,
                                     WebhookSettings settings)
    : pool_(pool), renderer_(std::move(renderer)), settings_(settings) {}

WebhookDispatcher::~WebhookDispatcher() {
  stop();
}

void WebhookDispatcher::start() {
  thread_ = std::thread([this] { run(); });
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::run() {
  for (;;) {
    std::size_t attempted = 0;
    try {
      attempted = deliver_due();
    } catch (const std::exception& error) {
      log::warn("webhook_dispatch_failed", {{"error", error.what()}});
    }
    std::unique_lock lock(mutex_);
    // A full batch means more may be due at once; otherwise wait for the next poll.
    if (attempted < settings_.batch_max)
      wake_.wait_for(lock, settings_.poll_interval, [&] { return stopping_; });
    if (stopping_) return;
  }
}

runtime::HttpClient& WebhookDispatcher::client_for(const std::string& origin) {
  auto& client = clients_[origin];
  if (!client) {
    client = std::make_unique<runtime::HttpClient>(
        origin, runtime::ClientLimits{.connect_timeout = std::chrono::milliseconds(2'000),
                                      .request_timeout = settings_.request_timeout,
                                      .response_body_bytes_max = 64 * 1024,
                                      .idle_connections_max = 2});
  }
  return *client;
}

std::size_t WebhookDispatcher::deliver_due() {
  const auto lease =
      std::chrono::duration_cast<std::chrono::seconds>(settings_.request_timeout) + std::chrono::seconds(30);
  const std::vector<DueDelivery> due = claim_due_deliveries(pool_, settings_.batch_max, lease);
  for (const DueDelivery& delivery : due) {
    const std::optional<std::string> object = renderer_(delivery.object_type, delivery.object_id);
    const std::string body = event_json(delivery.event_id, delivery.event_type, delivery.event_created_at,
                                        object.value_or("null"));
    const auto url = boost::urls::parse_uri(delivery.url);
    const auto now = std::chrono::system_clock::now();
    const std::int64_t unix_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    unsigned status = 0;
    std::string error;
    if (!url) {
      error = "the endpoint URL is malformed";
    } else {
      const std::string origin =
          std::string(url->scheme()) + "://" + std::string(url->encoded_host_and_port());
      std::string target = std::string(url->encoded_path());
      if (target.empty()) target = "/";
      if (url->has_query()) target += "?" + std::string(url->encoded_query());
      auto response = client_for(origin).request(
          "POST", target, body, "application/json",
          {{"Kessai-Signature", webhook_signature(delivery.secret, unix_seconds, body)},
           {"Kessai-Event-Id", delivery.event_id},
           {"Kessai-Event-Type", delivery.event_type}});
      if (response.ok()) {
        status = response->status;
        if (status < 200 || status >= 300) error = "the endpoint answered HTTP " + std::to_string(status);
      } else {
        error = response.error().message;
      }
    }
    if (error.empty()) {
      mark_delivered(pool_, delivery.id, status);
      log::info("webhook_delivered",
                {{"event", delivery.event_id}, {"type", delivery.event_type}, {"status", status}});
      continue;
    }
    const auto delay =
        webhook_retry_delay(settings_, delivery.attempts + 1, std::chrono::seconds(delivery.age_seconds));
    std::optional<std::chrono::seconds> retry_in;
    if (delay)
      retry_in = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(*delay));
    // Sub-second delays (tests) still wait a second: next_attempt_at has second granularity here.
    mark_failed(pool_, delivery.id, status, error, retry_in);
    log::warn(retry_in ? "webhook_retry_scheduled" : "webhook_given_up",
              {{"event", delivery.event_id},
               {"attempts", delivery.attempts + 1},
               {"error", error},
               {"retry_in_s", retry_in ? static_cast<std::int64_t>(retry_in->count()) : std::int64_t{-1}}});
  }
  return due.size();
}

}  // namespace kessai::engine
