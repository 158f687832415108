-- Nightly reconciliation (照合): the files read from the processors and the bank, every line of them and
-- the ledger item it settled, what each processor owes the bank from a file (its payout), and the
-- exceptions finance staff work through, with an audit trail of every resolution.
--
-- A ledger item is a journal that moved a processor's receivable: a capture (reference pi_…), a refund
-- (re_…) or a reversal (Pay-easy 取消, pi_…). A settlement line settles at most one item, and an item is
-- settled at most once: the unique indexes below refuse a second match whatever the client code does.

create table recon_files (
  id                  bigint generated always as identity primary key,
  file_name           text not null,
  sha256              text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  profile             text,
  content             text check (content in ('settlement', 'bank_statement')),
  processor_id        text,          -- a settlement file's processor; null for a bank statement
  business_date       date,          -- the date the file holds (a bank statement: its 勘定日)
  status              text not null check (status in ('accepted', 'rejected')),
  rejection_code      text,
  rejection_message   text,
  rejection_record    integer,
  lines               integer not null default 0,
  amount_total_yen    bigint not null default 0,
  fee_total_yen       bigint not null default 0,
  net_total_yen       bigint not null default 0,
  journal_id          bigint references journal_entries (id),
  path                text not null,
  received_at         timestamptz not null default now(),
  last_seen_at        timestamptz not null default now(),
  check ((status = 'rejected') = (rejection_code is not null))
);
-- The same bytes are accepted once; a file of the same name with other bytes is a different file and is
-- refused by the ingesting code (a processor re-sending a corrected file must say so by a new name).
create unique index recon_files_accepted_sha on recon_files (sha256) where status = 'accepted';
create unique index recon_files_accepted_name on recon_files (content, file_name) where status = 'accepted';
create unique index recon_files_rejected_sha on recon_files (sha256) where status = 'rejected';
create index recon_files_processor_date on recon_files (processor_id, business_date) where status = 'accepted';

create table settlement_lines (
  id                        bigint generated always as identity primary key,
  file_id                   bigint not null references recon_files (id),
  record                    integer not null,
  processor_id              text not null,
  business_date             date not null,  -- the file's
  kind                      text not null check (kind in ('sale', 'refund')),
  reference                 text not null,
  processor_transaction_id  text not null,
  merchant                  text not null,
  brand                     text not null default '',
  transacted_at             timestamptz not null,
  amount_yen                bigint not null,  -- signed: a refund's is negative
  fee_yen                   bigint not null,
  net_yen                   bigint not null,
  -- The ledger item the line settled (null: it settled none, and has an exception saying why), how it was
  -- found, and the item's own amount (signed as the receivable moves: a capture's positive).
  settles_journal_id        bigint references journal_entries (id),
  matched_by                text check (matched_by in ('reference', 'processor_transaction_id', 'fallback')),
  ledger_amount_yen         bigint not null default 0,
  payment_intent_id         text,             -- the payment the line is about, when known
  unique (file_id, record)
);
create unique index settlement_lines_settle_once on settlement_lines (settles_journal_id)
  where settles_journal_id is not null;
create index settlement_lines_payment on settlement_lines (payment_intent_id) where payment_intent_id is not null;
create index settlement_lines_processor_txn on settlement_lines (processor_id, processor_transaction_id);

create table bank_lines (
  id                bigint generated always as identity primary key,
  file_id           bigint not null references recon_files (id),
  record            integer not null,
  account_date      date not null,   -- 勘定日
  value_date        date not null,   -- 預入・払出日
  kind              text not null check (kind in ('deposit', 'withdrawal')),
  amount_yen        bigint not null, -- signed: a withdrawal's is negative
  inquiry_number    text not null,   -- 照会番号
  transaction_type  text not null,   -- 取引区分
  payer_code        text not null,
  payer_name        text not null,   -- 振込依頼人名, half-width katakana as the bank sends it
  description       text not null,
  processor_id      text,            -- whose payout it is, by the payer's name; null: nobody's we know
  journal_id        bigint references journal_entries (id),
  unique (file_id, record)
);

-- What a processor owes the bank from one accepted settlement file: the file's net, due on a bank
-- business day after its date, and the deposit that paid it.
create table recon_payouts (
  file_id        bigint primary key references recon_files (id),
  processor_id   text not null,
  business_date  date not null,
  due_date       date not null,
  net_yen        bigint not null,
  bank_line_id   bigint references bank_lines (id)
);
create index recon_payouts_open on recon_payouts (processor_id, due_date) where bank_line_id is null;

create table recon_exceptions (
  id                  bigint generated always as identity primary key,
  reason              text not null check (reason in ('missing_in_settlement', 'unknown_in_ledger',
                        'amount_mismatch', 'fee_mismatch', 'duplicate_settlement', 'settled_after_refund',
                        'deposit_mismatch', 'late_settlement')),
  -- What it is about, unique with the reason, so running the same night again finds it, not a second
  -- one: 'journal:<id>' (a ledger item), 'line:<id>' (a settlement line), 'payout:<file id>',
  -- 'deposit:<bank line id>'.
  subject             text not null,
  processor_id        text,
  business_date       date not null,
  reference           text,
  payment_intent_id   text,
  file_id             bigint references recon_files (id),
  settlement_line_id  bigint references settlement_lines (id),
  bank_line_id        bigint references bank_lines (id),
  expected_yen        bigint,
  actual_yen          bigint,
  suspense_yen        bigint not null default 0,  -- what the exception put on the suspense account (credit > 0)
  detail              text not null,
  status              text not null default 'open' check (status in ('open', 'resolved')),
  resolved_at         timestamptz,
  resolved_by         text,
  resolution_note     text,
  created_at          timestamptz not null default now(),
  unique (reason, subject),
  check ((status = 'resolved') = (resolved_at is not null))
);
create index recon_exceptions_open on recon_exceptions (business_date, id) where status = 'open';

-- Every change of an exception's state: who, when, and the note. Append-only, like the ledger.
create table recon_exception_audit (
  id            bigint generated always as identity primary key,
  exception_id  bigint not null references recon_exceptions (id),
  action        text not null check (action in ('opened', 'resolved', 'auto_resolved')),
  actor         text not null,
  note          text,
  at            timestamptz not null default now()
);
create index recon_exception_audit_exception on recon_exception_audit (exception_id, id);
create trigger recon_exception_audit_append_only before update or delete on recon_exception_audit
  for each row execute function kessai_refuse_change();

-- Every run of `kessai recon run`: the date, when, and what it found.
create table recon_runs (
  id             bigint generated always as identity primary key,
  business_date  date not null,
  started_at     timestamptz not null,
  finished_at    timestamptz not null default now(),
  summary        jsonb not null
);
