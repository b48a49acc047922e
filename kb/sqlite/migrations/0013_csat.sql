-- Customer satisfaction (CSAT): one rating per conversation, replaced when
-- the customer rates again. The comment is the customer's text, so the
-- rating goes with its conversation (ON DELETE CASCADE) on erasure.
-- agent_id names the agent who held the last claimed hand-off; empty when
-- the bot alone handled the conversation.
CREATE TABLE ratings (
	conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
	score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
	comment         TEXT NOT NULL DEFAULT '',
	agent_id        TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL
);
