-- As SQLite's 0010: the vectors of an article's title and similar
-- questions (the first 1 + len(questions) by ord) lose their chunk id, so
-- retrieval tells them from passage vectors.
UPDATE vectors v SET chunk_id = ''
FROM articles a
WHERE a.id = v.article_id AND a.hash = v.hash AND v.ord <= coalesce(array_length(a.questions, 1), 0);
