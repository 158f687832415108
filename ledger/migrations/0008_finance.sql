-- Finance staff (会計課): their API keys, their dashboard sessions, and the cashless means each facility and
-- online procedure has in place (the plan's 導入状況), which the cashless-status report and the dashboard show.

-- A key is for an application backend (charges and refunds under /v1/) or for finance staff (the reports
-- and the dashboard under /dashboard/). One key never does both.
alter table api_keys
  add column role text not null default 'backend' check (role in ('backend', 'finance'));

-- A dashboard login: the browser holds the token in an HttpOnly cookie; only its SHA-256 is kept here.
-- csrf_token must come back in a header with every change (resolving an exception).
create table dashboard_sessions (
  token_sha256  text primary key check (token_sha256 ~ '^[0-9a-f]{64}$'),
  api_key_id    text not null references api_keys (id),
  csrf_token    text not null check (length(csrf_token) between 32 and 128),
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  ended_at      timestamptz           -- logged out
);
create index dashboard_sessions_key on dashboard_sessions (api_key_id);

-- 市民利用施設 (citizen-use) or 庁内施設 (in-office): the plan counts them apart.
alter table facilities
  add column category text not null default 'citizen' check (category in ('citizen', 'office'));

-- The means a facility accepts at its counters, and from which date. A date after the report's is 導入予定
-- (planned); a means with no row is not planned.
create table facility_means (
  facility_id  text not null references facilities (id),
  means        text not null check (means in ('card', 'emoney', 'qr')),
  live_since   date not null,
  primary key (facility_id, means)
);

-- The same for online procedures: card and Pay-easy.
create table procedure_means (
  procedure_id  text not null references procedures (id),
  means         text not null check (means in ('card', 'payeasy')),
  live_since    date not null,
  primary key (procedure_id, means)
);
