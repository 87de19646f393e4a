-- Help requests, their sealed contact details and reply routes, the audit
-- trail and dialog sessions. Times are Unix milliseconds, UTC.
CREATE TABLE requests (
  id             INTEGER PRIMARY KEY,
  ticket         TEXT    NOT NULL UNIQUE,
  submission_key TEXT    NOT NULL UNIQUE,
  pin_hash       TEXT    NOT NULL,
  pin_sealed     BLOB,              -- lets a retried submission get its PIN again; cleared after a day
  topic          TEXT    NOT NULL,
  priority       TEXT    NOT NULL,
  priority_rank  INTEGER NOT NULL,
  status         TEXT    NOT NULL,
  open           INTEGER NOT NULL,  -- 1 while staff still need to act
  channel        TEXT    NOT NULL,
  lang           TEXT    NOT NULL,
  wijk           TEXT    NOT NULL DEFAULT '',
  postcode       TEXT    NOT NULL DEFAULT '',
  anonymous      INTEGER NOT NULL,
  handoff        INTEGER NOT NULL,
  summary        TEXT    NOT NULL,
  answers        TEXT    NOT NULL,  -- JSON
  assigned_to    TEXT    NOT NULL DEFAULT '',
  flow_version   TEXT    NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  due_at         INTEGER NOT NULL,
  paused_at      INTEGER NOT NULL DEFAULT 0
);

-- The inbox: open requests, most urgent first.
CREATE INDEX requests_inbox ON requests (open, priority_rank DESC, due_at, id);

CREATE TABLE contacts (
  request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  sealed     BLOB NOT NULL
);

CREATE TABLE routes (
  request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  sealed     BLOB NOT NULL
);

-- Append-only: who did what, and when. It outlives purged requests.
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  request_id INTEGER,
  actor      TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  detail     TEXT    NOT NULL DEFAULT '',
  at         INTEGER NOT NULL
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  data       BLOB    NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
