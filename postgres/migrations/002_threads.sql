-- The thread between resident and staff, internal notes, the outbox that
-- brings staff messages to the resident, and what purged requests leave:
-- a count per month, topic and neighbourhood.
CREATE TABLE messages (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id BIGINT      NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  author     TEXT        NOT NULL,
  staff      TEXT        NOT NULL DEFAULT '',
  body       TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  delivery   TEXT        NOT NULL DEFAULT '',
  attempts   INTEGER     NOT NULL DEFAULT 0,
  last_error TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX messages_request ON messages (request_id, id);

CREATE TABLE notes (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id BIGINT      NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  staff      TEXT        NOT NULL,
  body       TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notes_request ON notes (request_id, id);

-- One entry per message still to deliver; removed once delivered.
CREATE TABLE outbox (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id BIGINT      NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  message_id BIGINT      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  due_at     TIMESTAMPTZ NOT NULL,
  attempts   INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (due_at);

CREATE TABLE request_stats (
  month TEXT    NOT NULL,
  topic TEXT    NOT NULL,
  wijk  TEXT    NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (month, topic, wijk)
);

CREATE INDEX requests_closed ON requests (topic, updated_at) WHERE status = 'closed';
