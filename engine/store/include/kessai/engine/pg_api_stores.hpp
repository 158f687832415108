#pragma once
// API keys, idempotency records and webhook endpoints and deliveries on PostgreSQL.

#include <string>
#include <vector>

#include "kessai/engine/api_stores.hpp"
#include "kessai/ledger/pg/pool.hpp"
#include "kessai/result.hpp"

namespace kessai::engine {

class PgApiKeyStore final : public ApiKeyStore {
 public:
  explicit PgApiKeyStore(ledger::pg::ConnectionPool& pool) : pool_(pool) {}
  std::optional<Caller> authenticate(const std::string& key_id, const std::string& secret_sha256) override;

 private:
  ledger::pg::ConnectionPool& pool_;
};

class GroupCommitter;

class PgIdempotencyStore final : public IdempotencyStore {
 public:
  // With a committer, claims and answers are group-committed (engine/store/group_commit.hpp).
  explicit PgIdempotencyStore(ledger::pg::ConnectionPool& pool, GroupCommitter* committer = nullptr)
      : pool_(pool), committer_(committer) {}
  IdempotencyRecord begin(const std::string& owner, const std::string& key,
                          const std::string& fingerprint) override;
  void finish(const std::string& owner, const std::string& key, const StoredResponse& response) override;
  void abandon(const std::string& owner, const std::string& key) override;
  std::size_t purge_older_than(std::chrono::hours age) override;

 private:
  ledger::pg::ConnectionPool& pool_;
  GroupCommitter* committer_;
};

// The single-row claim and answer, inside the caller's transaction.
IdempotencyRecord begin_claim_in(pqxx::work& tx, const std::string& owner, const std::string& key,
                                 const std::string& fingerprint);
void finish_claim_in(pqxx::work& tx, const std::string& owner, const std::string& key,
                     const StoredResponse& response);

class PgWebhookEndpointStore final : public WebhookEndpointStore {
 public:
  explicit PgWebhookEndpointStore(ledger::pg::ConnectionPool& pool) : pool_(pool) {}
  void insert_endpoint(const WebhookEndpoint& endpoint) override;
  std::vector<WebhookEndpoint> endpoints_of(const std::string& owner) override;
  bool disable_endpoint(const std::string& owner, const std::string& id) override;

 private:
  ledger::pg::ConnectionPool& pool_;
};

// --- API keys, for the `kessai apikey` commands -------------------------------------------------

struct ApiKeyScope {
  bool all = false;
  std::vector<std::string> facility_ids;
  std::vector<std::string> procedure_ids;
};

struct CreatedApiKey {
  std::string id;      // "key_…", safe to show and log
  std::string secret;  // the whole key "ksk_…"; shown once, stored only as a hash
};

// Creates a key; with replace, first revokes the caller's other unrevoked keys of the same name. A finance
// key carries no scope (it charges nothing): pass an empty one.
CreatedApiKey create_api_key(pqxx::connection& connection, const std::string& name, const ApiKeyScope& scope,
                             bool replace, KeyRole role = KeyRole::backend);
// False when there is no such unrevoked key.
bool revoke_api_key(pqxx::connection& connection, const std::string& key_id);

struct ApiKeyInfo {
  std::string id;
  std::string name;
  std::string scope;  // "all" or "facility:A, procedure:B"
  std::string created_at;
  std::string revoked_at;
  std::string role{};  // "backend" or "finance"
};
std::vector<ApiKeyInfo> list_api_keys(pqxx::connection& connection);

// --- Webhook deliveries (the outbox), for the dispatcher and the `kessai webhooks` commands --------

struct DueDelivery {
  std::int64_t id = 0;
  std::string event_id;
  std::string event_type;
  std::string object_type;
  std::string object_id;
  std::string event_created_at;
  std::string url;
  std::string secret;
  int attempts = 0;
  std::int64_t age_seconds = 0;  // since the delivery was queued (or re-queued by hand)
};

// Claims up to `limit` due deliveries for `lease` (other dispatchers skip them meanwhile).
std::vector<DueDelivery> claim_due_deliveries(ledger::pg::ConnectionPool& pool, std::size_t limit,
                                              std::chrono::seconds lease);
void mark_delivered(ledger::pg::ConnectionPool& pool, std::int64_t delivery_id, unsigned status);
// Schedules another attempt after `retry_in`, or gives up (dead) when retry_in is nullopt.
void mark_failed(ledger::pg::ConnectionPool& pool, std::int64_t delivery_id, unsigned status,
                 const std::string& error, std::optional<std::chrono::seconds> retry_in);

struct DeliveryInfo {
  std::int64_t id = 0;
  std::string event_id;
  std::string event_type;
  std::string object_id;
  std::string endpoint_url;
  std::string state;
  int attempts = 0;
  std::string next_attempt_at;
  std::string last_error;
};
// Deliveries not delivered (pending or dead), oldest first.
std::vector<DeliveryInfo> undelivered(pqxx::connection& connection, std::size_t limit);
// Puts a delivery (or every delivery of an event) back in the queue, due now, with a fresh retry window;
// returns how many. Deliveries to deleted endpoints stay as they are.
std::size_t resend(pqxx::connection& connection, const std::string& delivery_or_event_id);

}  // namespace kessai::engine
