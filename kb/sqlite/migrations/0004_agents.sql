-- The agent desk: hand-off ownership and outcome, staff accounts, browser
-- sessions, presence, and the customer's thumbs on answers.
ALTER TABLE handoffs ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN claimed_at TEXT;
ALTER TABLE handoffs ADD COLUMN closed_at TEXT;
ALTER TABLE handoffs ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN contact TEXT NOT NULL DEFAULT '';
CREATE INDEX handoffs_conversation ON handoffs(conversation_id);

ALTER TABLE messages ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN feedback INTEGER NOT NULL DEFAULT 0;

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	expires_at TEXT NOT NULL
);

CREATE TABLE presence (
	user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	status  TEXT NOT NULL,
	seen_at TEXT NOT NULL
);
