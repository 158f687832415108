-- bench/pgbench/batched.sql: 100 card payments per transaction, on kessai's own schema; each payment
-- is the same as in single.sql (its payment_intents row, its capture journal and two postings, every
-- trigger of the ledger run), but 100 of them share one commit and so one WAL flush.
--
-- Set-based: one statement writes the 100 intents, one more the 100 journals and their 200 postings
-- (a data-modifying CTE, as bench/recon seeds). That is how a group commit writes a batch it has
-- gathered (array parameters, one statement per table), and it measures the shared commit rather than
-- 300 round trips. Every row still goes through its constraints, indexes and triggers one by one.
-- Ids are random like kessai's and unique per client (:client_id, a random 62-bit number and the
-- payment's place g in the batch); a payment's amount is a function of its id, so both statements
-- agree on it without reading back: 100 to 30,000 yen in steps of 10. The account codes are written
-- E'assets\x3a...' (\x3a is ':'), as in single.sql: pgbench takes ':name' for a variable, in quotes too.
\set r random(1, 4611686018427387903)
begin;
insert into payment_intents (id, api_key_id, status, means, amount_yen, amount_captured_yen, currency,
                             fee_code, facility_id, capture_method, metadata, processor_id,
                             processor_reference, business_date, brand)
select payment.id, 'key_bench_pgbench', 'succeeded', 'card', payment.amount_yen, payment.amount_yen, 'JPY',
       'F001', 'FAC001', 'automatic', '{}', 'card-sim', 'ch_' || substr(md5('ch-' || payment.id), 1, 24),
       (now() at time zone 'Asia/Tokyo')::date, 'visa'
  from (select id, 10 * (10 + (hashtext(id) & 2147483647) % 2991)::bigint as amount_yen
          from (select 'pi_' || substr(md5(:client_id::text || '-' || :r::text || '-' || g), 1, 24) as id
                  from generate_series(1, 100) as g) as ids) as payment;
with journal as (
  insert into journal_entries (kind, reference, business_date)
  select 'capture', 'pi_' || substr(md5(:client_id::text || '-' || :r::text || '-' || g), 1, 24),
         (now() at time zone 'Asia/Tokyo')::date
    from generate_series(1, 100) as g
  returning id, reference)
insert into postings (journal_id, account_code, amount_yen)
select journal.id, leg.account_code,
       leg.sign * 10 * (10 + (hashtext(journal.reference) & 2147483647) % 2991)::bigint
  from journal
 cross join (values (E'assets\x3areceivable\x3acard-sim', 1), (E'revenue\x3afee\x3aF001', -1)) as leg(account_code, sign);
commit;
