-- Payments that wait for the payer (Pay-easy numbers, merchant-presented JPQR codes), the reversal of a
-- cleared payment (Pay-easy 取消), and the notices processors send about them.
alter table payment_intents drop constraint payment_intents_status_check;
alter table payment_intents add constraint payment_intents_status_check
  check (status in ('requires_confirmation', 'requires_payment', 'processing', 'requires_capture',
                    'succeeded', 'canceled', 'failed', 'expired', 'reversed'));

alter table payment_intents
  add column payer_expires_at            timestamptz,
  add column payeasy_institution_number  text check (payeasy_institution_number ~ '^[0-9]{5}$'),
  add column payeasy_customer_number     text check (payeasy_customer_number ~ '^[0-9]{16,20}$'),
  add column payeasy_confirmation_number text check (payeasy_confirmation_number ~ '^[0-9]{4,6}$'),
  add column jpqr_payload                text check (length(jpqr_payload) <= 2331);
create index payment_intents_awaiting_payer on payment_intents (payer_expires_at)
  where status = 'requires_payment';
-- Finance staff and reconciliation look payments up by the number the payer paid.
create index payment_intents_payeasy_customer on payment_intents (payeasy_customer_number)
  where payeasy_customer_number is not null;

-- Every notice a processor sent, once per (processor, notice id) however often it was sent: what it said
-- and what kessai did with it. Applying a notice is idempotent by the intent's status; this is the audit.
create table processor_notices (
  processor_id       text not null,
  notice_id          text not null check (length(notice_id) between 1 and 255),
  kind               text not null check (kind in ('paid', 'reversed')),
  payment_intent_id  text not null,
  amount_yen         bigint not null,
  occurred_at        timestamptz not null,
  outcome            text not null check (outcome in ('applied', 'already_applied', 'conflict', 'unknown_payment')),
  detail             text,
  received_count     integer not null default 1,
  first_received_at  timestamptz not null default now(),
  last_received_at   timestamptz not null default now(),
  primary key (processor_id, notice_id)
);
create index processor_notices_intent on processor_notices (payment_intent_id);
