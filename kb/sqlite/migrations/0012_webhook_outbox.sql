-- Webhook deliveries not yet made, so that a restart loses none. Times are
-- Unix nanoseconds: every claim compares them, exactly. leased_until is 0
-- when no sender holds the delivery. There is no foreign key to
-- conversations: an event may be about none, and an erasure deletes a
-- conversation's deliveries itself.
CREATE TABLE webhook_outbox (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- enqueue order
	id              TEXT NOT NULL UNIQUE,
	event           TEXT NOT NULL,
	body            BLOB NOT NULL,
	conversation_id TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	next_at         INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	leased_until    INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at);
CREATE INDEX webhook_outbox_conversation ON webhook_outbox (conversation_id, seq);
