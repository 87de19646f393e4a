-- Registered kiosks. The pairing token is stored only as a hash.
CREATE TABLE kiosks (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  wijk       TEXT    NOT NULL DEFAULT '',
  token_hash TEXT    NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL DEFAULT 0
);
