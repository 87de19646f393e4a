-- Wrong PINs over a ticket's whole life (buurtloket.PINLock.Total): no
-- unlock resets it, and after buurtloket.MaxLifetimeWrongPINs the ticket
-- stays locked, so that the chance to guess a PIN over the ticket's life
-- stays at most 1 in 1,000 however often staff unlock it.
ALTER TABLE requests ADD COLUMN pin_wrong_total INTEGER NOT NULL DEFAULT 0;
UPDATE requests SET pin_wrong_total = pin_wrong;
