#include "kessai/engine/pg_pos_store.hpp"

#include "kessai/engine/pg_store.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/runtime/crypto.hpp"

namespace kessai::engine {

namespace {

constexpr std::size_t kTerminalIdChars = 16;
constexpr std::size_t kTerminalSecretChars = 40;

// Every transaction number a terminal has used: its payments, its refunds, and offline payments refused.
constexpr const char* kSeenNumbers =
    "select terminal_txn as n from payment_intents where terminal_id = $1"
    " union all select terminal_txn from refunds where terminal_id = $1"
    " union all select terminal_txn from pos_refused_transactions where terminal_id = $1";

std::optional<std::string> timestamp_micros(
    const std::optional<std::chrono::system_clock::time_point>& time) {
  if (!time) return std::nullopt;
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(time->time_since_epoch()).count());
}

}  // namespace

std::optional<PosTerminal> PgPosStore::find_terminal(const std::string& id) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<PosTerminal> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows = tx.exec_params(
        "select t.id, t.name, t.facility_id, f.name, t.secret, t.revoked_at is not null, t.highest_sequence,"
        " f.card_floor_limit_yen, f.emoney_floor_limit_yen"
        " from pos_terminals t join facilities f on f.id = t.facility_id where t.id = $1",
        id);
    if (rows.empty()) return std::nullopt;
    const pqxx::row row = rows[0];
    return PosTerminal{.id = row[0].as<std::string>(),
                       .name = row[1].as<std::string>(),
                       .facility_id = row[2].as<std::string>(),
                       .facility_name = row[3].as<std::string>(),
                       .secret = row[4].as<std::string>(),
                       .revoked = row[5].as<bool>(),
                       .highest_sequence = row[6].as<std::int64_t>(),
                       .card_floor_limit = Yen(row[7].as<std::int64_t>()),
                       .emoney_floor_limit = Yen(row[8].as<std::int64_t>())};
  });
}

SequenceClaim PgPosStore::claim_sequence(const std::string& terminal_id, std::int64_t sequence) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result rows = tx.exec_params(
        "select highest_sequence, sequence_bitmap from pos_terminals where id = $1 for update", terminal_id);
    if (rows.empty()) return SequenceClaim::out_of_window;
    SequenceWindow window{.highest = rows[0][0].as<std::int64_t>(),
                          .below = static_cast<std::uint64_t>(rows[0][1].as<std::int64_t>())};
    const SequenceClaim claim = window.claim(sequence);
    if (claim == SequenceClaim::accepted) {
      tx.exec_params(
          "update pos_terminals set highest_sequence = $2, sequence_bitmap = $3, last_seen_at = now()"
          " where id = $1",
          terminal_id, window.highest, static_cast<std::int64_t>(window.below));
    }
    tx.commit();
    return claim;
  });
}

std::vector<std::pair<std::string, std::string>> PgPosStore::fee_codes() {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    std::vector<std::pair<std::string, std::string>> codes;
    for (const auto& row : tx.exec("select code, name from fee_codes order by code"))
      codes.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    return codes;
  });
}

std::int64_t PgPosStore::highest_transaction(const std::string& terminal_id) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    return tx
        .exec_params(std::string("select coalesce(max(n), 0) from (") + kSeenNumbers + ") seen",
                     terminal_id)[0][0]
        .as<std::int64_t>();
  });
}

std::vector<NumberRange> PgPosStore::gaps(const std::string& terminal_id, std::int64_t up_to,
                                          std::size_t limit) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    // Each seen number (and 0, and up_to + 1 as fences) with the next one: a step of more than one is a gap.
    const pqxx::result rows = tx.exec_params(
        std::string("select n + 1, next - 1 from (select n, lead(n) over (order by n) as next from ("
                    " select 0::bigint as n union select n from (") +
            kSeenNumbers +
            ") seen where n <= $2 union select $2 + 1) fenced) steps"
            " where next > n + 1 order by n limit $3",
        terminal_id, up_to, static_cast<std::int64_t>(limit));
    std::vector<NumberRange> ranges;
    for (const auto& row : rows) ranges.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>()});
    return ranges;
  });
}

bool PgPosStore::record_refused(const RefusedTransaction& refused) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result inserted = tx.exec_params(
        "insert into pos_refused_transactions (terminal_id, terminal_txn, reason, message, amount_yen, means,"
        " brand, taken_at) values ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::bigint / 1000000.0))"
        " on conflict do nothing",
        refused.terminal_id, refused.transaction_number, refused.reason, refused.message,
        refused.amount.value(), std::string(to_string(refused.means)), refused.brand,
        timestamp_micros(refused.taken_at));
    tx.commit();
    return inserted.affected_rows() == 1;
  });
}

std::optional<RefusedTransaction> PgPosStore::find_refused(const std::string& terminal_id,
                                                           std::int64_t transaction_number) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<RefusedTransaction> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows = tx.exec_params(
        "select reason, message, amount_yen, means, brand from pos_refused_transactions"
        " where terminal_id = $1 and terminal_txn = $2",
        terminal_id, transaction_number);
    if (rows.empty()) return std::nullopt;
    return RefusedTransaction{.terminal_id = terminal_id,
                              .transaction_number = transaction_number,
                              .reason = rows[0][0].as<std::string>(),
                              .message = rows[0][1].as<std::string>(),
                              .amount = Yen(rows[0][2].as<std::int64_t>()),
                              .means = parse_means(rows[0][3].as<std::string>()).value_or(Means::card),
                              .brand = rows[0][4].as<std::string>()};
  });
}

DayTakings PgPosStore::day_takings(const std::string& terminal_id, std::chrono::year_month_day date) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    // Payments by the terminal that took them and the day they were taken; refunds by the terminal that
    // made them and the day they were made, under the means and brand of the payment refunded.
    const pqxx::result rows = tx.exec_params(
        "select means, brand, sum(payments), sum(paid), sum(refunds), sum(refunded) from ("
        "  select means, coalesce(brand, '') as brand, count(*) as payments, sum(amount_captured_yen) as "
        "paid,"
        "         0 as refunds, 0 as refunded"
        "  from payment_intents where terminal_id = $1 and business_date = $2::date and amount_captured_yen "
        "> 0"
        "    and status in ('succeeded', 'reversed')"
        "  group by 1, 2"
        "  union all"
        "  select i.means, coalesce(i.brand, ''), 0, 0, count(*), sum(r.amount_yen)"
        "  from refunds r join payment_intents i on i.id = r.payment_intent_id"
        "  where r.terminal_id = $1 and r.business_date = $2::date and r.status = 'succeeded'"
        "  group by 1, 2) t"
        " group by 1, 2 order by 1, 2",
        terminal_id, ledger::format_date(date));
    DayTakings day;
    for (const auto& row : rows) {
      day.takings.push_back(Takings{.means = parse_means(row[0].as<std::string>()).value_or(Means::card),
                                    .brand = row[1].as<std::string>(),
                                    .payment_count = row[2].as<std::int64_t>(),
                                    .payment_amount = Yen(row[3].as<std::int64_t>()),
                                    .refund_count = row[4].as<std::int64_t>(),
                                    .refund_amount = Yen(row[5].as<std::int64_t>())});
    }
    day.pending_count =
        tx.exec_params(
              "select (select count(*) from payment_intents where terminal_id = $1 and status = 'processing')"
              " + (select count(*) from refunds where terminal_id = $1 and status = 'pending')",
              terminal_id)[0][0]
            .as<std::int64_t>();
    return day;
  });
}

void PgPosStore::record_day_close(const DayCloseRecord& record) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "insert into pos_day_closes (id, terminal_id, business_date, result, terminal_totals, kessai_totals,"
        " differences, pending_count, gaps) values ($1, $2, $3::date, $4, $5::jsonb, $6::jsonb, $7::jsonb, "
        "$8,"
        " $9::jsonb)",
        record.id, record.terminal_id, ledger::format_date(record.business_date),
        std::string(record.match ? "match" : "mismatch"), record.terminal_totals_json,
        record.kessai_totals_json, record.differences_json, record.pending_count, record.gaps_json);
    tx.commit();
  });
}

Result<RegisteredTerminal, std::string> register_terminal(pqxx::connection& connection,
                                                          const std::string& facility_id,
                                                          const std::string& name) {
  if (name.empty() || name.size() > 200) return fail("the name must be 1-200 bytes");
  pqxx::work tx(connection);
  const pqxx::result facility = tx.exec_params("select name from facilities where id = $1", facility_id);
  if (facility.empty()) {
    return fail("no facility '" + facility_id + "' in the catalogue (load it with `kessai catalog load`)");
  }
  RegisteredTerminal terminal{.id = "term_" + runtime::random_token(kTerminalIdChars),
                              .facility_id = facility_id,
                              .facility_name = facility[0][0].as<std::string>(),
                              .secret = "pts_" + runtime::random_token(kTerminalSecretChars)};
  tx.exec_params("insert into pos_terminals (id, facility_id, name, secret) values ($1, $2, $3, $4)",
                 terminal.id, facility_id, name, terminal.secret);
  tx.commit();
  return terminal;
}

bool revoke_terminal(pqxx::connection& connection, const std::string& terminal_id) {
  pqxx::work tx(connection);
  const pqxx::result updated = tx.exec_params(
      "update pos_terminals set revoked_at = now() where id = $1 and revoked_at is null", terminal_id);
  tx.commit();
  return updated.affected_rows() == 1;
}

std::vector<TerminalInfo> list_terminals(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::vector<TerminalInfo> terminals;
  const pqxx::result rows = tx.exec(
      "select t.id, t.facility_id, t.name, t.highest_sequence,"
      " greatest((select max(terminal_txn) from payment_intents p where p.terminal_id = t.id),"
      "          (select max(terminal_txn) from refunds r where r.terminal_id = t.id),"
      "          (select max(terminal_txn) from pos_refused_transactions x where x.terminal_id = t.id), 0),"
      " coalesce(to_char(t.last_seen_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
      " to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
      " coalesce(to_char(t.revoked_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
      " from pos_terminals t order by t.facility_id, t.created_at, t.id");
  for (const auto& row : rows) {
    terminals.push_back(TerminalInfo{.id = row[0].as<std::string>(),
                                     .facility_id = row[1].as<std::string>(),
                                     .name = row[2].as<std::string>(),
                                     .highest_sequence = row[3].as<std::int64_t>(),
                                     .highest_transaction = row[4].as<std::int64_t>(),
                                     .last_seen_at = row[5].as<std::string>(),
                                     .created_at = row[6].as<std::string>(),
                                     .revoked_at = row[7].as<std::string>()});
  }
  return terminals;
}

}  // namespace kessai::engine
