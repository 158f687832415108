#include "kessai/engine/pg_store.hpp"

#include <cassert>

#include "kessai/engine/environment.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"

namespace kessai::engine {

namespace {

// Runs one unit of work, turning connection loss into StoreUnavailable for the caller.
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

std::optional<std::string> optional_text(const std::optional<FacilityId>& id) {
  return id ? std::optional<std::string>(id->str()) : std::nullopt;
}
std::optional<std::string> optional_text(const std::optional<ProcedureId>& id) {
  return id ? std::optional<std::string>(id->str()) : std::nullopt;
}
std::optional<std::string> nonempty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

template <class Id>
Id must_parse(const std::string& text) {
  std::optional<Id> id = Id::parse(text);
  assert(id.has_value() && "the database checks identifiers");
  return *id;
}

}  // namespace

CatalogLookup PgPaymentStore::lookup_catalog(const FeeCode& fee_code,
                                             const std::optional<FacilityId>& facility,
                                             const std::optional<ProcedureId>& procedure) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    const pqxx::result row = tx.exec_params(
        "select exists (select 1 from fee_codes where code = $1),"
        "       exists (select 1 from facilities where id = $2),"
        "       exists (select 1 from procedures where id = $3)",
        fee_code.str(), optional_text(facility), optional_text(procedure));
    return CatalogLookup{row[0][0].as<bool>(), row[0][1].as<bool>(), row[0][2].as<bool>()};
  });
}

void PgPaymentStore::insert_intent(const PaymentIntent& intent) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "insert into payment_intents (id, status, means, amount_yen, amount_captured_yen, currency, fee_code,"
        " facility_id, procedure_id, capture_method, description, metadata, processor_id, created_at, "
        "updated_at)"
        " values ($1, $2, $3, $4, $5, 'JPY', $6, $7, $8, $9, $10, $11::jsonb, $12, $13::timestamptz, "
        "$13::timestamptz)",
        intent.id, std::string(to_string(intent.status)), std::string(to_string(intent.means)),
        intent.amount.value(), intent.amount_captured.value(), intent.fee_code.str(),
        optional_text(intent.facility), optional_text(intent.procedure),
        std::string(to_string(intent.capture_method)), nonempty(intent.description), intent.metadata_json,
        intent.processor ? std::optional<std::string>(intent.processor->str()) : std::nullopt,
        format_utc(intent.created_at));
    tx.exec_params(
        "insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
        " values ($1, null, $2, 'created')",
        intent.id, std::string(to_string(intent.status)));
    tx.commit();
  });
}

void PgPaymentStore::record_transition(const PaymentIntent& intent, IntentStatus from,
                                       const std::optional<ledger::Journal>& journal,
                                       std::string_view detail) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    // The status guard makes the write conditional on nobody having moved the intent meanwhile.
    const pqxx::result updated = tx.exec_params(
        "update payment_intents set status = $2, amount_captured_yen = $3, processor_id = $4,"
        " processor_reference = $5, failure_code = $6, failure_message = $7, business_date = $8::date,"
        " updated_at = now() where id = $1 and status = $9",
        intent.id, std::string(to_string(intent.status)), intent.amount_captured.value(),
        intent.processor ? std::optional<std::string>(intent.processor->str()) : std::nullopt,
        nonempty(intent.processor_reference), nonempty(intent.failure_code), nonempty(intent.failure_message),
        intent.business_date ? std::optional<std::string>(ledger::format_date(*intent.business_date))
                             : std::nullopt,
        std::string(to_string(from)));
    if (updated.affected_rows() != 1) {
      throw std::logic_error("payment intent " + intent.id + " was not in status " +
                             std::string(to_string(from)));
    }
    tx.exec_params(
        "insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
        " values ($1, $2, $3, $4)",
        intent.id, std::string(to_string(from)), std::string(to_string(intent.status)), std::string(detail));
    if (journal) ledger::pg::insert_journal(tx, *journal);
    tx.commit();
  });
}

std::optional<PaymentIntent> PgPaymentStore::find_intent(const std::string& id) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<PaymentIntent> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows = tx.exec_params(
        "select id, status, means, amount_yen, amount_captured_yen, fee_code, facility_id, procedure_id,"
        " capture_method, coalesce(description, ''), metadata::text, processor_id,"
        " coalesce(processor_reference, ''), coalesce(failure_code, ''), coalesce(failure_message, ''),"
        " business_date::text, extract(epoch from created_at)::bigint"
        " from payment_intents where id = $1",
        id);
    if (rows.empty()) return std::nullopt;
    const pqxx::row row = rows[0];
    PaymentIntent intent{
        .id = row[0].as<std::string>(),
        .status = *parse_status(row[1].as<std::string>()),
        .means = *parse_means(row[2].as<std::string>()),
        .amount = Yen(row[3].as<std::int64_t>()),
        .amount_captured = Yen(row[4].as<std::int64_t>()),
        .fee_code = must_parse<FeeCode>(row[5].as<std::string>()),
        .facility = row[6].is_null()
                        ? std::nullopt
                        : std::optional<FacilityId>(must_parse<FacilityId>(row[6].as<std::string>())),
        .procedure = row[7].is_null()
                         ? std::nullopt
                         : std::optional<ProcedureId>(must_parse<ProcedureId>(row[7].as<std::string>())),
        .capture_method = *parse_capture_method(row[8].as<std::string>()),
        .description = row[9].as<std::string>(),
        .metadata_json = row[10].as<std::string>(),
        .processor = row[11].is_null()
                         ? std::nullopt
                         : std::optional<ProcessorId>(must_parse<ProcessorId>(row[11].as<std::string>())),
        .processor_reference = row[12].as<std::string>(),
        .failure_code = row[13].as<std::string>(),
        .failure_message = row[14].as<std::string>(),
        .business_date = row[15].is_null() ? std::nullopt : ledger::parse_date(row[15].as<std::string>()),
        .created_at = std::chrono::system_clock::time_point(std::chrono::seconds(row[16].as<std::int64_t>())),
    };
    return intent;
  });
}

void load_catalog(pqxx::connection& connection, const Catalog& catalog) {
  pqxx::work tx(connection);
  std::vector<ledger::chart::AccountDefinition> revenue_accounts;
  for (const CatalogEntry& fee : catalog.fee_codes) {
    const FeeCode code = must_parse<FeeCode>(fee.id);
    revenue_accounts.push_back(ledger::chart::revenue_account(code, fee.name));
  }
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  ledger::pg::ensure_accounts(tx, revenue_accounts);
  for (const auto& account : revenue_accounts) {
    tx.exec_params("update accounts set name = $2 where code = $1 and name <> $2", account.code.str(),
                   account.name);
  }
  for (const CatalogEntry& fee : catalog.fee_codes) {
    tx.exec_params(
        "insert into fee_codes (code, name, account_code) values ($1, $2, $3)"
        " on conflict (code) do update set name = excluded.name",
        fee.id, fee.name, ledger::chart::revenue(must_parse<FeeCode>(fee.id)).str());
  }
  for (const CatalogEntry& facility : catalog.facilities) {
    tx.exec_params(
        "insert into facilities (id, name) values ($1, $2) on conflict (id) do update set name = "
        "excluded.name",
        facility.id, facility.name);
  }
  for (const CatalogEntry& procedure : catalog.procedures) {
    tx.exec_params(
        "insert into procedures (id, name) values ($1, $2) on conflict (id) do update set name = "
        "excluded.name",
        procedure.id, procedure.name);
  }
  tx.commit();
}

void ensure_processor_accounts(pqxx::connection& connection, const std::vector<ProcessorId>& processors) {
  pqxx::work tx(connection);
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  for (const ProcessorId& processor : processors) {
    ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(processor));
  }
  tx.commit();
}

}  // namespace kessai::engine
