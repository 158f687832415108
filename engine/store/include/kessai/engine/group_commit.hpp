#pragma once
// Group commit: the writes of many concurrent requests share one transaction, so one WAL flush makes
// all of them durable. A request's worker thread hands its write over and waits; a committer thread
// takes every write waiting (up to batch_max), writes each kind with one set-based statement (unnest of
// arrays, prepared once per connection), commits, and only then releases the waiting requests: nothing
// is answered before it is durable.
//
// A batch whose statements fail (a constraint, a trigger, a deadlock with another batch) is rolled back
// and replayed one request per transaction with the single-row code, so a bad write fails alone and its
// neighbours commit. A lost connection or a commit whose outcome is unknown fails the whole batch with
// StoreUnavailable, as one transaction would.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kessai/engine/api_stores.hpp"
#include "kessai/engine/store.hpp"

namespace kessai::engine {

struct GroupCommitOptions {
  std::size_t committers = 2;   // threads, each with its own connection: one commits while one collects
  std::size_t batch_max = 512;  // writes in one transaction
  // How long a committer waits for more writes before it starts a batch that is not full (as
  // PostgreSQL's commit_delay). 0: at once; a committer busy with a batch gathers the next anyway.
  std::chrono::microseconds gather{0};
};

struct GroupCommitStats {
  std::uint64_t batches = 0;        // transactions committed or failed
  std::uint64_t writes = 0;         // writes handed over
  std::uint64_t largest_batch = 0;  // writes in the largest transaction
  std::uint64_t replayed = 0;       // batches that failed and were replayed one write at a time
  std::uint64_t busy_us = 0;        // time spent writing and committing, all committers together
};

class GroupCommitter {
 public:
  GroupCommitter(std::string database_url, GroupCommitOptions options);
  ~GroupCommitter();  // writes already handed over are committed first
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Each blocks until the transaction holding the write has committed, and answers or throws as the
  // single-row PgIdempotencyStore / PgPaymentStore call of the same meaning does.
  IdempotencyRecord claim(const std::string& owner, const std::string& key, const std::string& fingerprint);
  // Except this one: the answer to an Idempotency-Key is queued and not waited for. A claim of the same
  // key made after it returns sees it (a replay); a failure to store it is logged.
  void finish(const std::string& owner, const std::string& key, const StoredResponse& response);
  void insert_intent(const PaymentIntent& intent);
  void record_transition(const PaymentIntent& intent, IntentStatus from,
                         const std::optional<ledger::Journal>& journal, std::string_view detail);

  GroupCommitStats stats() const;

  struct Write;  // one request's write, waiting in the queue

 private:
  void run(Write& write);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kessai::engine
