#include "kessai/ledger/pg/pool.hpp"

#include <cassert>
#include <regex>

namespace kessai::ledger::pg {

Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(std::move(other.connection_)) {}

Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->give_back(std::move(connection_));
}

ConnectionPool::ConnectionPool(std::string url, std::size_t connections_max,
                               std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), connections_max_(connections_max), acquire_timeout_(acquire_timeout) {
  assert(connections_max_ > 0 && connections_max_ <= kPoolConnectionsMax);
}

Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const bool got = available_.wait_for(lock, acquire_timeout_,
                                       [&] { return !idle_.empty() || open_count_ < connections_max_; });
  if (!got) {
    throw PoolExhausted("all " + std::to_string(connections_max_) + " database connections stayed busy for " +
                        std::to_string(acquire_timeout_.count()) + " ms");
  }
  if (!idle_.empty()) {
    std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_count_;
  lock.unlock();
  try {
    return Lease(this, std::make_unique<pqxx::connection>(url_));
  } catch (...) {
    lock.lock();
    --open_count_;
    available_.notify_one();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_count_;
  }
  available_.notify_one();
}

std::string redact_url(const std::string& url) {
  static const std::regex password(R"(^(postgres(?:ql)?://[^:/@]*:)[^@]*@)");
  return std::regex_replace(url, password, "$1***@");
}

}  // namespace kessai::ledger::pg
