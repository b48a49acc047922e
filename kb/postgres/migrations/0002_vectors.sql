-- Embeddings of each article's title, similar questions and passages, per
-- model, in pgvector columns. The column has no fixed dimension so that
-- models of any size share the table; dim records each row's, for the
-- partial, per-model indexes that approximate search will need (an HNSW
-- index is over one dimension: USING hnsw ((vec::vector(768))
-- vector_cosine_ops) WHERE model = '...').
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE vectors (
	model      text NOT NULL,
	article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	ord        integer NOT NULL,
	chunk_id   text NOT NULL,
	hash       text NOT NULL, -- the article hash the vectors were made from
	vec        vector NOT NULL,
	dim        integer NOT NULL GENERATED ALWAYS AS (vector_dims(vec)) STORED,
	PRIMARY KEY (model, article_id, ord)
);
CREATE INDEX vectors_article ON vectors (article_id);
