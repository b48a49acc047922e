-- Live events (a message sent, a hand-off claimed...) published by one
-- node for the pages connected to the others. NOTIFY baton_events only
-- wakes the listeners: a payload is limited to 8000 bytes and a message
-- can be larger, so each event is a row they read by seq. Rows are kept
-- for minutes, long enough for a listener to reconnect and catch up.
CREATE TABLE events (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	node       text NOT NULL, -- the publishing node, which skips its own events
	payload    bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_created_at ON events (created_at);
