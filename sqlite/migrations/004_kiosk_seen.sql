-- When a kiosk's page was last connected (0: never), for whoever looks
-- after the kiosks.
ALTER TABLE kiosks ADD COLUMN seen_at INTEGER NOT NULL DEFAULT 0;
