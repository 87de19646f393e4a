-- When a kiosk's page was last connected (NULL: never), for whoever looks
-- after the kiosks.
ALTER TABLE kiosks ADD COLUMN seen_at TIMESTAMPTZ;
