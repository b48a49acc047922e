-- Who the customer is, as the host page vouched for it (signed), so
-- agents see it and service-stage rules can use it.
ALTER TABLE conversations ADD COLUMN context TEXT NOT NULL DEFAULT '';
