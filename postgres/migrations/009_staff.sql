-- Staff accounts for the console, their login sessions, and the count of
-- failed logins per account and per client address.
CREATE TABLE staff_accounts (
  id             BIGINT      PRIMARY KEY,
  email          TEXT        NOT NULL UNIQUE,  -- the login name, lower case
  name           TEXT        NOT NULL,
  role           TEXT        NOT NULL,         -- staff | admin
  password_hash  TEXT        NOT NULL,         -- argon2id with its parameters
  must_change    BOOLEAN     NOT NULL DEFAULT FALSE,
  totp_sealed    BYTEA,                        -- the sealed TOTP secret; NULL: no two-factor yet
  totp_step      BIGINT      NOT NULL DEFAULT 0,
  recovery_codes TEXT        NOT NULL DEFAULT '[]', -- hashes of unused recovery codes (JSON)
  disabled       BOOLEAN     NOT NULL DEFAULT FALSE,
  created_at     TIMESTAMPTZ NOT NULL
);
CREATE TABLE staff_sessions (
  id         TEXT        PRIMARY KEY,          -- SHA-256 of the cookie's token
  account_id BIGINT      NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
  complete   BOOLEAN     NOT NULL DEFAULT FALSE, -- every step of the login done
  csrf       TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  seen_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sessions_account ON staff_sessions (account_id);
CREATE TABLE login_throttle (
  key          TEXT        PRIMARY KEY,        -- account:ID or client:HASH
  failures     INTEGER     NOT NULL,
  since        TIMESTAMPTZ,
  locked_until TIMESTAMPTZ
);
