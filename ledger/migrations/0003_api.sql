-- The API for application backends: keys, idempotency, refunds, webhooks.

-- API keys: the secret is never stored, only its SHA-256 (keys are long random strings, so a plain
-- hash is enough). Each key is scoped to the facilities and procedures it may charge.
create table api_keys (
  id             text primary key,
  name           text not null check (length(name) between 1 and 200),
  secret_sha256  bytea not null check (length(secret_sha256) = 32),
  scope_all      boolean not null default false,
  facility_ids   text[] not null default '{}',
  procedure_ids  text[] not null default '{}',
  created_at     timestamptz not null default now(),
  revoked_at     timestamptz
);

-- idempotency_key is the Idempotency-Key of the request that created the row, written in the same
-- transaction: a retry after a crash finds the object instead of creating a second one.
alter table payment_intents
  add column api_key_id text references api_keys (id),
  add column idempotency_key text,
  add column amount_refunded_yen bigint not null default 0,
  add column cancellation_reason text,
  add constraint payment_intents_refunded_within_captured
    check (amount_refunded_yen between 0 and amount_captured_yen);
create index payment_intents_owner_created on payment_intents (api_key_id, created_at desc, id desc);
create unique index payment_intents_idempotency on payment_intents (api_key_id, idempotency_key)
  where idempotency_key is not null;

create table refunds (
  id                   text primary key,
  payment_intent_id    text not null references payment_intents (id),
  api_key_id           text references api_keys (id),
  idempotency_key      text,
  amount_yen           bigint not null check (amount_yen > 0),
  status               text not null check (status in ('pending', 'succeeded', 'failed')),
  reason               text,
  metadata             jsonb not null default '{}',
  processor_reference  text,
  failure_code         text,
  failure_message      text,
  business_date        date,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);
create index refunds_intent on refunds (payment_intent_id);
create unique index refunds_idempotency on refunds (api_key_id, idempotency_key) where idempotency_key is not null;

-- The first response to each (key, Idempotency-Key) is kept and replayed; in_flight rows make a
-- concurrent duplicate wait for the first instead of executing twice. Rows older than the retention
-- period (48 h) are deleted by kessaid. Objects a request created carry its key themselves (above).
create table idempotency_keys (
  api_key_id             text not null,
  key                    text not null check (length(key) between 1 and 255),
  request_fingerprint    text not null,
  state                  text not null check (state in ('in_flight', 'done')),
  response_status        integer,
  response_content_type  text,
  response_body          text,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  primary key (api_key_id, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

create table webhook_endpoints (
  id          text primary key,
  api_key_id  text not null references api_keys (id),
  url         text not null,
  events      text[] not null,
  secret      text not null,
  enabled     boolean not null default true,
  created_at  timestamptz not null default now()
);
create index webhook_endpoints_owner on webhook_endpoints (api_key_id);

-- The outbox: events are written in the same transaction as the state change they announce, with one
-- delivery per subscribed endpoint. The dispatcher re-reads the object's current state when it sends.
create table webhook_events (
  id           text primary key,
  api_key_id   text not null references api_keys (id),
  type         text not null,
  object_type  text not null check (object_type in ('payment_intent', 'refund')),
  object_id    text not null,
  created_at   timestamptz not null default now()
);

create table webhook_deliveries (
  id               bigint generated always as identity primary key,
  event_id         text not null references webhook_events (id),
  endpoint_id      text not null references webhook_endpoints (id),
  state            text not null check (state in ('pending', 'delivered', 'dead')),
  attempts         integer not null default 0,
  next_attempt_at  timestamptz not null default now(),
  last_status      integer,
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz not null default now(),
  unique (event_id, endpoint_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'pending';
