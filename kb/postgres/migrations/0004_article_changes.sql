-- Every change to a published article (insert, update, delete), in
-- commit order, so each node's keyword and vector index can follow edits
-- made on the others and catch up after a restart. The trigger takes an
-- advisory lock before it numbers the change, held until commit, so a
-- change with a smaller seq is never committed after one a node has read.
CREATE TABLE article_changes (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	article_id text NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION log_article_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7020358823318447461); -- "articles" as a key
	INSERT INTO article_changes (article_id) VALUES (COALESCE(NEW.id, OLD.id));
	RETURN NULL;
END
$$;

CREATE TRIGGER articles_changed AFTER INSERT OR UPDATE OR DELETE ON articles
	FOR EACH ROW EXECUTE FUNCTION log_article_change();
