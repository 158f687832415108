-- Every payment inserts its intent and updates it once (processing → succeeded), and the update writes
-- every index of the row again (its status is in partial indexes' predicates, so it is never a HOT
-- update). payment_intents_created, (created_at, id), was the list's order before intents had owners;
-- since 0003 the list reads payment_intents_owner_created, and no query reads this one. Dropped: two
-- index entries fewer per payment, of about 25.
drop index payment_intents_created;
