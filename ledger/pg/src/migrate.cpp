#include "kessai/ledger/pg/migrate.hpp"

#include <cstdint>
#include <cstdio>
#include <map>

namespace kessai::ledger::pg {

namespace {

// Any fixed number: every kessai process that migrates takes the same lock.
constexpr std::int64_t kMigrationLockKey = 0x6b65737361690001;

std::string checksum(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a 64: enough to notice an edited file
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

void ensure_migrations_table(pqxx::connection& connection) {
  pqxx::work tx(connection);
  tx.exec(
      "create table if not exists schema_migrations ("
      " version integer primary key, name text not null, checksum text not null,"
      " applied_at timestamptz not null default now())");
  tx.commit();
}

struct SessionLock {
  explicit SessionLock(pqxx::connection& connection) : connection_(connection) {
    pqxx::nontransaction tx(connection_);
    tx.exec_params("select pg_advisory_lock($1)", kMigrationLockKey);
  }
  ~SessionLock() {
    try {
      pqxx::nontransaction tx(connection_);
      tx.exec_params("select pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (...) {
      // The lock is released with the session anyway.
    }
  }
  pqxx::connection& connection_;
};

}  // namespace

int schema_version(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const pqxx::result exists = tx.exec("select to_regclass('schema_migrations') is not null");
  if (!exists[0][0].as<bool>()) return 0;
  return tx.exec("select coalesce(max(version), 0) from schema_migrations")[0][0].as<int>();
}

Result<MigrationReport, std::string> migrate(pqxx::connection& connection) {
  SessionLock lock(connection);
  ensure_migrations_table(connection);

  std::map<int, std::string> applied_checksums;
  {
    pqxx::read_transaction tx(connection);
    for (const auto& row : tx.exec("select version, checksum from schema_migrations")) {
      applied_checksums[row[0].as<int>()] = row[1].as<std::string>();
    }
  }

  const std::vector<Migration>& migrations = embedded_migrations();
  const int newest_known = migrations.empty() ? 0 : migrations.back().version;
  if (!applied_checksums.empty() && applied_checksums.rbegin()->first > newest_known) {
    return fail("the database is at schema version " + std::to_string(applied_checksums.rbegin()->first) +
                " but this kessai knows only up to " + std::to_string(newest_known) + "; run a newer kessai");
  }

  MigrationReport report;
  for (const Migration& migration : migrations) {
    const std::string sum = checksum(migration.sql);
    const auto found = applied_checksums.find(migration.version);
    if (found != applied_checksums.end()) {
      if (found->second != sum) {
        return fail(
            "migration " + std::to_string(migration.version) + " (" + std::string(migration.name) +
            ") was changed after it was applied; applied migrations must never change — add a new one");
      }
      continue;
    }
    pqxx::work tx(connection);
    tx.exec(std::string(migration.sql));
    tx.exec_params("insert into schema_migrations (version, name, checksum) values ($1, $2, $3)",
                   migration.version, std::string(migration.name), sum);
    tx.commit();
    report.applied.push_back(migration.version);
  }
  report.schema_version = schema_version(connection);
  return report;
}

}  // namespace kessai::ledger::pg
