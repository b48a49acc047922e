-- The vectors of an article's title and similar questions (the first
-- 1 + len(questions) by ord, as retrieval stores them) lose their chunk
-- id: they say the article matches, not which passage, and retrieval now
-- tells them from passage vectors by the empty id. Vectors of an older
-- version of the article are stale and replaced at the next start anyway.
UPDATE vectors SET chunk_id = ''
WHERE ord <= (SELECT json_array_length(a.questions) FROM articles a WHERE a.id = vectors.article_id AND a.hash = vectors.hash);
