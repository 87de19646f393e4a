-- A one-time password (a new account, a reset) works for a few days only
-- (buurtloket.OneTimePasswordLife); NULL: no one-time password, or one
-- given before this migration, which keeps working until it is changed.
ALTER TABLE staff_accounts ADD COLUMN one_time_until TIMESTAMPTZ;
