#include "kessai/engine/pg_store.hpp"

#include <cassert>

#include "kessai/engine/environment.hpp"
#include "kessai/engine/group_commit.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "pg_params.hpp"

namespace kessai::engine {

using namespace store_params;

namespace {

template <class Id>
Id must_parse(const std::string& text) {
  std::optional<Id> id = Id::parse(text);
  assert(id.has_value() && "the database checks identifiers");
  return *id;
}

template <class Id>
std::optional<Id> optional_id(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : std::optional<Id>(must_parse<Id>(field.as<std::string>()));
}

std::chrono::system_clock::time_point from_epoch_micros(std::int64_t micros) {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(micros));
}

constexpr const char* kIntentColumns =
    "id, coalesce(api_key_id, ''), status, means, amount_yen, amount_captured_yen, amount_refunded_yen, "
    "fee_code,"
    " facility_id, procedure_id, capture_method, coalesce(description, ''), metadata::text, processor_id,"
    " coalesce(processor_reference, ''), coalesce(failure_code, ''), coalesce(failure_message, ''),"
    " coalesce(cancellation_reason, ''), business_date::text,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from payer_expires_at) * 1000000)::bigint, coalesce(payeasy_institution_number, ''),"
    " coalesce(payeasy_customer_number, ''), coalesce(payeasy_confirmation_number, ''),"
    " coalesce(jpqr_payload, ''), coalesce(brand, ''), terminal_id, terminal_txn, taken_offline,"
    " (extract(epoch from taken_at) * 1000000)::bigint";

std::optional<PosOrigin> pos_origin_from(const pqxx::row& row, int first) {
  if (row[first].is_null()) return std::nullopt;
  PosOrigin origin{.terminal_id = row[first].as<std::string>(),
                   .transaction_number = row[first + 1].as<std::int64_t>()};
  if (first + 2 < static_cast<int>(row.size()) && !row[first + 2].is_null()) {
    origin.offline = row[first + 2].as<bool>();
    if (!row[first + 3].is_null()) origin.taken_at = from_epoch_micros(row[first + 3].as<std::int64_t>());
  }
  return origin;
}

// Set once the processor issued a number or code, or (expires_at only) while it is being asked for.
std::optional<PayerInstructions> payer_instructions_from(const pqxx::row& row) {
  if (row[20].is_null()) return std::nullopt;
  return PayerInstructions{.institution_number = row[21].as<std::string>(),
                           .customer_number = row[22].as<std::string>(),
                           .confirmation_number = row[23].as<std::string>(),
                           .jpqr_payload = row[24].as<std::string>(),
                           .expires_at = from_epoch_micros(row[20].as<std::int64_t>())};
}

PaymentIntent intent_from_row(const pqxx::row& row) {
  return PaymentIntent{
      .id = row[0].as<std::string>(),
      .owner = row[1].as<std::string>(),
      .status = *parse_status(row[2].as<std::string>()),
      .means = *parse_means(row[3].as<std::string>()),
      .amount = Yen(row[4].as<std::int64_t>()),
      .amount_captured = Yen(row[5].as<std::int64_t>()),
      .amount_refunded = Yen(row[6].as<std::int64_t>()),
      .fee_code = must_parse<FeeCode>(row[7].as<std::string>()),
      .facility = optional_id<FacilityId>(row[8]),
      .procedure = optional_id<ProcedureId>(row[9]),
      .capture_method = *parse_capture_method(row[10].as<std::string>()),
      .description = row[11].as<std::string>(),
      .metadata_json = row[12].as<std::string>(),
      .processor = optional_id<ProcessorId>(row[13]),
      .processor_reference = row[14].as<std::string>(),
      .failure_code = row[15].as<std::string>(),
      .failure_message = row[16].as<std::string>(),
      .cancellation_reason = row[17].as<std::string>(),
      .idempotency_key = {},
      .business_date = row[18].is_null() ? std::nullopt : ledger::parse_date(row[18].as<std::string>()),
      .created_at = from_epoch_micros(row[19].as<std::int64_t>()),
      .payer_instructions = payer_instructions_from(row),
      .brand = row[25].as<std::string>(),
      .pos = pos_origin_from(row, 26),
  };
}

constexpr const char* kRefundColumns =
    "id, payment_intent_id, coalesce(api_key_id, ''), amount_yen, status, coalesce(reason, ''), "
    "metadata::text,"
    " coalesce(processor_reference, ''), coalesce(failure_code, ''), coalesce(failure_message, ''),"
    " business_date::text, (extract(epoch from created_at) * 1000000)::bigint, terminal_id, terminal_txn";

Refund refund_from_row(const pqxx::row& row) {
  return Refund{
      .id = row[0].as<std::string>(),
      .payment_intent_id = row[1].as<std::string>(),
      .owner = row[2].as<std::string>(),
      .amount = Yen(row[3].as<std::int64_t>()),
      .status = *parse_refund_status(row[4].as<std::string>()),
      .reason = row[5].as<std::string>(),
      .metadata_json = row[6].as<std::string>(),
      .processor_reference = row[7].as<std::string>(),
      .failure_code = row[8].as<std::string>(),
      .failure_message = row[9].as<std::string>(),
      .idempotency_key = {},
      .business_date = row[10].is_null() ? std::nullopt : ledger::parse_date(row[10].as<std::string>()),
      .created_at = from_epoch_micros(row[11].as<std::int64_t>()),
      .pos = pos_origin_from(row, 12),
  };
}

}  // namespace

void emit_event(pqxx::work& tx, const std::string& owner, std::string_view type, std::string_view object_type,
                const std::string& object_id) {
  if (owner.empty()) return;
  tx.exec_params(
      // Endpoints of a revoked key get nothing more.
      "with subscribed as (select w.id from webhook_endpoints w join api_keys k on k.id = w.api_key_id"
      "   where w.api_key_id = $1 and w.enabled and k.revoked_at is null and $2 = any(w.events)),"
      " event as (insert into webhook_events (id, api_key_id, type, object_type, object_id)"
      "  select 'evt_' || replace(gen_random_uuid()::text, '-', ''), $1, $2, $3, $4"
      "  where exists (select 1 from subscribed) returning id)"
      " insert into webhook_deliveries (event_id, endpoint_id, state)"
      " select event.id, subscribed.id, 'pending' from event, subscribed",
      owner, std::string(type), std::string(object_type), object_id);
}

CatalogLookup PgPaymentStore::lookup_catalog(const FeeCode& fee_code,
                                             const std::optional<FacilityId>& facility,
                                             const std::optional<ProcedureId>& procedure) {
  // `kessai catalog load` adds and renames, never removes: a combination found once stays valid, so only
  // unknown ones go to the database again (a code added while kessaid runs is found at once).
  const std::string cache_key = fee_code.str() + '\n' + optional_text(facility).value_or("") + '\n' +
                                optional_text(procedure).value_or("");
  {
    std::lock_guard lock(catalog_mutex_);
    if (known_catalog_.contains(cache_key)) {
      return CatalogLookup{true, facility.has_value(), procedure.has_value()};
    }
  }
  const CatalogLookup found = with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    const pqxx::result row = tx.exec_params(
        "select exists (select 1 from fee_codes where code = $1),"
        "       exists (select 1 from facilities where id = $2),"
        "       exists (select 1 from procedures where id = $3)",
        fee_code.str(), optional_text(facility), optional_text(procedure));
    return CatalogLookup{row[0][0].as<bool>(), row[0][1].as<bool>(), row[0][2].as<bool>()};
  });
  if (found.fee_code_known && found.facility_known == facility.has_value() &&
      found.procedure_known == procedure.has_value()) {
    std::lock_guard lock(catalog_mutex_);
    if (known_catalog_.size() < kKnownCatalogMax) known_catalog_.insert(cache_key);
  }
  return found;
}

void throw_insert_conflict(const PaymentIntent& intent) {
  if (intent.pos) throw ConcurrentUpdate("the terminal's transaction number was recorded first");
  if (!intent.idempotency_key.empty()) {
    throw IdempotencyKeyTaken("a request with the same Idempotency-Key created a payment intent first");
  }
  throw ConcurrentUpdate("payment intent " + intent.id + " exists already");
}

void insert_intent_in(pqxx::work& tx, const PaymentIntent& intent) {
  try {
    tx.exec_params(
        "insert into payment_intents (id, api_key_id, status, means, amount_yen, amount_captured_yen, "
        "currency,"
        " fee_code, facility_id, procedure_id, capture_method, description, metadata, processor_id, "
        "created_at,"
        " updated_at, idempotency_key, payer_expires_at, brand, terminal_id, terminal_txn, taken_offline,"
        " taken_at)"
        " values ($1, $2, $3, $4, $5, $6, 'JPY', $7, $8, $9, $10, $11, $12::jsonb, $13,"
        " to_timestamp($14::bigint / 1000000.0), now(), $15, to_timestamp($16::bigint / 1000000.0),"
        " $17, $18, $19, $20, to_timestamp($21::bigint / 1000000.0))",
        intent.id, nonempty(intent.owner), std::string(to_string(intent.status)),
        std::string(to_string(intent.means)), intent.amount.value(), intent.amount_captured.value(),
        intent.fee_code.str(), optional_text(intent.facility), optional_text(intent.procedure),
        std::string(to_string(intent.capture_method)), nonempty(intent.description), intent.metadata_json,
        optional_text(intent.processor), timestamp_param(intent.created_at), nonempty(intent.idempotency_key),
        payer_expires_param(intent), nonempty(intent.brand), pos_terminal(intent.pos), pos_number(intent.pos),
        intent.pos && intent.pos->offline,
        intent.pos && intent.pos->taken_at ? OptionalText(timestamp_param(*intent.pos->taken_at))
                                           : std::nullopt);
  } catch (const pqxx::unique_violation&) {
    throw_insert_conflict(intent);
  }
  tx.exec_params(
      "insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
      " values ($1, null, $2, 'created')",
      intent.id, std::string(to_string(intent.status)));
}

void PgPaymentStore::insert_intent(const PaymentIntent& intent) {
  if (committer_ != nullptr) return committer_->insert_intent(intent);
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    insert_intent_in(tx, intent);
    tx.commit();
  });
}

void record_transition_in(pqxx::work& tx, const PaymentIntent& intent, IntentStatus from,
                          const std::optional<ledger::Journal>& journal, std::string_view detail) {
  // The status guard makes the write conditional on nobody having moved the intent meanwhile.
  const pqxx::result updated = tx.exec_params(
      "update payment_intents set status = $2, amount_captured_yen = $3, processor_id = $4,"
      " processor_reference = $5, failure_code = $6, failure_message = $7, business_date = $8::date,"
      " cancellation_reason = $9, payer_expires_at = to_timestamp($11::bigint / 1000000.0),"
      " payeasy_institution_number = $12, payeasy_customer_number = $13,"
      " payeasy_confirmation_number = $14, jpqr_payload = $15,"
      // The brand may first be known from the processor's answer (a card paid over the API).
      " brand = coalesce($16, brand),"
      // A new status starts its own inquiries (a payment waiting for its payer is asked about too).
      " inquiry_attempts = case when status = $2 then inquiry_attempts else 0 end,"
      " next_inquiry_at = case when status = $2 then next_inquiry_at else null end,"
      " updated_at = now() where id = $1 and status = $10",
      intent.id, std::string(to_string(intent.status)), intent.amount_captured.value(),
      optional_text(intent.processor), nonempty(intent.processor_reference), nonempty(intent.failure_code),
      nonempty(intent.failure_message), optional_date(intent.business_date),
      nonempty(intent.cancellation_reason), std::string(to_string(from)), payer_expires_param(intent),
      payer_text(intent, &PayerInstructions::institution_number),
      payer_text(intent, &PayerInstructions::customer_number),
      payer_text(intent, &PayerInstructions::confirmation_number),
      payer_text(intent, &PayerInstructions::jpqr_payload), nonempty(intent.brand));
  if (updated.affected_rows() != 1) {
    throw ConcurrentUpdate("payment intent " + intent.id + " is no longer " + std::string(to_string(from)) +
                           "; another request changed it first");
  }
  tx.exec_params(
      "insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
      " values ($1, $2, $3, $4)",
      intent.id, std::string(to_string(from)), std::string(to_string(intent.status)), std::string(detail));
  if (journal) ledger::pg::insert_journal(tx, *journal);
  if (const std::optional<EventType> event = event_for(intent.status); event && intent.status != from) {
    emit_event(tx, intent.owner, to_string(*event), "payment_intent", intent.id);
  }
}

void PgPaymentStore::record_transition(const PaymentIntent& intent, IntentStatus from,
                                       const std::optional<ledger::Journal>& journal,
                                       std::string_view detail) {
  if (committer_ != nullptr) return committer_->record_transition(intent, from, journal, detail);
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    record_transition_in(tx, intent, from, journal, detail);
    tx.commit();
  });
}

std::optional<PaymentIntent> PgPaymentStore::find_intent(const std::string& id) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<PaymentIntent> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows =
        tx.exec_params(std::string("select ") + kIntentColumns + " from payment_intents where id = $1", id);
    if (rows.empty()) return std::nullopt;
    return intent_from_row(rows[0]);
  });
}

std::optional<PaymentIntent> PgPaymentStore::find_intent_by_idempotency_key(const std::string& owner,
                                                                            const std::string& key) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<PaymentIntent> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows =
        tx.exec_params(std::string("select ") + kIntentColumns +
                           " from payment_intents where api_key_id = $1 and idempotency_key = $2",
                       owner, key);
    if (rows.empty()) return std::nullopt;
    return intent_from_row(rows[0]);
  });
}

std::optional<PaymentIntent> PgPaymentStore::find_intent_by_terminal(const std::string& terminal_id,
                                                                     std::int64_t transaction_number) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<PaymentIntent> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows =
        tx.exec_params(std::string("select ") + kIntentColumns +
                           " from payment_intents where terminal_id = $1 and terminal_txn = $2"
                           // The live attempt first; else the last that failed unsent.
                           " order by coalesce(failure_code, '') = 'processor_unavailable', created_at desc"
                           " limit 1",
                       terminal_id, transaction_number);
    if (rows.empty()) return std::nullopt;
    return intent_from_row(rows[0]);
  });
}

std::optional<Refund> PgPaymentStore::find_refund_by_terminal(const std::string& terminal_id,
                                                              std::int64_t transaction_number) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<Refund> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows = tx.exec_params(std::string("select ") + kRefundColumns +
                                                 " from refunds where terminal_id = $1 and terminal_txn = $2",
                                             terminal_id, transaction_number);
    if (rows.empty()) return std::nullopt;
    return refund_from_row(rows[0]);
  });
}

std::optional<Refund> PgPaymentStore::find_refund_by_idempotency_key(const std::string& owner,
                                                                     const std::string& key) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<Refund> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows =
        tx.exec_params(std::string("select ") + kRefundColumns +
                           " from refunds where api_key_id = $1 and idempotency_key = $2",
                       owner, key);
    if (rows.empty()) return std::nullopt;
    return refund_from_row(rows[0]);
  });
}

IntentPage PgPaymentStore::list_intents(const IntentFilter& filter) {
  assert(!filter.owner.empty() && filter.limit > 0 && filter.limit <= kListLimitMax);
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    // Newest first; the cursor is (created_at, id) of the intent named by starting_after.
    const pqxx::result rows = tx.exec_params(
        std::string("select ") + kIntentColumns +
            " from payment_intents where api_key_id = $1"
            " and ($2::text is null or status = $2) and ($3::text is null or means = $3)"
            " and ($4::text is null or facility_id = $4) and ($5::text is null or procedure_id = $5)"
            " and ($6::text is null or (created_at, id) < (select created_at, id from payment_intents where "
            "id = $6))"
            " order by created_at desc, id desc limit $7",
        filter.owner, filter.status ? OptionalText(std::string(to_string(*filter.status))) : std::nullopt,
        filter.means ? OptionalText(std::string(to_string(*filter.means))) : std::nullopt,
        optional_text(filter.facility), optional_text(filter.procedure), nonempty(filter.starting_after),
        static_cast<std::int64_t>(filter.limit + 1));
    IntentPage page;
    for (const pqxx::row& row : rows) {
      if (page.items.size() == filter.limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(intent_from_row(row));
    }
    return page;
  });
}

void PgPaymentStore::reassign_processor(const std::string& id, const ProcessorId& processor) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result updated = tx.exec_params(
        "update payment_intents set processor_id = $2, updated_at = now() where id = $1 and status = "
        "'processing'",
        id, processor.str());
    if (updated.affected_rows() != 1)
      throw ConcurrentUpdate("payment intent " + id + " is no longer processing");
    tx.exec_params(
        "insert into payment_intent_events (payment_intent_id, from_status, to_status, detail)"
        " values ($1, 'processing', 'processing', $2)",
        id, "falls back to " + processor.str());
    tx.commit();
  });
}

namespace {

// The intents a background pass should look at: `condition` over payment_intents, $1 the minimum age in
// ms, $2 the limit.
std::vector<PaymentIntent> due_intents(ledger::pg::ConnectionPool& pool, std::string_view condition,
                                       std::chrono::milliseconds min_age, std::size_t limit) {
  return with_connection(pool, [&](pqxx::connection& connection) {
    pqxx::read_transaction tx(connection);
    std::vector<PaymentIntent> due;
    for (const pqxx::row& row :
         tx.exec_params(std::string("select ") + kIntentColumns + " from payment_intents where " +
                            std::string(condition) + " limit $2",
                        static_cast<std::int64_t>(min_age.count()), static_cast<std::int64_t>(limit))) {
      due.push_back(intent_from_row(row));
    }
    return due;
  });
}

}  // namespace

std::vector<PaymentIntent> PgPaymentStore::due_for_inquiry(std::chrono::milliseconds min_age,
                                                           std::size_t limit) {
  return due_intents(pool_,
                     "status = 'processing'"
                     " and updated_at < now() - make_interval(secs => $1::double precision / 1000)"
                     " and (next_inquiry_at is null or next_inquiry_at <= now())"
                     " order by updated_at",
                     min_age, limit);
}

std::vector<PaymentIntent> PgPaymentStore::due_awaiting_payer(std::chrono::milliseconds min_age,
                                                              std::size_t limit) {
  return due_intents(pool_,
                     "status = 'requires_payment'"
                     " and (payer_expires_at <= now() or coalesce(next_inquiry_at,"
                     "      updated_at + make_interval(secs => $1::double precision / 1000)) <= now())"
                     " order by payer_expires_at",
                     min_age, limit);
}

bool PgPaymentStore::record_notice(const NoticeRecord& notice) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    // xmax is 0 on a row this statement inserted, and set on one it updated (a repeat).
    const pqxx::result row = tx.exec_params(
        "insert into processor_notices (processor_id, notice_id, kind, payment_intent_id, amount_yen,"
        " occurred_at, outcome, detail) values ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000000.0), "
        "$7, $8)"
        " on conflict (processor_id, notice_id) do update set received_count = "
        "processor_notices.received_count + 1,"
        " last_received_at = now() returning (xmax = 0)",
        notice.processor_id, notice.notice_id, notice.kind, notice.payment_id, notice.amount.value(),
        timestamp_param(notice.occurred_at), std::string(to_string(notice.outcome)), nonempty(notice.detail));
    tx.commit();
    return row[0][0].as<bool>();
  });
}

void PgPaymentStore::postpone_inquiry(const std::string& id, std::chrono::seconds base,
                                      std::chrono::seconds max) {
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec_params(
        "update payment_intents set inquiry_attempts = inquiry_attempts + 1,"
        " next_inquiry_at = now() + make_interval(secs => least($3::double precision,"
        "   $2::double precision * power(2, least(inquiry_attempts, 16))))"
        " where id = $1 and status in ('processing', 'requires_payment')",
        id, static_cast<std::int64_t>(base.count()), static_cast<std::int64_t>(max.count()));
    tx.commit();
  });
}

RefundReservation PgPaymentStore::reserve_refund(Refund& refund, Yen& available) {
  return with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    // The row lock serialises refunds of one intent. The sum is read in a second statement: under READ
    // COMMITTED each statement takes a new snapshot, so it sees refunds committed while this one waited
    // for the lock (one statement with FOR UPDATE would still sum from its old snapshot).
    const pqxx::result locked =
        tx.exec_params("select 1 from payment_intents where id = $1 for update", refund.payment_intent_id);
    if (locked.empty()) return RefundReservation::not_refundable;
    const pqxx::result rows = tx.exec_params(
        "select status, amount_captured_yen - amount_refunded_yen -"
        "  coalesce((select sum(amount_yen) from refunds where payment_intent_id = $1 and status = "
        "'pending'), 0)"
        " from payment_intents where id = $1",
        refund.payment_intent_id);
    if (rows.empty() || rows[0][0].as<std::string>() != "succeeded") return RefundReservation::not_refundable;
    available = Yen(rows[0][1].as<std::int64_t>());
    if (refund.amount.is_zero()) refund.amount = available;
    if (!refund.amount.is_positive() || refund.amount > available) return RefundReservation::exceeds;
    try {
      tx.exec_params(
          "insert into refunds (id, payment_intent_id, api_key_id, amount_yen, status, reason, metadata, "
          "created_at,"
          " idempotency_key, terminal_id, terminal_txn)"
          " values ($1, $2, $3, $4, 'pending', $5, $6::jsonb, to_timestamp($7::bigint / 1000000.0), $8, $9,"
          " $10)",
          refund.id, refund.payment_intent_id, nonempty(refund.owner), refund.amount.value(),
          nonempty(refund.reason), refund.metadata_json, timestamp_param(refund.created_at),
          nonempty(refund.idempotency_key), pos_terminal(refund.pos), pos_number(refund.pos));
    } catch (const pqxx::unique_violation&) {
      throw ConcurrentUpdate(refund.pos ? "the terminal's transaction number was recorded first"
                                        : "a request with the same Idempotency-Key created a refund first");
    }
    tx.commit();
    return RefundReservation::reserved;
  });
}

void PgPaymentStore::record_refund(const Refund& refund, const std::optional<ledger::Journal>& journal) {
  assert(refund.status != RefundStatus::pending);
  with_connection(pool_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    const pqxx::result updated = tx.exec_params(
        "update refunds set status = $2, processor_reference = $3, failure_code = $4, failure_message = $5,"
        " business_date = $6::date, updated_at = now() where id = $1 and status = 'pending'",
        refund.id, std::string(to_string(refund.status)), nonempty(refund.processor_reference),
        nonempty(refund.failure_code), nonempty(refund.failure_message), optional_date(refund.business_date));
    if (updated.affected_rows() != 1) throw ConcurrentUpdate("refund " + refund.id + " is no longer pending");
    if (refund.status == RefundStatus::succeeded) {
      tx.exec_params(
          "update payment_intents set amount_refunded_yen = amount_refunded_yen + $2, updated_at = now()"
          " where id = $1",
          refund.payment_intent_id, refund.amount.value());
    }
    if (journal) ledger::pg::insert_journal(tx, *journal);
    const EventType event =
        refund.status == RefundStatus::succeeded ? EventType::refund_succeeded : EventType::refund_failed;
    emit_event(tx, refund.owner, to_string(event), "refund", refund.id);
    tx.commit();
  });
}

std::optional<Refund> PgPaymentStore::find_refund(const std::string& id) {
  return with_connection(pool_, [&](pqxx::connection& connection) -> std::optional<Refund> {
    pqxx::read_transaction tx(connection);
    const pqxx::result rows =
        tx.exec_params(std::string("select ") + kRefundColumns + " from refunds where id = $1", id);
    if (rows.empty()) return std::nullopt;
    return refund_from_row(rows[0]);
  });
}

namespace {

// The catalogue says every means a place has: what it no longer lists is gone, a changed date replaced.
// Table and column names are this file's constants, never input.
void replace_means(pqxx::work& tx, std::string_view table, std::string_view id_column,
                   const CatalogEntry& place) {
  tx.exec_params("delete from " + std::string(table) + " where " + std::string(id_column) + " = $1",
                 place.id);
  for (const MeansLiveSince& means : place.means) {
    tx.exec_params("insert into " + std::string(table) + " (" + std::string(id_column) +
                       ", means, live_since) values ($1, $2, $3::date)",
                   place.id, means.means, ledger::format_date(means.live_since));
  }
}

}  // namespace

void load_catalog(pqxx::connection& connection, const Catalog& catalog) {
  pqxx::work tx(connection);
  std::vector<ledger::chart::AccountDefinition> revenue_accounts;
  for (const CatalogEntry& fee : catalog.fee_codes) {
    revenue_accounts.push_back(ledger::chart::revenue_account(must_parse<FeeCode>(fee.id), fee.name));
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
        "insert into facilities (id, name, card_floor_limit_yen, emoney_floor_limit_yen, category)"
        " values ($1, $2, $3, $4, $5)"
        " on conflict (id) do update set name = excluded.name, card_floor_limit_yen = "
        "excluded.card_floor_limit_yen,"
        " emoney_floor_limit_yen = excluded.emoney_floor_limit_yen, category = excluded.category",
        facility.id, facility.name, facility.card_floor_limit_yen, facility.emoney_floor_limit_yen,
        facility.category);
    replace_means(tx, "facility_means", "facility_id", facility);
  }
  for (const CatalogEntry& procedure : catalog.procedures) {
    tx.exec_params(
        "insert into procedures (id, name) values ($1, $2) on conflict (id) do update set name = "
        "excluded.name",
        procedure.id, procedure.name);
    replace_means(tx, "procedure_means", "procedure_id", procedure);
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
