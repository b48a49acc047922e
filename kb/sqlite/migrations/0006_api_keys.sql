-- Staff API keys for scripts and integrations: only a hash is kept; a
-- revoked key stays for the record.
CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	key_hash   TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	revoked_at TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);
