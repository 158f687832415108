// Dashboard sessions in PostgreSQL. The browser holds a random token in an HttpOnly cookie; the database
// holds only its SHA-256, so a copy of the table logs nobody in. A session ends at its expiry, at logout,
// or when its key is revoked.

#include <cassert>

#include "kessai/engine/dashboard.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/runtime/crypto.hpp"

namespace kessai::engine {

namespace {

// Ended and expired sessions are kept this long (who logged in when), then deleted at a later login.
constexpr std::chrono::hours kEndedSessionRetention{24 * 90};

}  // namespace

NewSession create_dashboard_session(ledger::pg::ConnectionPool& pool, const std::string& api_key_id,
                                    std::chrono::seconds lifetime) {
  assert(lifetime.count() > 0);
  NewSession session{runtime::random_token(kDashboardTokenChars),
                     runtime::random_token(kDashboardTokenChars)};
  with_connection(pool, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "insert into dashboard_sessions (token_sha256, api_key_id, csrf_token, expires_at)"
        " values ($1, $2, $3, now() + make_interval(secs => $4))",
        runtime::sha256_hex(session.token), api_key_id, session.csrf_token,
        static_cast<std::int64_t>(lifetime.count()));
    tx.exec_params("delete from dashboard_sessions where expires_at < now() - make_interval(hours => $1)",
                   static_cast<int>(kEndedSessionRetention.count()));
    tx.commit();
  });
  return session;
}

std::optional<DashboardViewer> find_dashboard_session(ledger::pg::ConnectionPool& pool,
                                                      std::string_view token) {
  if (token.size() != kDashboardTokenChars) return std::nullopt;  // not one of ours: no query needed
  return with_connection(pool, [&](pqxx::connection& connection) -> std::optional<DashboardViewer> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows = tx.exec_params(
        "select s.api_key_id, k.name, s.csrf_token from dashboard_sessions s"
        " join api_keys k on k.id = s.api_key_id"
        " where s.token_sha256 = $1 and s.ended_at is null and s.expires_at > now()"
        "   and k.revoked_at is null and k.role = 'finance'",
        runtime::sha256_hex(token));
    if (rows.empty()) return std::nullopt;
    return DashboardViewer{.api_key_id = rows[0][0].as<std::string>(),
                           .name = rows[0][1].as<std::string>(),
                           .csrf_token = rows[0][2].as<std::string>()};
  });
}

void end_dashboard_session(ledger::pg::ConnectionPool& pool, std::string_view token) {
  with_connection(pool, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "update dashboard_sessions set ended_at = now() where token_sha256 = $1 and ended_at is null",
        runtime::sha256_hex(token));
    tx.commit();
  });
}

}  // namespace kessai::engine
