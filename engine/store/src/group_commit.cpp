#include "kessai/engine/group_commit.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/runtime/fibers.hpp"
#include "kessai/runtime/log.hpp"
#include "pg_params.hpp"

namespace kessai::engine {

using namespace store_params;

namespace {

enum class WriteKind : std::uint8_t { finish, claim, insert, transition };

// A PostgreSQL array literal ({"a","b",NULL}), built element by element: every text quoted, so nothing
// in it is read as syntax.
class ArrayLiteral {
 public:
  ArrayLiteral() { text_.push_back('{'); }
  void text(std::string_view value) {
    separate();
    text_.push_back('"');
    for (char c : value) {
      if (c == '"' || c == '\\') text_.push_back('\\');
      text_.push_back(c);
    }
    text_.push_back('"');
  }
  void text(const std::string& value) { text(std::string_view(value)); }
  void text(const OptionalText& value) {
    if (value) return text(std::string_view(*value));
    separate();
    text_ += "NULL";
  }
  void number(std::int64_t value) {
    separate();
    text_ += std::to_string(value);
  }
  void number(const std::optional<std::int64_t>& value) {
    if (value) return number(*value);
    separate();
    text_ += "NULL";
  }
  void boolean(bool value) {
    separate();
    text_.push_back(value ? 't' : 'f');
  }
  std::string str() const { return text_ + "}"; }

 private:
  void separate() {
    if (text_.size() > 1) text_.push_back(',');
  }
  std::string text_;
};

OptionalText timestamp_or_null(const std::optional<std::chrono::system_clock::time_point>& time) {
  return time ? OptionalText(timestamp_param(*time)) : std::nullopt;
}

// The statements of a batch, prepared once per connection. Each takes one array per column.
constexpr const char* kFinish = "kessai_gc_finish";
constexpr const char* kFinishSql =
    "update idempotency_keys k set state = 'done', response_status = v.status,"
    " response_content_type = v.content_type, response_body = v.body, updated_at = now()"
    " from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])"
    "  as v(api_key_id, key, status, content_type, body)"
    " where k.api_key_id = v.api_key_id and k.key = v.key";

constexpr const char* kClaim = "kessai_gc_claim";
constexpr const char* kClaimSql =
    "insert into idempotency_keys (api_key_id, key, request_fingerprint, state)"
    " select api_key_id, key, fingerprint, 'in_flight' from unnest($1::text[], $2::text[], $3::text[])"
    "  as v(api_key_id, key, fingerprint)"
    " on conflict (api_key_id, key) do nothing returning api_key_id, key";

constexpr const char* kInsert = "kessai_gc_insert";
constexpr const char* kInsertSql =
    "with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],"
    "   $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],"
    "   $14::bigint[], $15::text[], $16::bigint[], $17::text[], $18::text[], $19::bigint[], $20::boolean[],"
    "   $21::bigint[])"
    "  as v(id, api_key_id, status, means, amount, captured, fee_code, facility_id, procedure_id,"
    "   capture_method, description, metadata, processor_id, created_us, idempotency_key, payer_expires_us,"
    "   brand, terminal_id, terminal_txn, taken_offline, taken_at_us)),"
    // Any unique index may refuse a row (the Idempotency-Key, a terminal's number): it is skipped, and
    // its request told so, while the others go in.
    " inserted as (insert into payment_intents (id, api_key_id, status, means, amount_yen,"
    "   amount_captured_yen, currency, fee_code, facility_id, procedure_id, capture_method, description,"
    "   metadata, processor_id, created_at, updated_at, idempotency_key, payer_expires_at, brand,"
    "   terminal_id, terminal_txn, taken_offline, taken_at)"
    "  select id, api_key_id, status, means, amount, captured, 'JPY', fee_code, facility_id, procedure_id,"
    "   capture_method, description, metadata::jsonb, processor_id, to_timestamp(created_us / 1000000.0),"
    "   now(), idempotency_key, to_timestamp(payer_expires_us / 1000000.0), brand, terminal_id,"
    "   terminal_txn, taken_offline, to_timestamp(taken_at_us / 1000000.0) from v"
    "  on conflict do nothing returning id, status)"
    " insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
    " select id, null, status, 'created' from inserted returning payment_intent_id";

constexpr const char* kTransition = "kessai_gc_transition";
constexpr const char* kTransitionSql =
    "with v as (select * from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],"
    "   $6::text[], $7::text[], $8::date[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[],"
    "   $14::text[], $15::text[], $16::text[], $17::text[])"
    "  as v(id, status, captured, processor_id, reference, failure_code, failure_message, business_date,"
    "   cancellation_reason, from_status, payer_expires_us, institution, customer, confirmation, jpqr, brand,"
    "   detail)),"
    " moved as (update payment_intents p set status = v.status, amount_captured_yen = v.captured,"
    "   processor_id = v.processor_id, processor_reference = v.reference, failure_code = v.failure_code,"
    "   failure_message = v.failure_message, business_date = v.business_date,"
    "   cancellation_reason = v.cancellation_reason,"
    "   payer_expires_at = to_timestamp(v.payer_expires_us / 1000000.0),"
    "   payeasy_institution_number = v.institution, payeasy_customer_number = v.customer,"
    "   payeasy_confirmation_number = v.confirmation, jpqr_payload = v.jpqr,"
    "   brand = coalesce(v.brand, p.brand),"
    "   inquiry_attempts = case when p.status = v.status then p.inquiry_attempts else 0 end,"
    "   next_inquiry_at = case when p.status = v.status then p.next_inquiry_at else null end,"
    "   updated_at = now()"
    "  from v"
    // The status guard, as in the single-row update: an intent someone else moved is left alone.
    "  where p.id = v.id and p.status = v.from_status"
    "  returning p.id, v.from_status, v.status, v.detail),"
    " history as (insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
    "  select id, from_status, status, detail from moved)"
    " select id from moved";

// Journal ids are drawn first (a volatile CTE runs once per row), so each posting names its journal in
// the same statement; the deferred trigger still checks every journal balanced at commit.
constexpr const char* kJournals = "kessai_gc_journals";
constexpr const char* kJournalsSql =
    "with j as (select nextval(pg_get_serial_sequence('journal_entries', 'id')) as id, kind, reference,"
    "   business_date, n from unnest($1::text[], $2::text[], $3::date[]) with ordinality"
    "   as j(kind, reference, business_date, n)),"
    " journals as (insert into journal_entries (id, kind, reference, business_date) overriding system value"
    "   select id, kind, reference, business_date from j)"
    " insert into postings (journal_id, account_code, amount_yen)"
    " select j.id, p.account, p.amount from unnest($4::bigint[], $5::text[], $6::bigint[])"
    "  as p(n, account, amount) join j on j.n = p.n";

// The webhook outbox, as emit_event writes it one event at a time: an event only where an enabled
// endpoint of an unrevoked key listens, and one delivery per such endpoint.
constexpr const char* kWebhooks = "kessai_gc_webhooks";
constexpr const char* kWebhooksSql =
    "with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])"
    "   as v(event_id, api_key_id, type, object_type, object_id)),"
    " subscribed as (select v.event_id, w.id as endpoint_id from v"
    "   join webhook_endpoints w on w.api_key_id = v.api_key_id and w.enabled and v.type = any(w.events)"
    "   join api_keys k on k.id = w.api_key_id and k.revoked_at is null),"
    " event as (insert into webhook_events (id, api_key_id, type, object_type, object_id)"
    "   select event_id, api_key_id, type, object_type, object_id from v"
    "   where exists (select 1 from subscribed s where s.event_id = v.event_id) returning id)"
    " insert into webhook_deliveries (event_id, endpoint_id, state)"
    " select event.id, subscribed.endpoint_id, 'pending' from event join subscribed on subscribed.event_id = "
    "event.id";

void prepare_statements(pqxx::connection& connection) {
  // Every statement here finds its rows by key. A plan made while the tables were small (a fresh
  // database) joins the batch's arrays to a sequential scan, and a prepared statement keeps that plan as
  // the tables grow: each batch then gets slower (measured: the answers' and transitions' updates from 2
  // to 30 ms per batch within a minute). Without sequential scans the planner takes the indexes from the
  // start.
  connection.set_variable("enable_seqscan", "off");
  for (const auto& [name, sql] : {std::pair{kFinish, kFinishSql}, std::pair{kClaim, kClaimSql},
                                  std::pair{kInsert, kInsertSql}, std::pair{kTransition, kTransitionSql},
                                  std::pair{kJournals, kJournalsSql}, std::pair{kWebhooks, kWebhooksSql}}) {
    connection.prepare(name, sql);
  }
}

// 'evt_' and 32 hex digits, as emit_event's gen_random_uuid() gives them.
std::string event_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "evt_";
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) id.push_back(kHex[bits & 0xf]);
  }
  return id;
}

}  // namespace

struct GroupCommitter::Write {
  WriteKind kind = WriteKind::claim;
  const std::string* owner = nullptr;  // claim, finish
  const std::string* key = nullptr;
  const std::string* fingerprint = nullptr;      // claim
  const StoredResponse* response = nullptr;      // finish
  const PaymentIntent* intent = nullptr;         // insert, transition
  IntentStatus from = IntentStatus::processing;  // transition
  const std::optional<ledger::Journal>* journal = nullptr;
  std::string_view detail{};
  IdempotencyRecord record{};  // a claim's answer
  std::exception_ptr error{};  // what the single-row call would have thrown
  // A stored answer nobody waits for: it owns its data, and the committer deletes it once written.
  bool detached = false;
  std::string owned_owner{};
  std::string owned_key{};
  StoredResponse owned_response{};
  // Signalled once the write's transaction ended. The request waits on a fiber (its thread runs other
  // requests meanwhile) or, off a fiber, blocks its thread (runtime/fibers.hpp).
  std::mutex mutex{};
  runtime::Resume waiting{};  // set once the request waits
  bool done = false;

  void wait() {
    runtime::fiber::suspend([this](runtime::Resume resume) {
      std::unique_lock lock(mutex);
      if (!done) {
        waiting = std::move(resume);
        return;
      }
      lock.unlock();
      resume();
    });
  }
  void release() {
    // Nothing of this write is touched after the lock is let go: the request may destroy it as soon as it
    // sees `done`. A request already waiting cannot, until its Resume (moved out here) is called.
    runtime::Resume resume;
    {
      std::lock_guard lock(mutex);
      done = true;
      resume = std::move(waiting);
    }
    if (resume) resume();
  }
};

struct GroupCommitter::Impl {
  Impl(std::string database_url, GroupCommitOptions group_options)
      : url(std::move(database_url)), options(group_options) {}

  std::vector<Write*> take_batch();
  // Lets claims waiting for the batch's answers go.
  void batch_ended(const std::vector<Write*>& batch);
  void committer();
  // Adds a batch's time to the figures, and logs them every kStatsLogInterval while writes come.
  void account(std::chrono::steady_clock::duration took);
  void execute(std::unique_ptr<pqxx::connection>& connection, std::vector<Write*>& batch);
  void write_batch(pqxx::work& tx, std::vector<Write*>& batch);
  static void write_one(pqxx::work& tx, Write& write);

  const std::string url;
  const GroupCommitOptions options;
  mutable std::mutex mutex;
  std::condition_variable ready;
  std::deque<Write*> queue;
  std::unordered_set<std::string> answering;  // keys whose answer a committer is writing now
  bool stopping = false;
  GroupCommitStats stats;
  GroupCommitStats logged;  // the figures at the last log line
  std::chrono::steady_clock::time_point last_log = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
};

constexpr std::chrono::seconds kStatsLogInterval{10};

void GroupCommitter::Impl::account(std::chrono::steady_clock::duration took) {
  std::lock_guard lock(mutex);
  stats.busy_us +=
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  const auto now = std::chrono::steady_clock::now();
  if (now - last_log < kStatsLogInterval) return;
  const std::uint64_t batches = stats.batches - logged.batches;
  const std::uint64_t handed = stats.writes - logged.writes;
  const std::uint64_t busy = stats.busy_us - logged.busy_us;
  log::info(
      "group_commit",
      {{"seconds", std::chrono::duration_cast<std::chrono::seconds>(now - last_log).count()},
       {"transactions", batches},
       {"writes", handed},
       {"writes_per_transaction", batches ? static_cast<double>(handed) / static_cast<double>(batches) : 0.0},
       {"ms_per_transaction",
        batches ? static_cast<double>(busy) / static_cast<double>(batches) / 1000.0 : 0.0},
       {"replayed", stats.replayed - logged.replayed}});
  logged = stats;
  last_log = now;
}

GroupCommitter::GroupCommitter(std::string database_url, GroupCommitOptions options)
    : impl_(std::make_unique<Impl>(std::move(database_url), options)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(options.committers, 1); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->committer(); });
  }
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->ready.notify_all();
  for (std::thread& thread : impl_->threads) thread.join();
}

GroupCommitStats GroupCommitter::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void GroupCommitter::run(Write& write) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) throw StoreUnavailable("kessaid is stopping; nothing was written");
    impl_->queue.push_back(&write);
    ++impl_->stats.writes;
  }
  impl_->ready.notify_one();
  write.wait();
  if (write.error) std::rethrow_exception(write.error);
}

IdempotencyRecord GroupCommitter::claim(const std::string& owner, const std::string& key,
                                        const std::string& fingerprint) {
  Write write;
  write.kind = WriteKind::claim;
  write.owner = &owner;
  write.key = &key;
  write.fingerprint = &fingerprint;
  run(write);
  return write.record;
}

void GroupCommitter::finish(const std::string& owner, const std::string& key,
                            const StoredResponse& response) {
  // Not waited for: what the request did is durable already (the intent carries its key), and the answer
  // goes to the client at once. A later claim of the key is ordered after it (take_batch), so it sees
  // the answer; if kessaid stops first, the claim's lease runs out and the retry is answered from the
  // intent the key created (Api::created_earlier), as after any crash.
  auto write = std::make_unique<Write>();
  write->kind = WriteKind::finish;
  write->detached = true;
  write->owned_owner = owner;
  write->owned_key = key;
  write->owned_response = response;
  write->owner = &write->owned_owner;
  write->key = &write->owned_key;
  write->response = &write->owned_response;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) throw StoreUnavailable("kessaid is stopping; the answer was not stored");
    impl_->queue.push_back(write.release());
    ++impl_->stats.writes;
  }
  impl_->ready.notify_one();
}

void GroupCommitter::insert_intent(const PaymentIntent& intent) {
  Write write;
  write.kind = WriteKind::insert;
  write.intent = &intent;
  run(write);
}

void GroupCommitter::record_transition(const PaymentIntent& intent, IntentStatus from,
                                       const std::optional<ledger::Journal>& journal,
                                       std::string_view detail) {
  Write write;
  write.kind = WriteKind::transition;
  write.intent = &intent;
  write.from = from;
  write.journal = &journal;
  write.detail = detail;
  run(write);
}

namespace {

std::string answer_key(const std::string& owner, const std::string& key) {
  return owner + '\n' + key;
}

}  // namespace

std::vector<GroupCommitter::Write*> GroupCommitter::Impl::take_batch() {
  std::unique_lock lock(mutex);
  for (;;) {
    ready.wait(lock, [this] { return !queue.empty() || stopping; });
    if (queue.empty()) return {};  // stopping, and nothing left
    if (options.gather.count() > 0 && !stopping) {
      ready.wait_for(lock, options.gather, [this] { return queue.size() >= options.batch_max || stopping; });
    }
    std::vector<Write*> batch;
    // One transition per intent in a batch: a second (a capture racing a cancel) waits for the next, where
    // the status guard sees the first one's result. A claim of a key whose answer another committer is
    // writing waits for that batch too, so it finds the answer to replay rather than the key in flight.
    std::unordered_set<std::string_view> moved;
    std::vector<Write*> later;
    std::vector<std::string> answers;
    while (!queue.empty() && batch.size() < options.batch_max) {
      Write* write = queue.front();
      queue.pop_front();
      const bool wait_for_intent =
          write->kind == WriteKind::transition && !moved.insert(write->intent->id).second;
      const bool wait_for_answer =
          write->kind == WriteKind::claim && answering.contains(answer_key(*write->owner, *write->key));
      if (wait_for_intent || wait_for_answer) {
        later.push_back(write);
        continue;
      }
      if (write->kind == WriteKind::finish) answers.push_back(answer_key(*write->owner, *write->key));
      batch.push_back(write);
    }
    queue.insert(queue.begin(), later.begin(), later.end());
    if (batch.empty()) {
      // Everything waiting waits for another committer's batch; its end notifies.
      ready.wait(lock);
      continue;
    }
    for (std::string& answer : answers) answering.insert(std::move(answer));
    ++stats.batches;
    stats.largest_batch = std::max<std::uint64_t>(stats.largest_batch, batch.size());
    // Another committer may start on what is left while this one writes.
    if (!queue.empty()) ready.notify_one();
    return batch;
  }
}

void GroupCommitter::Impl::batch_ended(const std::vector<Write*>& batch) {
  bool answered = false;
  {
    std::lock_guard lock(mutex);
    for (const Write* write : batch) {
      if (write->kind == WriteKind::finish)
        answered |= answering.erase(answer_key(*write->owner, *write->key)) > 0;
    }
  }
  if (answered) ready.notify_all();
}

void GroupCommitter::Impl::committer() {
  std::unique_ptr<pqxx::connection> connection;
  for (;;) {
    std::vector<Write*> batch = take_batch();
    if (batch.empty()) return;  // stopping, and nothing left
    const auto started = std::chrono::steady_clock::now();
    execute(connection, batch);
    account(std::chrono::steady_clock::now() - started);
    batch_ended(batch);
    for (Write* write : batch) {
      if (!write->detached) {
        // A released write belongs to its request again (on that thread's stack): not touched after.
        write->release();
        continue;
      }
      if (write->error) {
        try {
          std::rethrow_exception(write->error);
        } catch (const std::exception& error) {
          // The claim stays in flight; once its lease runs out a retry is answered from the intent.
          log::warn("idempotency_answer_not_stored", {{"error", error.what()}});
        }
      }
      delete write;
    }
  }
}

void GroupCommitter::Impl::execute(std::unique_ptr<pqxx::connection>& connection,
                                   std::vector<Write*>& batch) {
  std::size_t replayed = 0;  // writes done one at a time, when the batch failed
  try {
    if (!connection || !connection->is_open()) {
      connection.reset();
      connection = std::make_unique<pqxx::connection>(url);
      prepare_statements(*connection);
    }
    std::string failure;
    try {
      pqxx::work tx(*connection);
      write_batch(tx, batch);
      tx.commit();
      return;
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::in_doubt_error&) {
      throw;
    } catch (const std::exception& error) {
      failure = error.what();
    }
    // The batch rolled back as a whole: each write again in its own transaction, so the one that failed
    // fails alone.
    log::warn("group_commit_replayed", {{"writes", std::to_string(batch.size())}, {"error", failure}});
    {
      std::lock_guard lock(mutex);
      ++stats.replayed;
    }
    for (; replayed < batch.size(); ++replayed) {
      Write& write = *batch[replayed];
      write.error = nullptr;
      write.record = {};
      try {
        pqxx::work tx(*connection);
        write_one(tx, write);
        tx.commit();
      } catch (const pqxx::broken_connection&) {
        throw;
      } catch (const pqxx::in_doubt_error&) {
        throw;
      } catch (...) {
        write.error = std::current_exception();
      }
    }
  } catch (const pqxx::in_doubt_error& error) {
    connection.reset();
    log::error("group_commit_in_doubt",
               {{"writes", std::to_string(batch.size() - replayed)}, {"error", error.what()}});
    const auto unknown = std::make_exception_ptr(StoreUnavailable(
        std::string("the database connection was lost while committing; the outcome is unknown: ") +
        error.what()));
    for (std::size_t i = replayed; i < batch.size(); ++i) batch[i]->error = unknown;
  } catch (const std::exception& error) {
    // The connection is gone (or could not be opened): nothing of the unfinished writes was committed.
    connection.reset();
    const auto unavailable =
        std::make_exception_ptr(StoreUnavailable(std::string("database connection failed: ") + error.what()));
    for (std::size_t i = replayed; i < batch.size(); ++i) batch[i]->error = unavailable;
  }
}

void GroupCommitter::Impl::write_one(pqxx::work& tx, Write& write) {
  switch (write.kind) {
    case WriteKind::finish:
      return finish_claim_in(tx, *write.owner, *write.key, *write.response);
    case WriteKind::claim:
      write.record = begin_claim_in(tx, *write.owner, *write.key, *write.fingerprint);
      return;
    case WriteKind::insert:
      return insert_intent_in(tx, *write.intent);
    case WriteKind::transition:
      return record_transition_in(tx, *write.intent, write.from, *write.journal, write.detail);
  }
}

void GroupCommitter::Impl::write_batch(pqxx::work& tx, std::vector<Write*>& batch) {
  std::vector<Write*> finishes, claims, inserts, transitions;
  for (Write* write : batch) {
    switch (write->kind) {
      case WriteKind::finish:
        finishes.push_back(write);
        break;
      case WriteKind::claim:
        claims.push_back(write);
        break;
      case WriteKind::insert:
        inserts.push_back(write);
        break;
      case WriteKind::transition:
        transitions.push_back(write);
        break;
    }
  }
  // Rows are locked in one order by every batch, so two batches running at once do not deadlock.
  const auto by_key = [](const Write* a, const Write* b) {
    return std::tie(*a->owner, *a->key) < std::tie(*b->owner, *b->key);
  };
  const auto by_intent = [](const Write* a, const Write* b) { return a->intent->id < b->intent->id; };
  std::sort(finishes.begin(), finishes.end(), by_key);
  std::sort(claims.begin(), claims.end(), by_key);
  std::sort(transitions.begin(), transitions.end(), by_intent);

  // Answers first: a claim in the same batch then sees the answer to replay.
  if (!finishes.empty()) {
    ArrayLiteral owners, keys, statuses, types, bodies;
    for (const Write* write : finishes) {
      owners.text(*write->owner);
      keys.text(*write->key);
      statuses.number(static_cast<std::int64_t>(write->response->status));
      types.text(write->response->content_type);
      bodies.text(write->response->body);
    }
    tx.exec_prepared(kFinish, owners.str(), keys.str(), statuses.str(), types.str(), bodies.str());
  }

  if (!claims.empty()) {
    ArrayLiteral owners, keys, fingerprints;
    for (const Write* write : claims) {
      owners.text(*write->owner);
      keys.text(*write->key);
      fingerprints.text(*write->fingerprint);
    }
    const pqxx::result inserted = tx.exec_prepared(kClaim, owners.str(), keys.str(), fingerprints.str());
    std::unordered_multiset<std::string> fresh;
    for (const pqxx::row& row : inserted)
      fresh.insert(row[0].as<std::string>() + '\n' + row[1].as<std::string>());
    for (Write* write : claims) {
      // A key claimed twice in one batch is fresh once; the second finds the first in flight.
      if (const auto found = fresh.find(*write->owner + '\n' + *write->key); found != fresh.end()) {
        fresh.erase(found);
        write->record.fresh = true;
      } else {
        write->record = begin_claim_in(tx, *write->owner, *write->key, *write->fingerprint);
      }
    }
  }

  if (!inserts.empty()) {
    ArrayLiteral id, owner, status, means, amount, captured, fee_code, facility, procedure, capture_method,
        description, metadata, processor, created, key, payer_expires, brand, terminal, terminal_txn, offline,
        taken_at;
    for (const Write* write : inserts) {
      const PaymentIntent& intent = *write->intent;
      id.text(intent.id);
      owner.text(nonempty(intent.owner));
      status.text(to_string(intent.status));
      means.text(to_string(intent.means));
      amount.number(intent.amount.value());
      captured.number(intent.amount_captured.value());
      fee_code.text(intent.fee_code.str());
      facility.text(optional_text(intent.facility));
      procedure.text(optional_text(intent.procedure));
      capture_method.text(to_string(intent.capture_method));
      description.text(nonempty(intent.description));
      metadata.text(intent.metadata_json);
      processor.text(optional_text(intent.processor));
      created.text(timestamp_param(intent.created_at));
      key.text(nonempty(intent.idempotency_key));
      payer_expires.text(payer_expires_param(intent));
      brand.text(nonempty(intent.brand));
      terminal.text(pos_terminal(intent.pos));
      terminal_txn.number(pos_number(intent.pos));
      offline.boolean(intent.pos && intent.pos->offline);
      taken_at.text(timestamp_or_null(intent.pos ? intent.pos->taken_at : std::nullopt));
    }
    const pqxx::result inserted = tx.exec_prepared(
        kInsert, id.str(), owner.str(), status.str(), means.str(), amount.str(), captured.str(),
        fee_code.str(), facility.str(), procedure.str(), capture_method.str(), description.str(),
        metadata.str(), processor.str(), created.str(), key.str(), payer_expires.str(), brand.str(),
        terminal.str(), terminal_txn.str(), offline.str(), taken_at.str());
    std::unordered_set<std::string> stored;
    for (const pqxx::row& row : inserted) stored.insert(row[0].as<std::string>());
    for (Write* write : inserts) {
      if (stored.contains(write->intent->id)) continue;
      try {
        throw_insert_conflict(*write->intent);
      } catch (...) {
        write->error = std::current_exception();
      }
    }
  }

  if (transitions.empty()) return;
  ArrayLiteral id, status, captured, processor, reference, failure_code, failure_message, business_date,
      cancellation_reason, from, payer_expires, institution, customer, confirmation, jpqr, brand, detail;
  for (const Write* write : transitions) {
    const PaymentIntent& intent = *write->intent;
    id.text(intent.id);
    status.text(to_string(intent.status));
    captured.number(intent.amount_captured.value());
    processor.text(optional_text(intent.processor));
    reference.text(nonempty(intent.processor_reference));
    failure_code.text(nonempty(intent.failure_code));
    failure_message.text(nonempty(intent.failure_message));
    business_date.text(optional_date(intent.business_date));
    cancellation_reason.text(nonempty(intent.cancellation_reason));
    from.text(to_string(write->from));
    payer_expires.text(payer_expires_param(intent));
    institution.text(payer_text(intent, &PayerInstructions::institution_number));
    customer.text(payer_text(intent, &PayerInstructions::customer_number));
    confirmation.text(payer_text(intent, &PayerInstructions::confirmation_number));
    jpqr.text(payer_text(intent, &PayerInstructions::jpqr_payload));
    brand.text(nonempty(intent.brand));
    detail.text(write->detail);
  }
  const pqxx::result updated =
      tx.exec_prepared(kTransition, id.str(), status.str(), captured.str(), processor.str(), reference.str(),
                       failure_code.str(), failure_message.str(), business_date.str(),
                       cancellation_reason.str(), from.str(), payer_expires.str(), institution.str(),
                       customer.str(), confirmation.str(), jpqr.str(), brand.str(), detail.str());
  std::unordered_set<std::string> moved;
  for (const pqxx::row& row : updated) moved.insert(row[0].as<std::string>());

  std::vector<const ledger::Journal*> journals;
  ArrayLiteral hook_id, hook_owner, hook_type, hook_object_type, hook_object_id;
  bool hooks = false;
  for (Write* write : transitions) {
    const PaymentIntent& intent = *write->intent;
    if (!moved.contains(intent.id)) {
      write->error = std::make_exception_ptr(
          ConcurrentUpdate("payment intent " + intent.id + " is no longer " +
                           std::string(to_string(write->from)) + "; another request changed it first"));
      continue;
    }
    if (*write->journal) journals.push_back(&**write->journal);
    if (const std::optional<EventType> event = event_for(intent.status);
        event && intent.status != write->from && !intent.owner.empty()) {
      hooks = true;
      hook_id.text(event_id());
      hook_owner.text(intent.owner);
      hook_type.text(to_string(*event));
      hook_object_type.text(std::string_view("payment_intent"));
      hook_object_id.text(intent.id);
    }
  }
  if (!journals.empty()) {
    ArrayLiteral kind, journal_reference, date, posting_journal, account, amount;
    for (std::size_t i = 0; i < journals.size(); ++i) {
      const ledger::Journal& journal = *journals[i];
      kind.text(journal.kind());
      journal_reference.text(journal.reference());
      date.text(ledger::format_date(journal.business_date()));
      for (const ledger::Posting& posting : journal.postings()) {
        posting_journal.number(static_cast<std::int64_t>(i + 1));  // the journal's ordinality
        account.text(posting.account.str());
        amount.number(posting.amount.value());
      }
    }
    tx.exec_prepared(kJournals, kind.str(), journal_reference.str(), date.str(), posting_journal.str(),
                     account.str(), amount.str());
  }
  if (hooks) {
    tx.exec_prepared(kWebhooks, hook_id.str(), hook_owner.str(), hook_type.str(), hook_object_type.str(),
                     hook_object_id.str());
  }
}

}  // namespace kessai::engine
