-- A pairing link works once (buurtloket.KioskStore.PairKiosk): its token
-- is exchanged for a device token, which the kiosk's cookie holds. Both
-- are stored only as hashes. The link of a kiosk whose page has been seen
-- is spent already; the old token in its cookie is its device token now.
-- An unused link stays a link only: it does not stand in for a device.
CREATE TABLE kiosks_new (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  wijk        TEXT    NOT NULL DEFAULT '',
  link_hash   TEXT    UNIQUE,             -- the open pairing link (NULL: none)
  device_hash TEXT    UNIQUE,             -- the paired device (NULL: none yet)
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER NOT NULL DEFAULT 0,
  seen_at     INTEGER NOT NULL DEFAULT 0,
  paired_at   INTEGER NOT NULL DEFAULT 0  -- when a device was last paired (0: not since this migration)
);
INSERT INTO kiosks_new (id, name, wijk, link_hash, device_hash, created_at, revoked_at, seen_at)
  SELECT id, name, wijk, CASE WHEN seen_at = 0 THEN token_hash END, CASE WHEN seen_at != 0 THEN token_hash END,
    created_at, revoked_at, seen_at FROM kiosks;
DROP TABLE kiosks;
ALTER TABLE kiosks_new RENAME TO kiosks;
