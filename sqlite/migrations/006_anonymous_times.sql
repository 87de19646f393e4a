-- Nothing staff see may date an anonymous request more precisely than the
-- hour (docs/storage.md, "What is kept of an anonymous request, and why").
-- IDs of requests, messages, notes and audit entries are random from now
-- on (buurtloket.NewID), so the order within a request is kept apart, in
-- seq. Rows made before are numbered in the order they were made.
ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

UPDATE messages SET seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY request_id ORDER BY id) AS seq FROM messages) AS n
  WHERE messages.id = n.id;
UPDATE notes SET seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY request_id ORDER BY id) AS seq FROM notes) AS n
  WHERE notes.id = n.id;

-- Anonymous requests made before: their times to the hour as well.
UPDATE requests SET updated_at = updated_at - updated_at % 3600000,
    due_at = due_at - due_at % 3600000, paused_at = paused_at - paused_at % 3600000
  WHERE anonymous;
UPDATE messages SET created_at = created_at - created_at % 3600000
  WHERE request_id IN (SELECT id FROM requests WHERE anonymous);
UPDATE notes SET created_at = created_at - created_at % 3600000
  WHERE request_id IN (SELECT id FROM requests WHERE anonymous);

-- The audit trail is append-only; this once, its order is numbered and
-- the times of anonymous requests cut to the hour, nothing else.
DROP TRIGGER audit_append_only_update;
UPDATE audit SET seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY request_id ORDER BY id) AS seq FROM audit WHERE request_id IS NOT NULL) AS n
  WHERE audit.id = n.id;
UPDATE audit SET at = at - at % 3600000
  WHERE request_id IN (SELECT id FROM requests WHERE anonymous);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

DROP INDEX messages_request;
DROP INDEX notes_request;
CREATE UNIQUE INDEX messages_request ON messages (request_id, seq);
CREATE UNIQUE INDEX notes_request ON notes (request_id, seq);
CREATE UNIQUE INDEX audit_request ON audit (request_id, seq);
