-- Editors: drafts waiting to be published (the index only ever holds
-- published articles), ingestion jobs that survive a restart, and the
-- audit log.
CREATE TABLE article_drafts (
	id           TEXT PRIMARY KEY,
	collection   TEXT NOT NULL,
	data         TEXT NOT NULL, -- JSON of the article as drafted
	base_version INTEGER NOT NULL, -- the published version it was drafted from; 0 for a new article
	updated_by   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE INDEX article_drafts_collection ON article_drafts(collection);

CREATE TABLE jobs (
	id         TEXT PRIMARY KEY,
	collection TEXT NOT NULL,
	status     TEXT NOT NULL,
	data       TEXT NOT NULL, -- JSON of kb.Job
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX jobs_status ON jobs(status);

CREATE TABLE audit_log (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	at     TEXT NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL
);
