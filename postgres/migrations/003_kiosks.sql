-- Registered kiosks. The pairing token is stored only as a hash.
CREATE TABLE kiosks (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       TEXT        NOT NULL,
  wijk       TEXT        NOT NULL DEFAULT '',
  token_hash TEXT        NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ
);
