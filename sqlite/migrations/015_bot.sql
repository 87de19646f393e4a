-- The Telegram bot: updates kept until handled, and each chat's
-- conversation with its lease (buurtloket.BotStore). chat is the bot's
-- keyed hash of the chat ID; payloads and states are sealed.
CREATE TABLE bot_updates (
  id          INTEGER PRIMARY KEY,          -- Telegram's update_id
  chat        TEXT    NOT NULL,
  payload     BLOB    NOT NULL,             -- sealed
  received_at INTEGER NOT NULL,
  handled_at  INTEGER                       -- NULL: not yet handled
);
CREATE INDEX bot_updates_waiting ON bot_updates (chat, id) WHERE handled_at IS NULL;
CREATE INDEX bot_updates_handled ON bot_updates (handled_at) WHERE handled_at IS NOT NULL;
CREATE TABLE bot_chats (
  chat        TEXT    PRIMARY KEY,
  state       BLOB,                         -- sealed; NULL: nothing yet
  lease       TEXT    NOT NULL DEFAULT '',  -- the holder's token
  lease_until INTEGER,
  updated_at  INTEGER NOT NULL
);
