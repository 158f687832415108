#pragma once
// PosStore on PostgreSQL.

#include "kessai/engine/pos_store.hpp"
#include "kessai/ledger/pg/pool.hpp"

namespace kessai::engine {

class PgPosStore final : public PosStore {
 public:
  explicit PgPosStore(ledger::pg::ConnectionPool& pool) : pool_(pool) {}
  std::optional<PosTerminal> find_terminal(const std::string& id) override;
  SequenceClaim claim_sequence(const std::string& terminal_id, std::int64_t sequence) override;
  std::vector<std::pair<std::string, std::string>> fee_codes() override;
  std::int64_t highest_transaction(const std::string& terminal_id) override;
  std::vector<NumberRange> gaps(const std::string& terminal_id, std::int64_t up_to,
                                std::size_t limit) override;
  bool record_refused(const RefusedTransaction& refused) override;
  std::optional<RefusedTransaction> find_refused(const std::string& terminal_id,
                                                 std::int64_t transaction_number) override;
  DayTakings day_takings(const std::string& terminal_id, std::chrono::year_month_day date) override;
  void record_day_close(const DayCloseRecord& record) override;

 private:
  ledger::pg::ConnectionPool& pool_;
};

// --- Terminals, for the `kessai terminal` commands ------------------------------------------------

struct RegisteredTerminal {
  std::string id;  // "term_…"
  std::string facility_id;
  std::string facility_name;
  std::string secret;  // "pts_…"; shown once
};
// Registers a terminal for a facility; the error says what is wrong (unknown facility, bad name).
Result<RegisteredTerminal, std::string> register_terminal(pqxx::connection& connection,
                                                          const std::string& facility_id,
                                                          const std::string& name);
// False when there is no such unrevoked terminal.
bool revoke_terminal(pqxx::connection& connection, const std::string& terminal_id);

struct TerminalInfo {
  std::string id;
  std::string facility_id;
  std::string name;
  std::int64_t highest_sequence = 0;
  std::int64_t highest_transaction = 0;
  std::string last_seen_at;
  std::string created_at;
  std::string revoked_at;
};
std::vector<TerminalInfo> list_terminals(pqxx::connection& connection);

}  // namespace kessai::engine
