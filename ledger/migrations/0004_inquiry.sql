-- Payments whose outcome is unknown (timeout, lost answer, 5xx) stay 'processing' until kessai has asked
-- the processor. These columns pace the inquiries with backoff.
alter table payment_intents
  add column inquiry_attempts integer not null default 0,
  add column next_inquiry_at timestamptz;
create index payment_intents_processing on payment_intents (updated_at) where status = 'processing';
