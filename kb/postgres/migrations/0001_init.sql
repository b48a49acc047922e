-- Baton's schema as of kb/sqlite's migrations 0001-0009, in PostgreSQL
-- types: timestamptz for times, text[] for lists, jsonb for documents.
-- Times default to the server's clock so that several nodes agree on order.

CREATE TABLE articles (
	id             text PRIMARY KEY,
	collection     text NOT NULL,
	title          text NOT NULL,
	body           text NOT NULL,
	questions      text[] NOT NULL,
	tags           text[] NOT NULL,
	lang           text NOT NULL,
	always_handoff boolean NOT NULL DEFAULT false,
	source         text NOT NULL,
	hash           text NOT NULL,
	version        integer NOT NULL,
	updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX articles_collection ON articles (collection);
CREATE INDEX articles_source ON articles (collection, source);

CREATE TABLE article_versions (
	article_id text NOT NULL,
	version    integer NOT NULL,
	data       jsonb NOT NULL, -- the kb.Article as it was
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (article_id, version)
);

CREATE TABLE chunks (
	id         text PRIMARY KEY,
	article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	ord        integer NOT NULL,
	heading    text NOT NULL,
	text       text NOT NULL
);
CREATE INDEX chunks_article ON chunks (article_id, ord);

CREATE TABLE article_drafts (
	id           text PRIMARY KEY,
	collection   text NOT NULL,
	data         jsonb NOT NULL, -- the kb.Article as drafted
	base_version integer NOT NULL, -- the published version it was drafted from; 0 for a new article
	updated_by   text NOT NULL,
	updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX article_drafts_collection ON article_drafts (collection);

CREATE TABLE conversations (
	id          text PRIMARY KEY,
	collection  text NOT NULL,
	lang        text NOT NULL,
	token_hash  text NOT NULL,
	status      text NOT NULL,
	context     jsonb, -- the signed kb.CustomerContext, when the host page gave one
	customer_id text NOT NULL DEFAULT '',
	previous_id text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX conversations_created ON conversations (collection, created_at);
CREATE INDEX conversations_customer ON conversations (customer_id, created_at) WHERE customer_id <> '';
CREATE INDEX conversations_previous ON conversations (previous_id) WHERE previous_id <> '';

-- seq orders a transcript; an identity, not max+1, so that two nodes
-- adding to one conversation at once never collide.
CREATE TABLE messages (
	seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id              text NOT NULL UNIQUE,
	conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	role            text NOT NULL,
	text            text NOT NULL,
	reply           jsonb, -- the kb.Reply of bot turns
	negative        double precision NOT NULL DEFAULT 0,
	rephrase        boolean NOT NULL DEFAULT false,
	author          text NOT NULL DEFAULT '',
	feedback        integer NOT NULL DEFAULT 0,
	created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);
CREATE INDEX messages_rated ON messages (created_at) WHERE feedback <> 0;

CREATE TABLE handoffs (
	id              text PRIMARY KEY,
	conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	collection      text NOT NULL,
	reasons         text[] NOT NULL,
	status          text NOT NULL,
	lang            text NOT NULL DEFAULT '',
	priority        integer NOT NULL DEFAULT 0,
	claimed_by      text NOT NULL DEFAULT '',
	claimed_at      timestamptz,
	closed_at       timestamptz,
	outcome         text NOT NULL DEFAULT '',
	contact         text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX handoffs_status ON handoffs (status, created_at);
CREATE INDEX handoffs_conversation ON handoffs (conversation_id);

CREATE TABLE misses (
	id              text PRIMARY KEY,
	collection      text NOT NULL,
	conversation_id text NOT NULL,
	message_id      text NOT NULL, -- the customer's question
	question        text NOT NULL,
	lang            text NOT NULL,
	trigger         text NOT NULL, -- handoff, clarify, thumbs_down, agent_verdict
	reasons         text[] NOT NULL, -- reason codes or the verdict
	passages        jsonb NOT NULL, -- the kb.Citation list the bot saw
	agent_reply     text NOT NULL DEFAULT '',
	status          text NOT NULL, -- open, fixed, wont_answer
	fix             text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
	UNIQUE (message_id, trigger)
);
CREATE INDEX misses_open ON misses (collection, status, created_at);

CREATE TABLE users (
	id            text PRIMARY KEY,
	name          text NOT NULL UNIQUE,
	role          text NOT NULL,
	password_hash text NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE sessions (
	id_hash    text PRIMARY KEY,
	user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf       text NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE presence (
	user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	status  text NOT NULL,
	seen_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
	id         text PRIMARY KEY,
	user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_hash   text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	revoked_at timestamptz
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE jobs (
	id         text PRIMARY KEY,
	collection text NOT NULL,
	status     text NOT NULL,
	data       jsonb NOT NULL, -- the kb.Job; the columns below win over its times
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX jobs_status ON jobs (status, created_at);

CREATE TABLE audit_log (
	seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at     timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor  text NOT NULL,
	action text NOT NULL,
	target text NOT NULL,
	detail text NOT NULL
);
