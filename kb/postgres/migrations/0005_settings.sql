-- Settings every node shares, such as the hand-off policies an admin or
-- editor changes through the API (on SQLite they are a file in the data
-- directory).
CREATE TABLE settings (
	key        text PRIMARY KEY,
	value      bytea NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
