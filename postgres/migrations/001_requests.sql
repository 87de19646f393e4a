-- Help requests, their sealed contact details and reply routes, the audit
-- trail and dialog sessions.
CREATE TABLE requests (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket         TEXT        NOT NULL UNIQUE,
  submission_key TEXT        NOT NULL UNIQUE,
  pin_hash       TEXT        NOT NULL,
  pin_sealed     BYTEA,      -- lets a retried submission get its PIN again; cleared after a day
  topic          TEXT        NOT NULL,
  priority       TEXT        NOT NULL,
  priority_rank  INTEGER     NOT NULL,
  status         TEXT        NOT NULL,
  open           BOOLEAN     NOT NULL,  -- while staff still need to act
  channel        TEXT        NOT NULL,
  lang           TEXT        NOT NULL,
  wijk           TEXT        NOT NULL DEFAULT '',
  postcode       TEXT        NOT NULL DEFAULT '',
  anonymous      BOOLEAN     NOT NULL,
  handoff        BOOLEAN     NOT NULL,
  summary        TEXT        NOT NULL,
  answers        JSONB       NOT NULL,
  assigned_to    TEXT        NOT NULL DEFAULT '',
  flow_version   TEXT        NOT NULL DEFAULT '',
  created_at     TIMESTAMPTZ NOT NULL,
  updated_at     TIMESTAMPTZ NOT NULL,
  due_at         TIMESTAMPTZ NOT NULL,
  paused_at      TIMESTAMPTZ
);

-- The inbox: open requests, most urgent first.
CREATE INDEX requests_inbox ON requests (open, priority_rank DESC, due_at, id);

CREATE TABLE contacts (
  request_id BIGINT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  sealed     BYTEA NOT NULL
);

CREATE TABLE routes (
  request_id BIGINT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  sealed     BYTEA NOT NULL
);

-- Append-only: who did what, and when. It outlives purged requests.
CREATE TABLE audit (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id BIGINT,
  actor      TEXT        NOT NULL,
  action     TEXT        NOT NULL,
  detail     TEXT        NOT NULL DEFAULT '',
  at         TIMESTAMPTZ NOT NULL
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  data       BYTEA       NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
