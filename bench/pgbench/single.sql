-- bench/pgbench/single.sql: one card payment per transaction, on kessai's own schema (a database made by
-- `kessai migrate`, with the catalogue and accounts bench/run seeds). A payment is what kessai keeps
-- of a card payment captured automatically: its payment_intents row (succeeded, captured in full) and
-- its capture journal, Dr assets:receivable:card-sim, Cr revenue:fee:F001, as
-- ledger/src/posting_rules.cpp books it. The ledger's triggers run as they do for kessai: the journal
-- is stamped, the postings checked open, the journal checked balanced at commit.
--
-- Three statements as kessai sends them (the intent; the journal, returning its id; its postings),
-- then the commit: each payment waits for its own WAL flush. Run with -M extended, kessai's protocol.
-- Ids are random like kessai's ("pi_" and 24 characters) and unique per client: :client_id and a
-- random 62-bit number. Amounts are 100 to 30,000 yen in steps of 10.
-- The account codes are written E'assets\x3a...' (\x3a is ':'): with -M extended pgbench takes every
-- ':name' in the text for a variable, inside quotes too.
\set r random(1, 4611686018427387903)
\set amount 10 * random(10, 3000)
begin;
insert into payment_intents (id, api_key_id, status, means, amount_yen, amount_captured_yen, currency,
                             fee_code, facility_id, capture_method, metadata, processor_id,
                             processor_reference, business_date, brand)
values ('pi_' || substr(md5(:client_id::text || '-' || :r::text), 1, 24), 'key_bench_pgbench', 'succeeded',
        'card', :amount::bigint, :amount::bigint, 'JPY', 'F001', 'FAC001', 'automatic', '{}', 'card-sim',
        'ch_' || substr(md5('ch-' || :client_id::text || '-' || :r::text), 1, 24),
        (now() at time zone 'Asia/Tokyo')::date, 'visa');
insert into journal_entries (kind, reference, business_date)
values ('capture', 'pi_' || substr(md5(:client_id::text || '-' || :r::text), 1, 24),
        (now() at time zone 'Asia/Tokyo')::date)
returning id as journal_id \gset
insert into postings (journal_id, account_code, amount_yen)
values (:journal_id::bigint, E'assets\x3areceivable\x3acard-sim', :amount::bigint),
       (:journal_id::bigint, E'revenue\x3afee\x3aF001', -(:amount::bigint));
commit;
