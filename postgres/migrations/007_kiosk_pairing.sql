-- A pairing link works once (buurtloket.KioskStore.PairKiosk): its token
-- is exchanged for a device token, which the kiosk's cookie holds. Both
-- are stored only as hashes. The link of a kiosk whose page has been seen
-- is spent already; the old token in its cookie is its device token now.
-- An unused link stays a link only: it does not stand in for a device.
ALTER TABLE kiosks RENAME COLUMN token_hash TO link_hash;  -- the open pairing link (NULL: none)
ALTER TABLE kiosks ALTER COLUMN link_hash DROP NOT NULL;
ALTER TABLE kiosks ADD COLUMN device_hash TEXT UNIQUE;     -- the paired device (NULL: none yet)
ALTER TABLE kiosks ADD COLUMN paired_at TIMESTAMPTZ;       -- when a device was last paired
UPDATE kiosks SET device_hash = link_hash, link_hash = NULL WHERE seen_at IS NOT NULL;
