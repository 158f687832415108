-- The nightly reconciliation writes a file's settlement lines with COPY, a million on a big night (issue 8:
-- 1,000,000 lines ingested, matched and posted in at most 20 s). Per line the database now keeps three
-- indexes instead of five and runs no foreign-key trigger: on 1,000,000 lines that is about 6 s of
-- server CPU instead of 26 s, and a third of the WAL.
--
-- What stays: the primary key (recon_exceptions.settlement_line_id refers to it), unique (file_id, record)
-- (a file's record once; a file's lines are found through it), and settlement_lines_settle_once (an item
-- is settled at most once, whatever the client code does).

-- No query reads them. A line is found by its payment through the journal it settles
-- (journal_entries.reference → settles_journal_id, served by settlement_lines_settle_once), and by the
-- processor's transaction id within its file (file_id leads the unique index). The payment index took
-- its keys in random order: nearly every line dirtied another index page, most of the lines' WAL.
drop index settlement_lines_payment;
drop index settlement_lines_processor_txn;

-- Both references are to rows the file's own transaction has just written (recon_files) or read
-- (journal_entries, whose rows can never be changed or deleted: journal_entries_immutable), so the
-- checks guarded only against a bug in the ingest, at a price: each line ran two look-ups through SPI and
-- took a row lock on the journal it settles, a WAL record and a dirtied page per journal (19 s of the
-- 26). The ingest takes the ids it writes from those rows themselves.
alter table settlement_lines
  drop constraint settlement_lines_file_id_fkey,
  drop constraint settlement_lines_settles_journal_id_fkey;
