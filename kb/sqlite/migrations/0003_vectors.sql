-- Embeddings of each article's title, similar questions and passages, per
-- model, so a restart loads them instead of embedding everything again.
CREATE TABLE vectors (
	article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	model      TEXT NOT NULL,
	ord        INTEGER NOT NULL,
	chunk_id   TEXT NOT NULL,
	hash       TEXT NOT NULL, -- the article hash the vectors were made from
	vec        BLOB NOT NULL, -- little-endian float32
	PRIMARY KEY (article_id, model, ord)
);
CREATE INDEX vectors_model ON vectors(model);
