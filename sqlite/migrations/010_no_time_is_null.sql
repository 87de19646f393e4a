-- "No time" is NULL, as on PostgreSQL, so that the store's statements are
-- one text for both databases (requests.Dialect): a request that is not
-- paused, a ticket without a PIN lock, a kiosk not revoked, not seen or
-- not paired. The columns held 0 for that, with NOT NULL DEFAULT 0. No
-- table is rebuilt: a rebuild of requests would need foreign keys off,
-- which cannot change inside this migration's transaction, and none of
-- these columns is indexed, unique or used by a trigger, so each is
-- replaced by a new column, at the end of its table.
ALTER TABLE requests ADD COLUMN paused_at_new INTEGER;
UPDATE requests SET paused_at_new = paused_at WHERE paused_at > 0;
ALTER TABLE requests DROP COLUMN paused_at;
ALTER TABLE requests RENAME COLUMN paused_at_new TO paused_at;

ALTER TABLE requests ADD COLUMN pin_locked_until_new INTEGER;
UPDATE requests SET pin_locked_until_new = pin_locked_until WHERE pin_locked_until > 0;
ALTER TABLE requests DROP COLUMN pin_locked_until;
ALTER TABLE requests RENAME COLUMN pin_locked_until_new TO pin_locked_until;

ALTER TABLE kiosks ADD COLUMN revoked_at_new INTEGER;
UPDATE kiosks SET revoked_at_new = revoked_at WHERE revoked_at > 0;
ALTER TABLE kiosks DROP COLUMN revoked_at;
ALTER TABLE kiosks RENAME COLUMN revoked_at_new TO revoked_at;

ALTER TABLE kiosks ADD COLUMN seen_at_new INTEGER;
UPDATE kiosks SET seen_at_new = seen_at WHERE seen_at > 0;
ALTER TABLE kiosks DROP COLUMN seen_at;
ALTER TABLE kiosks RENAME COLUMN seen_at_new TO seen_at;

ALTER TABLE kiosks ADD COLUMN paired_at_new INTEGER;
UPDATE kiosks SET paired_at_new = paired_at WHERE paired_at > 0;
ALTER TABLE kiosks DROP COLUMN paired_at;
ALTER TABLE kiosks RENAME COLUMN paired_at_new TO paired_at;
