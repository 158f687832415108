-- Facility POS terminals (docs/pos-protocol.md): their identity, the payments and refunds they make,
-- offline uploads kessai refused, and day closes. Also the brand of every payment, for takings per brand.

-- Floor limits for payments a terminal takes while kessai cannot be reached; 0 = never offline.
alter table facilities
  add column card_floor_limit_yen   bigint not null default 0 check (card_floor_limit_yen >= 0),
  add column emoney_floor_limit_yen bigint not null default 0 check (emoney_floor_limit_yen >= 0);

-- The secret is kept (not hashed): an HMAC key must be known to both sides. Request sequence numbers are
-- accepted once each: the highest accepted and a bitmap of the 64 below it (bit i = highest - 1 - i used).
create table pos_terminals (
  id                text primary key check (id ~ '^term_[A-Za-z0-9]{16}$'),
  facility_id       text not null references facilities (id),
  name              text not null check (length(name) between 1 and 200),
  secret            text not null check (length(secret) >= 32),
  highest_sequence  bigint not null default 0,
  sequence_bitmap   bigint not null default 0,
  last_seen_at      timestamptz,
  created_at        timestamptz not null default now(),
  revoked_at        timestamptz
);
create index pos_terminals_facility on pos_terminals (facility_id);

-- A payment from a terminal: which terminal, its transaction number (recorded once), whether it was taken
-- offline and when the payer paid. brand: the card brand, e-money brand or QR wallet, when known.
-- An attempt that failed because the processor could not be reached charged nothing: it leaves the unique
-- index, so sending the transaction again (an offline upload retried later) makes a new attempt.
alter table payment_intents
  add column brand              text check (brand ~ '^[a-z_]{1,32}$'),
  add column terminal_id        text references pos_terminals (id),
  add column terminal_txn       bigint check (terminal_txn > 0),
  add column taken_offline      boolean not null default false,
  add column taken_at           timestamptz,
  add constraint payment_intents_terminal_txn check ((terminal_id is null) = (terminal_txn is null));
create unique index payment_intents_terminal_txn_unique on payment_intents (terminal_id, terminal_txn)
  where terminal_id is not null and coalesce(failure_code, '') <> 'processor_unavailable';
create index payment_intents_terminal_date on payment_intents (terminal_id, business_date)
  where terminal_id is not null;

alter table refunds
  add column terminal_id   text references pos_terminals (id),
  add column terminal_txn  bigint check (terminal_txn > 0),
  add constraint refunds_terminal_txn check ((terminal_id is null) = (terminal_txn is null));
create unique index refunds_terminal_txn_unique on refunds (terminal_id, terminal_txn)
  where terminal_id is not null;

-- Offline payments kessai did not forward (above the floor limit, QR offline, a reused number, ...): kept so
-- the terminal's numbering shows no gap and the clerk's upload report can be given again.
create table pos_refused_transactions (
  terminal_id   text not null references pos_terminals (id),
  terminal_txn  bigint not null check (terminal_txn > 0),
  reason        text not null,
  message       text not null,
  amount_yen    bigint not null,
  means         text not null,
  brand         text not null,
  taken_at      timestamptz,
  received_at   timestamptz not null default now(),
  primary key (terminal_id, terminal_txn)
);

-- Every day close attempt, with the terminal's totals and kessai's, and the verdict.
create table pos_day_closes (
  id               text primary key,
  terminal_id      text not null references pos_terminals (id),
  business_date    date not null,
  result           text not null check (result in ('match', 'mismatch')),
  terminal_totals  jsonb not null,
  kessai_totals    jsonb not null,
  differences      jsonb not null,
  pending_count    integer not null,
  gaps             jsonb not null,
  received_at      timestamptz not null default now()
);
create index pos_day_closes_terminal on pos_day_closes (terminal_id, business_date);
