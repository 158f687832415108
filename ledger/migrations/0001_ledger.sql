-- The double-entry ledger: accounts, journal entries and their postings.
-- Amounts are signed integer yen: a debit is positive, a credit negative.
-- The database itself refuses what must never happen, whatever the client code does:
--   * a journal whose postings do not sum to zero, or that has fewer than two postings (checked at commit);
--   * a posting added to a journal committed earlier (journals are closed when their transaction commits);
--   * any UPDATE, DELETE or TRUNCATE of a journal entry or a posting (corrections are reversing journals).

create table accounts (
  code        text primary key
              check (code ~ '^(assets|liabilities|equity|revenue|expenses)(:[A-Za-z0-9_-]+){1,5}$'),
  type        text not null check (type in ('asset', 'liability', 'equity', 'revenue', 'expense')),
  name        text not null,
  created_at  timestamptz not null default now()
);

create table journal_entries (
  id             bigint generated always as identity primary key,
  kind           text not null check (length(kind) between 1 and 256),
  reference      text not null check (length(reference) <= 256),
  business_date  date not null,
  created_at     timestamptz not null default now(),
  -- The transaction that created the journal; postings may be added only inside it.
  created_xid    xid8 not null default pg_current_xact_id()
);
create index journal_entries_reference on journal_entries (reference);
create index journal_entries_business_date on journal_entries (business_date);

create table postings (
  id            bigint generated always as identity primary key,
  journal_id    bigint not null references journal_entries (id),
  account_code  text not null references accounts (code),
  amount_yen    bigint not null check (amount_yen <> 0)
);
create index postings_journal_id on postings (journal_id);
create index postings_account_code on postings (account_code);

create function kessai_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'kessai: % on % is not allowed: the ledger is append-only; post a reversing journal instead',
    tg_op, tg_table_name using errcode = 'KL002';
end $$;

create trigger journal_entries_immutable before update or delete on journal_entries
  for each row execute function kessai_refuse_change();
create trigger journal_entries_no_truncate before truncate on journal_entries
  for each statement execute function kessai_refuse_change();
create trigger postings_immutable before update or delete on postings
  for each row execute function kessai_refuse_change();
create trigger postings_no_truncate before truncate on postings
  for each statement execute function kessai_refuse_change();

-- created_xid is set by the database, never by a client.
create function kessai_stamp_journal() returns trigger language plpgsql as $$
begin
  new.created_xid := pg_current_xact_id();
  return new;
end $$;
create trigger journal_entries_stamp before insert on journal_entries
  for each row execute function kessai_stamp_journal();

-- One query per INSERT statement, however many postings it carries.
create function kessai_check_journal_open() returns trigger language plpgsql as $$
declare
  closed_id bigint;
begin
  select i.journal_id into closed_id
    from inserted i join journal_entries j on j.id = i.journal_id
   where j.created_xid <> pg_current_xact_id()
   limit 1;
  if closed_id is not null then
    raise exception 'kessai: journal % is closed; postings can only be added in the transaction that created it',
      closed_id using errcode = 'KL003';
  end if;
  return null;
end $$;
create trigger postings_journal_open after insert on postings
  referencing new table as inserted
  for each statement execute function kessai_check_journal_open();

-- Deferred to commit, so a journal and its postings can be inserted in any order within a transaction.
create function kessai_check_journal_balanced() returns trigger language plpgsql as $$
declare
  posting_count bigint;
  posting_sum numeric;
begin
  select count(*), coalesce(sum(amount_yen), 0) into posting_count, posting_sum
    from postings where journal_id = new.id;
  if posting_count < 2 then
    raise exception 'kessai: journal % has % posting(s); a journal needs at least two', new.id, posting_count
      using errcode = 'KL001';
  end if;
  if posting_sum <> 0 then
    raise exception 'kessai: journal % is unbalanced: debits minus credits = % yen', new.id, posting_sum
      using errcode = 'KL001';
  end if;
  return null;
end $$;
create constraint trigger journal_entries_balanced after insert on journal_entries
  deferrable initially deferred
  for each row execute function kessai_check_journal_balanced();
