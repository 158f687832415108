-- The catalogue of what can be charged and where, and the payment intents themselves.

create table fee_codes (
  code          text primary key check (code ~ '^[A-Za-z0-9_-]{1,64}$'),
  name          text not null,
  account_code  text not null references accounts (code)
);

create table facilities (
  id    text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name  text not null
);

create table procedures (
  id    text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name  text not null
);

create table payment_intents (
  id                   text primary key,
  status               text not null check (status in ('requires_confirmation', 'requires_payment',
                         'processing', 'requires_capture', 'succeeded', 'canceled', 'failed', 'expired')),
  means                text not null check (means in ('card', 'emoney', 'qr', 'payeasy')),
  amount_yen           bigint not null check (amount_yen > 0),
  amount_captured_yen  bigint not null default 0,
  currency             text not null check (currency = 'JPY'),
  fee_code             text not null references fee_codes (code),
  facility_id          text references facilities (id),
  procedure_id         text references procedures (id),
  capture_method       text not null check (capture_method in ('automatic', 'manual')),
  description          text,
  metadata             jsonb not null default '{}',
  processor_id         text,
  processor_reference  text,
  failure_code         text,
  failure_message      text,
  business_date        date,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  check ((facility_id is null) <> (procedure_id is null)),
  check (amount_captured_yen between 0 and amount_yen)
);
create index payment_intents_created on payment_intents (created_at, id);

-- Every status change, for audit and for the operator asking "what happened to pi_…?".
create table payment_intent_events (
  id                 bigint generated always as identity primary key,
  payment_intent_id  text not null references payment_intents (id),
  from_status        text,
  to_status          text not null,
  detail             text,
  at                 timestamptz not null default now()
);
create index payment_intent_events_intent on payment_intent_events (payment_intent_id, id);
