#include "kessai/engine/pg_api_stores.hpp"

#include <cassert>

#include "kessai/engine/group_commit.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/runtime/crypto.hpp"

namespace kessai::engine {

namespace {

std::vector<std::string> text_array(const pqxx::field& field) {
  std::vector<std::string> out;
  auto parser = field.as_array();
  for (auto [kind, value] = parser.get_next(); kind != pqxx::array_parser::done;
       std::tie(kind, value) = parser.get_next()) {
    if (kind == pqxx::array_parser::string_value) out.push_back(value);
  }
  return out;
}

// Identifiers only ([A-Za-z0-9_-], validated by the callers), so they need no quoting.
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "}";
}

std::string quoted_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out += "\"";
  }
  return out + "}";
}

}  // namespace

std::optional<Caller> PgApiKeyStore::authenticate(const std::string& key_id,
                                                  const std::string& secret_sha256) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<Caller> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows = tx.exec_params(
        "select name, encode(secret_sha256, 'hex'), scope_all, facility_ids, procedure_ids, role"
        " from api_keys where id = $1 and revoked_at is null",
        key_id);
    if (rows.empty()) return std::nullopt;
    if (!runtime::constant_time_equals(rows[0][1].as<std::string>(), secret_sha256)) return std::nullopt;
    const std::optional<KeyRole> role = key_role_from(rows[0][5].as<std::string>());
    assert(role && "api_keys.role is checked by the database");
    return Caller{.api_key_id = key_id,
                  .name = rows[0][0].as<std::string>(),
                  .scope_all = rows[0][2].as<bool>(),
                  .facility_ids = text_array(rows[0][3]),
                  .procedure_ids = text_array(rows[0][4]),
                  .role = role.value_or(KeyRole::backend)};
  });
}

IdempotencyRecord begin_claim_in(pqxx::work& tx, const std::string& owner, const std::string& key,
                                 const std::string& fingerprint) {
  IdempotencyRecord record;
  const pqxx::result inserted = tx.exec_params(
      "insert into idempotency_keys (api_key_id, key, request_fingerprint, state) values ($1, $2, $3, "
      "'in_flight')"
      " on conflict (api_key_id, key) do nothing returning 1",
      owner, key, fingerprint);
  if (!inserted.empty()) {
    record.fresh = true;
    return record;
  }
  const pqxx::result rows = tx.exec_params(
      "select request_fingerprint, state, coalesce(response_status, 0), coalesce(response_content_type, "
      "''),"
      " coalesce(response_body, ''), updated_at < now() - make_interval(secs => $3)"
      " from idempotency_keys where api_key_id = $1 and key = $2 for update",
      owner, key, static_cast<std::int64_t>(kIdempotencyLease.count()));
  const pqxx::row row = rows[0];
  if (row[0].as<std::string>() != fingerprint) {
    record.outcome = IdempotencyBegin::mismatch;
  } else if (row[1].as<std::string>() == "done") {
    record.outcome = IdempotencyBegin::replay;
    record.response = {row[2].as<unsigned>(), row[3].as<std::string>(), row[4].as<std::string>()};
  } else if (!row[5].as<bool>()) {
    record.outcome = IdempotencyBegin::in_flight;
  } else {
    // The first request died mid-way: this one takes the claim over.
    tx.exec_params("update idempotency_keys set updated_at = now() where api_key_id = $1 and key = $2", owner,
                   key);
  }
  return record;
}

void finish_claim_in(pqxx::work& tx, const std::string& owner, const std::string& key,
                     const StoredResponse& response) {
  tx.exec_params(
      "update idempotency_keys set state = 'done', response_status = $3, response_content_type = $4,"
      " response_body = $5, updated_at = now() where api_key_id = $1 and key = $2",
      owner, key, static_cast<int>(response.status), response.content_type, response.body);
}

IdempotencyRecord PgIdempotencyStore::begin(const std::string& owner, const std::string& key,
                                            const std::string& fingerprint) {
  if (committer_ != nullptr) return committer_->claim(owner, key, fingerprint);
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    IdempotencyRecord record = begin_claim_in(tx, owner, key, fingerprint);
    tx.commit();
    return record;
  });
}

void PgIdempotencyStore::finish(const std::string& owner, const std::string& key,
                                const StoredResponse& response) {
  if (committer_ != nullptr) return committer_->finish(owner, key, response);
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    finish_claim_in(tx, owner, key, response);
    tx.commit();
  });
}

void PgIdempotencyStore::abandon(const std::string& owner, const std::string& key) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params("delete from idempotency_keys where api_key_id = $1 and key = $2 and state = 'in_flight'",
                   owner, key);
    tx.commit();
  });
}

std::size_t PgIdempotencyStore::purge_older_than(std::chrono::hours age) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result deleted =
        tx.exec_params("delete from idempotency_keys where created_at < now() - make_interval(hours => $1)",
                       static_cast<int>(age.count()));
    tx.commit();
    return static_cast<std::size_t>(deleted.affected_rows());
  });
}

void PgWebhookEndpointStore::insert_endpoint(const WebhookEndpoint& endpoint) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "insert into webhook_endpoints (id, api_key_id, url, events, secret) values ($1, $2, $3, $4::text[], "
        "$5)",
        endpoint.id, endpoint.owner, endpoint.url, quoted_array_literal(endpoint.events), endpoint.secret);
    tx.commit();
  });
}

std::vector<WebhookEndpoint> PgWebhookEndpointStore::endpoints_of(const std::string& owner) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    std::vector<WebhookEndpoint> endpoints;
    for (const auto& row :
         tx.exec_params("select id, url, events, enabled, to_char(created_at at time zone 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                        " from webhook_endpoints where api_key_id = $1 order by created_at, id",
                        owner)) {
      endpoints.push_back({row[0].as<std::string>(), owner, row[1].as<std::string>(), text_array(row[2]), "",
                           row[3].as<bool>(), row[4].as<std::string>()});
    }
    return endpoints;
  });
}

bool PgWebhookEndpointStore::disable_endpoint(const std::string& owner, const std::string& id) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result updated = tx.exec_params(
        "update webhook_endpoints set enabled = false where id = $1 and api_key_id = $2 and enabled", id,
        owner);
    if (updated.affected_rows() != 1) return false;  // not there, or not the caller's
    // What was still queued for it is given up, visibly, rather than sent to an endpoint that is gone.
    tx.exec_params(
        "update webhook_deliveries set state = 'dead', last_error = 'the endpoint was deleted'"
        " where endpoint_id = $1 and state = 'pending'",
        id);
    tx.commit();
    return updated.affected_rows() == 1;
  });
}

CreatedApiKey create_api_key(pqxx::connection& connection, const std::string& name, const ApiKeyScope& scope,
                             bool replace, KeyRole role) {
  assert(role == KeyRole::backend ||
         (!scope.all && scope.facility_ids.empty() && scope.procedure_ids.empty()));
  const std::string part = runtime::random_token(kApiKeyPartChars);
  CreatedApiKey key{"key_" + part, "ksk_" + part + "_" + runtime::random_token(kApiKeySecretChars)};
  pqxx::work tx(connection);
  if (replace) {
    tx.exec_params("update api_keys set revoked_at = now() where name = $1 and revoked_at is null", name);
  }
  tx.exec_params(
      "insert into api_keys (id, name, secret_sha256, scope_all, facility_ids, procedure_ids, role)"
      " values ($1, $2, decode($3, 'hex'), $4, $5::text[], $6::text[], $7)",
      key.id, name, runtime::sha256_hex(key.secret), scope.all, array_literal(scope.facility_ids),
      array_literal(scope.procedure_ids), std::string(to_string(role)));
  tx.commit();
  return key;
}

bool revoke_api_key(pqxx::connection& connection, const std::string& key_id) {
  pqxx::work tx(connection);
  const pqxx::result updated =
      tx.exec_params("update api_keys set revoked_at = now() where id = $1 and revoked_at is null", key_id);
  tx.commit();
  return updated.affected_rows() == 1;
}

std::vector<ApiKeyInfo> list_api_keys(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::vector<ApiKeyInfo> keys;
  for (const auto& row :
       tx.exec("select id, name, case when scope_all then 'all' else"
               "  concat_ws(', ', nullif(array_to_string(array(select 'facility:' || f "
               "from unnest(facility_ids) f), ', '), ''),"
               "                  nullif(array_to_string(array(select 'procedure:' || p "
               "from unnest(procedure_ids) p), ', '), ''))"
               " end,"
               " to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),"
               " coalesce(to_char(revoked_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), ''),"
               " role from api_keys order by created_at, id")) {
    keys.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                    row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>()});
  }
  return keys;
}

std::vector<DueDelivery> claim_due_deliveries(ledger::pg::ConnectionPool& pool, std::size_t limit,
                                              std::chrono::seconds lease) {
  return with_connection(pool, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result rows = tx.exec_params(
        // Only deliveries to live endpoints of unrevoked keys are picked, so others can never fill a batch.
        "with due as (select d.id from webhook_deliveries d join webhook_endpoints w on w.id = d.endpoint_id"
        "   join api_keys k on k.id = w.api_key_id"
        "   where d.state = 'pending' and d.next_attempt_at <= now() and w.enabled and k.revoked_at is null"
        "   order by d.next_attempt_at limit $1 for update of d skip locked)"
        " update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => $2)"
        " from due, webhook_events e, webhook_endpoints w"
        " where d.id = due.id and e.id = d.event_id and w.id = d.endpoint_id and w.enabled"
        " returning d.id, e.id, e.type, e.object_type, e.object_id,"
        "  to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), w.url, w.secret, "
        "d.attempts,"
        "  extract(epoch from now() - d.created_at)::bigint",
        static_cast<std::int64_t>(limit), static_cast<std::int64_t>(lease.count()));
    tx.commit();
    std::vector<DueDelivery> due;
    for (const auto& row : rows) {
      due.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                     row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<int>(),
                     row[9].as<std::int64_t>()});
    }
    return due;
  });
}

void mark_delivered(ledger::pg::ConnectionPool& pool, std::int64_t delivery_id, unsigned status) {
  with_connection(pool, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "update webhook_deliveries set state = 'delivered', attempts = attempts + 1, last_status = $2,"
        " last_error = null, delivered_at = now() where id = $1 and state = 'pending'",
        delivery_id, static_cast<int>(status));
    tx.commit();
  });
}

void mark_failed(ledger::pg::ConnectionPool& pool, std::int64_t delivery_id, unsigned status,
                 const std::string& error, std::optional<std::chrono::seconds> retry_in) {
  with_connection(pool, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "update webhook_deliveries set attempts = attempts + 1, last_status = nullif($2, 0), last_error = $3,"
        " state = case when $4::bigint is null then 'dead' else 'pending' end,"
        " next_attempt_at = now() + make_interval(secs => coalesce($4::bigint, 0))"
        " where id = $1 and state = 'pending'",
        delivery_id, static_cast<int>(status), error,
        retry_in ? std::optional<std::int64_t>(retry_in->count()) : std::nullopt);
    tx.commit();
  });
}

std::vector<DeliveryInfo> undelivered(pqxx::connection& connection, std::size_t limit) {
  pqxx::read_transaction tx(connection);
  std::vector<DeliveryInfo> out;
  for (const auto& row :
       tx.exec_params("select d.id, e.id, e.type, e.object_id, w.url, d.state, d.attempts,"
                      " to_char(d.next_attempt_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
                      "coalesce(d.last_error, '')"
                      " from webhook_deliveries d join webhook_events e on e.id = d.event_id"
                      " join webhook_endpoints w on w.id = d.endpoint_id"
                      " where d.state <> 'delivered' order by d.created_at, d.id limit $1",
                      static_cast<std::int64_t>(limit))) {
    out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                   row[6].as<int>(), row[7].as<std::string>(), row[8].as<std::string>()});
  }
  return out;
}

std::size_t resend(pqxx::connection& connection, const std::string& delivery_or_event_id) {
  pqxx::work tx(connection);
  const pqxx::result updated = tx.exec_params(
      "update webhook_deliveries set state = 'pending', next_attempt_at = now(), attempts = 0, created_at = "
      "now()"
      " where (event_id = $1 or id::text = $1)"
      "   and endpoint_id in (select id from webhook_endpoints where enabled)",
      delivery_or_event_id);
  tx.commit();
  return static_cast<std::size_t>(updated.affected_rows());
}

}  // namespace kessai::engine
