-- Wrong PINs tried on a ticket (buurtloket.PINLock): how many since the
-- request was made or staff last unlocked it, until when it is locked (0:
-- not for a time), and whether only staff can unlock it.
ALTER TABLE requests ADD COLUMN pin_wrong INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN pin_locked_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN pin_staff_only INTEGER NOT NULL DEFAULT 0;
