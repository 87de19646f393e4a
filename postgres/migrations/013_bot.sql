-- The Telegram bot: updates kept until handled, and each chat's
-- conversation with its lease (buurtloket.BotStore). chat is the bot's
-- keyed hash of the chat ID; payloads and states are sealed.
CREATE TABLE bot_updates (
  id          BIGINT      PRIMARY KEY,      -- Telegram's update_id
  chat        TEXT        NOT NULL,
  payload     BYTEA       NOT NULL,         -- sealed
  received_at TIMESTAMPTZ NOT NULL,
  handled_at  TIMESTAMPTZ                   -- NULL: not yet handled
);
CREATE INDEX bot_updates_waiting ON bot_updates (chat, id) WHERE handled_at IS NULL;
CREATE INDEX bot_updates_handled ON bot_updates (handled_at) WHERE handled_at IS NOT NULL;
CREATE TABLE bot_chats (
  chat        TEXT        PRIMARY KEY,
  state       BYTEA,                        -- sealed; NULL: nothing yet
  lease       TEXT        NOT NULL DEFAULT '',
  lease_until TIMESTAMPTZ,
  updated_at  TIMESTAMPTZ NOT NULL
);
