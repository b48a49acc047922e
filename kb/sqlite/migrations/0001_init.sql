CREATE TABLE articles (
	id             TEXT PRIMARY KEY,
	collection     TEXT NOT NULL,
	title          TEXT NOT NULL,
	body           TEXT NOT NULL,
	questions      TEXT NOT NULL, -- JSON array
	tags           TEXT NOT NULL, -- JSON array
	lang           TEXT NOT NULL,
	always_handoff INTEGER NOT NULL DEFAULT 0,
	source         TEXT NOT NULL,
	hash           TEXT NOT NULL,
	version        INTEGER NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE INDEX articles_collection ON articles(collection);
CREATE INDEX articles_source ON articles(collection, source);

CREATE TABLE article_versions (
	article_id TEXT NOT NULL,
	version    INTEGER NOT NULL,
	data       TEXT NOT NULL, -- JSON of the article as it was
	created_at TEXT NOT NULL,
	PRIMARY KEY (article_id, version)
);

CREATE TABLE chunks (
	id         TEXT PRIMARY KEY,
	article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	ord        INTEGER NOT NULL,
	heading    TEXT NOT NULL,
	text       TEXT NOT NULL
);
CREATE INDEX chunks_article ON chunks(article_id, ord);

CREATE TABLE conversations (
	id         TEXT PRIMARY KEY,
	collection TEXT NOT NULL,
	lang       TEXT NOT NULL,
	token_hash TEXT NOT NULL,
	status     TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE messages (
	id              TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	role            TEXT NOT NULL,
	text            TEXT NOT NULL,
	reply           TEXT, -- JSON of kb.Reply for bot turns
	created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX messages_conversation ON messages(conversation_id, seq);

CREATE TABLE handoffs (
	id              TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	collection      TEXT NOT NULL,
	reasons         TEXT NOT NULL, -- JSON array
	status          TEXT NOT NULL,
	created_at      TEXT NOT NULL
);
CREATE INDEX handoffs_status ON handoffs(status, created_at);
