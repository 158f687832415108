#pragma once
// A bounded pool of PostgreSQL connections. Connections open lazily; a broken one is dropped on return.
// Blocking: call it from worker threads, never from a network thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace kessai::ledger::pg {

inline constexpr std::size_t kPoolConnectionsMax = 64;

class ConnectionPool;

class Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();
  pqxx::connection& operator*() { return *connection_; }
  pqxx::connection* operator->() { return connection_.get(); }

 private:
  friend class ConnectionPool;
  Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  ConnectionPool* pool_;
  std::unique_ptr<pqxx::connection> connection_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::string url, std::size_t connections_max, std::chrono::milliseconds acquire_timeout);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Throws pqxx::broken_connection when the database cannot be reached, and PoolExhausted when every
  // connection stays busy past the acquire timeout.
  Lease acquire();
  const std::string& url() const { return url_; }

 private:
  friend class Lease;
  void give_back(std::unique_ptr<pqxx::connection> connection);

  const std::string url_;
  const std::size_t connections_max_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_count_ = 0;
};

struct PoolExhausted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The URL with its password replaced by "***", for logs and error messages.
std::string redact_url(const std::string& url);

}  // namespace kessai::ledger::pg
