-- A staff message made from a canned reply keeps the reply's ID, so that
-- staff see which one the resident received in their own language.
ALTER TABLE messages ADD COLUMN canned TEXT NOT NULL DEFAULT '';
