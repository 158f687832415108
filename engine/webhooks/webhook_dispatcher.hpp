#pragma once
// Delivers the webhook outbox: claims due deliveries, re-reads the object's current state, signs the
// body (Kessai-Signature: t=…,v1=HMAC-SHA256("t.body")), POSTs it, and records the result — retrying
// with exponential backoff until the event is older than give_up_after, then marking it dead (listable
// and re-sendable with `kessai webhooks`).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kessai/ledger/pg/pool.hpp"
#include "kessai/runtime/http_client.hpp"

namespace kessai::engine {

struct WebhookSettings {
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds retry_initial{30'000};
  std::chrono::milliseconds retry_max{3'600'000};
  std::chrono::hours give_up_after{72};  // at least the 24 h promised to integrators
  std::size_t batch_max = 50;
};

// The delay before attempt number `attempts + 1`: initial × 2^(attempts-1), capped; nullopt = give up.
std::optional<std::chrono::milliseconds> webhook_retry_delay(const WebhookSettings& settings, int attempts,
                                                             std::chrono::seconds event_age);

// "t=1700000000,v1=<hex>"
std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds, const std::string& body);

class WebhookDispatcher {
 public:
  // Renders the current JSON of an object ("payment_intent", id) or nullopt when it is gone.
  using Renderer = std::function<std::optional<std::string>(const std::string& type, const std::string& id)>;

  WebhookDispatcher(ledger::pg::ConnectionPool& pool, Renderer renderer, WebhookSettings settings);
  ~WebhookDispatcher();
  void start();
  void stop();
  // Delivers what is due now; returns how many deliveries were attempted. Used by the loop and tests.
  std::size_t deliver_due();

 private:
  void run();
  runtime::HttpClient& client_for(const std::string& origin);

  ledger::pg::ConnectionPool& pool_;
  Renderer renderer_;
  WebhookSettings settings_;
  std::map<std::string, std::unique_ptr<runtime::HttpClient>> clients_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kessai::engine
