#pragma once
// PaymentStore on PostgreSQL, plus the catalogue and start-up checks the daemon and CLI need.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "kessai/engine/store.hpp"
#include "kessai/ledger/pg/pool.hpp"

namespace kessai::engine {

class GroupCommitter;

class PgPaymentStore final : public PaymentStore {
 public:
  // With a committer, new intents and transitions are group-committed (engine/store/group_commit.hpp);
  // everything else runs on a pooled connection.
  explicit PgPaymentStore(ledger::pg::ConnectionPool& pool, GroupCommitter* committer = nullptr)
      : pool_(pool), committer_(committer) {}

  CatalogLookup lookup_catalog(const FeeCode& fee_code, const std::optional<FacilityId>& facility,
                               const std::optional<ProcedureId>& procedure) override;
  void insert_intent(const PaymentIntent& intent) override;
  void record_transition(const PaymentIntent& intent, IntentStatus from,
                         const std::optional<ledger::Journal>& journal, std::string_view detail) override;
  std::optional<PaymentIntent> find_intent(const std::string& id) override;
  void reassign_processor(const std::string& id, const ProcessorId& processor) override;
  std::optional<PaymentIntent> find_intent_by_idempotency_key(const std::string& owner,
                                                              const std::string& key) override;
  std::optional<Refund> find_refund_by_idempotency_key(const std::string& owner,
                                                       const std::string& key) override;
  std::optional<PaymentIntent> find_intent_by_terminal(const std::string& terminal_id,
                                                       std::int64_t transaction_number) override;
  std::optional<Refund> find_refund_by_terminal(const std::string& terminal_id,
                                                std::int64_t transaction_number) override;
  IntentPage list_intents(const IntentFilter& filter) override;
  std::vector<PaymentIntent> due_for_inquiry(std::chrono::milliseconds min_age, std::size_t limit) override;
  void postpone_inquiry(const std::string& id, std::chrono::seconds base, std::chrono::seconds max) override;
  std::vector<PaymentIntent> due_awaiting_payer(std::chrono::milliseconds min_age,
                                                std::size_t limit) override;
  bool record_notice(const NoticeRecord& notice) override;
  RefundReservation reserve_refund(Refund& refund, Yen& available) override;
  void record_refund(const Refund& refund, const std::optional<ledger::Journal>& journal) override;
  std::optional<Refund> find_refund(const std::string& id) override;

 private:
  static constexpr std::size_t kKnownCatalogMax = 100'000;
  ledger::pg::ConnectionPool& pool_;
  GroupCommitter* committer_;
  std::mutex catalog_mutex_;
  std::unordered_set<std::string> known_catalog_;  // fee code, facility, procedure found together
};

// The single-row writes, inside the caller's transaction: PgPaymentStore's own, and the group committer's
// when a batch has to be replayed one request at a time.
void insert_intent_in(pqxx::work& tx, const PaymentIntent& intent);
void record_transition_in(pqxx::work& tx, const PaymentIntent& intent, IntentStatus from,
                          const std::optional<ledger::Journal>& journal, std::string_view detail);
// What a new intent's insert conflicted with, as the exception the caller expects.
[[noreturn]] void throw_insert_conflict(const PaymentIntent& intent);

// A cashless means a facility or procedure takes, from a date (導入日): a later date is planned.
struct MeansLiveSince {
  std::string means{};  // facilities: "card", "emoney", "qr"; procedures: "card", "payeasy"
  std::chrono::year_month_day live_since{};
};

struct CatalogEntry {
  std::string id;
  std::string name;
  // Facilities only: the most one payment taken offline at its POS terminals may be, per means (0: none).
  std::int64_t card_floor_limit_yen = 0;
  std::int64_t emoney_floor_limit_yen = 0;
  std::string category = "citizen";  // facilities only: "citizen" (市民利用施設) or "office" (庁内施設)
  // Facilities and procedures: every means in place or planned. Loading replaces the place's set whole.
  std::vector<MeansLiveSince> means{};
};

struct Catalog {
  std::vector<CatalogEntry> fee_codes;
  std::vector<CatalogEntry> facilities;
  std::vector<CatalogEntry> procedures;
};

// Upserts the catalogue and creates each fee code's revenue account, in one transaction; each facility's
// and procedure's means are replaced by the catalogue's (delete, then insert).
void load_catalog(pqxx::connection& connection, const Catalog& catalog);

// Creates the fixed accounts and each configured processor's accounts (idempotent).
void ensure_processor_accounts(pqxx::connection& connection, const std::vector<ProcessorId>& processors);

// Writes a webhook event for the owner's endpoints subscribed to it, inside the caller's transaction
// (the outbox): nothing when nobody listens.
void emit_event(pqxx::work& tx, const std::string& owner, std::string_view type, std::string_view object_type,
                const std::string& object_id);

// Runs one unit of work on a pooled connection; connection loss becomes StoreUnavailable.
template <class Work>
auto with_connection(ledger::pg::ConnectionPool& pool, Work&& work) {
  try {
    ledger::pg::Lease lease = pool.acquire();
    return work(*lease);
  } catch (const pqxx::broken_connection& error) {
    throw StoreUnavailable(std::string("database connection failed: ") + error.what());
  } catch (const ledger::pg::PoolExhausted& error) {
    throw StoreUnavailable(error.what());
  }
}

}  // namespace kessai::engine
