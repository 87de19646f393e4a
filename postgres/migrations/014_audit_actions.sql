-- The console's log of sensitive actions across requests (contact details
-- viewed, PIN locks lifted) reads the audit trail by action, newest
-- first.
CREATE INDEX audit_action ON audit (action, at);
