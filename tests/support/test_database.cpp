#include "test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "kessai/ledger/pg/migrate.hpp"

namespace kessai::testing {

std::string with_database(const std::string& url, const std::string& database) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) throw std::invalid_argument("not a postgresql:// URL: " + url);
  const std::size_t slash = url.find('/', scheme + 3);
  const std::size_t query = url.find('?', scheme + 3);
  const std::string head = url.substr(0, slash != std::string::npos ? slash : query);
  const std::string tail = query != std::string::npos ? url.substr(query) : "";
  return head + "/" + database + tail;
}

TestDatabase::TestDatabase(bool migrate) {
  const char* server = std::getenv("KESSAI_TEST_DATABASE_URL");
  if (server == nullptr || *server == '\0') {
    throw std::runtime_error(
        "KESSAI_TEST_DATABASE_URL is not set: run the tests with ops/test, which provides a database");
  }
  server_url_ = server;
  static std::atomic<int> counter{0};
  std::random_device random;
  name_ = "kessai_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
          std::to_string(random() % 100000);
  {
    pqxx::connection admin(server_url_);
    pqxx::nontransaction tx(admin);
    tx.exec("create database " + tx.quote_name(name_));
  }
  url_ = with_database(server_url_, name_);
  if (migrate) {
    pqxx::connection connection(url_);
    auto report = ledger::pg::migrate(connection);
    if (!report.ok()) throw std::runtime_error("migrating the test database failed: " + report.error());
  }
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(server_url_);
    pqxx::nontransaction tx(admin);
    tx.exec("drop database if exists " + tx.quote_name(name_) + " with (force)");
  } catch (...) {
    // A leftover test database is harmless; the next run uses new names.
  }
}

}  // namespace kessai::testing
