-- The agent least-busy routing chose for a hand-off when it was created
-- ('' when it was not routed).
ALTER TABLE handoffs ADD COLUMN routed_to text NOT NULL DEFAULT '';
