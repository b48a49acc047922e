-- Trained classifiers every node shares (on SQLite they are files in the
-- data directory): one per collection and fingerprint of the vectors it
-- was trained on, the gob the retrieval package encodes.
CREATE TABLE classifiers (
	collection  text NOT NULL,
	fingerprint text NOT NULL,
	data        bytea NOT NULL,
	trained_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (collection, fingerprint)
);
