#pragma once
// Versioned schema migrations, compiled into the binaries from ledger/migrations/*.sql.

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/result.hpp"

namespace kessai::ledger::pg {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& embedded_migrations();

struct MigrationReport {
  std::vector<int> applied;  // versions applied by this call, in order
  int schema_version = 0;    // the version the database is at now
};

// Applies every pending migration, each in its own transaction, under an advisory lock so two
// processes migrating at once do not collide. Refuses to run when a migration already applied has
// changed since (checksum), or when the database is newer than this binary.
Result<MigrationReport, std::string> migrate(pqxx::connection& connection);

// The schema version of the database (0 when never migrated).
int schema_version(pqxx::connection& connection);

}  // namespace kessai::ledger::pg
