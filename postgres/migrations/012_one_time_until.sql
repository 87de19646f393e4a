-- A one-time password (a new account, a reset) works for a few days only
-- (buurtloket.OneTimePasswordLife); NULL: no one-time password. Those
-- given before this migration get their 3 days from now.
ALTER TABLE staff_accounts ADD COLUMN one_time_until TIMESTAMPTZ;
UPDATE staff_accounts SET one_time_until = now() + interval '3 days' WHERE must_change;
