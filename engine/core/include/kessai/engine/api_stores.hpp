#pragma once
// What the API edge needs from the system of record besides payments: API keys, idempotency records
// and webhook endpoints. Implemented on PostgreSQL in engine/store; free of pqxx here.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kessai/engine/caller.hpp"

namespace kessai::engine {

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // The key's caller when id and secret hash match an unrevoked key.
  virtual std::optional<Caller> authenticate(const std::string& key_id, const std::string& secret_sha256) = 0;
};

struct StoredResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// Stable numbers; never renumber.
enum class IdempotencyBegin : std::uint8_t {
  started = 1,    // this request owns the key now and must finish() or abandon() it
  replay = 2,     // a finished response exists: send it again
  mismatch = 3,   // the key was used with other parameters
  in_flight = 4,  // another request with this key is executing
};

// An earlier request that died is taken over (started) once its lease has run out; objects it had
// created carry the key themselves, so the retry finds them instead of creating them again.
struct IdempotencyRecord {
  IdempotencyBegin outcome = IdempotencyBegin::started;
  StoredResponse response;  // with replay
  // Started on a key no claim held: no earlier attempt was answered. One may still have created an intent
  // before its claim was abandoned; its insert then reports IdempotencyKeyTaken.
  bool fresh = false;
};

// An in-flight claim older than this is taken to be dead; above every processor timeout (capped at 50 s).
inline constexpr std::chrono::seconds kIdempotencyLease{60};
inline constexpr std::chrono::hours kIdempotencyRetention{48};  // kept at least 24 h, as promised

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  virtual IdempotencyRecord begin(const std::string& owner, const std::string& key,
                                  const std::string& fingerprint) = 0;
  // Stores the answer to replay. It may return before the answer is written (group commit queues it):
  // a later begin() of the key through the same store still replays it, and an answer never written
  // leaves the claim to be taken over after its lease.
  virtual void finish(const std::string& owner, const std::string& key, const StoredResponse& response) = 0;
  // Forgets the claim, so a retry executes afresh (the request failed before doing anything durable).
  virtual void abandon(const std::string& owner, const std::string& key) = 0;
  virtual std::size_t purge_older_than(std::chrono::hours age) = 0;
};

struct WebhookEndpoint {
  std::string id;  // "we_…"
  std::string owner;
  std::string url;
  std::vector<std::string> events;
  std::string secret;  // "whsec_…"; shown once, at creation
  bool enabled = true;
  std::string created_at;
};

class WebhookEndpointStore {
 public:
  virtual ~WebhookEndpointStore() = default;
  virtual void insert_endpoint(const WebhookEndpoint& endpoint) = 0;
  virtual std::vector<WebhookEndpoint> endpoints_of(const std::string& owner) = 0;
  // False when the endpoint does not exist or belongs to someone else.
  virtual bool disable_endpoint(const std::string& owner, const std::string& id) = 0;
};

}  // namespace kessai::engine
