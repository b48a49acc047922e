-- Webhook deliveries not yet made, shared by every node: any node may
-- claim a due one (SELECT ... FOR UPDATE SKIP LOCKED), and a restart loses
-- none. leased_until is NULL when no sender holds the delivery. There is
-- no foreign key to conversations: an event may be about none, and an
-- erasure deletes a conversation's deliveries itself.
CREATE TABLE webhook_outbox (
	seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- enqueue order
	id              text NOT NULL UNIQUE,
	event           text NOT NULL,
	body            bytea NOT NULL,
	conversation_id text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
	next_at         timestamptz NOT NULL,
	attempts        integer NOT NULL DEFAULT 0,
	leased_until    timestamptz,
	last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at);
CREATE INDEX webhook_outbox_conversation ON webhook_outbox (conversation_id, seq);
