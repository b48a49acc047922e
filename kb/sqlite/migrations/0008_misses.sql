-- Bot misses: turns that ended in a hand-off or "did you mean", answers a
-- customer thumbed down, and hand-offs an agent said the bot missed. The
-- misses inbox clusters the open ones; fixing a cluster closes its misses.
CREATE TABLE misses (
	id              TEXT PRIMARY KEY,
	collection      TEXT NOT NULL,
	conversation_id TEXT NOT NULL,
	message_id      TEXT NOT NULL, -- the customer's question
	question        TEXT NOT NULL,
	lang            TEXT NOT NULL,
	trigger         TEXT NOT NULL, -- handoff, clarify, thumbs_down, agent_verdict
	reasons         TEXT NOT NULL, -- JSON array of reason codes or the verdict
	passages        TEXT NOT NULL, -- JSON array of kb.Citation the bot saw
	agent_reply     TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL, -- open, fixed, wont_answer
	fix             TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	UNIQUE (message_id, trigger)
);
CREATE INDEX misses_open ON misses(collection, status, created_at);
