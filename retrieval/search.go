package retrieval

import (
	"context"
	"fmt"

	"github.com/batonhq/baton/kb"
)

// Searcher is hybrid retrieval: the keyword index always, plus the vector
// index when an embedder is configured, fused by reciprocal rank.
type Searcher struct {
	Keyword *Keyword
	// OnEmbedError, when set, hears about query embeddings that failed;
	// the search then goes on keyword-only rather than failing the turn.
	OnEmbedError func(error)

	vectors  *Vectors
	embedder *CachedEmbedder
}

// NewSearcher returns a searcher over kw; emb may be nil for keyword-only.
func NewSearcher(kw *Keyword, emb Embedder) *Searcher {
	s := &Searcher{Keyword: kw}
	if emb != nil {
		s.vectors = NewVectors()
		s.embedder = NewCachedEmbedder(emb, 4096)
	}
	return s
}

// Mode names what the searcher uses, for logs and the README's tables.
func (s *Searcher) Mode() string {
	if s.embedder == nil {
		return "keyword"
	}
	return "hybrid(" + s.embedder.Name() + ")"
}

// Index adds or replaces an article in every index. In keyword+vector mode
// the title, each similar question and each passage are embedded.
func (s *Searcher) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	if err := s.Keyword.Index(ctx, a, chunks); err != nil {
		return err
	}
	if s.embedder == nil {
		return nil
	}
	first := a.ID + "#0"
	if len(chunks) > 0 {
		first = chunks[0].ID
	}
	texts := append([]string{a.Title}, a.Questions...)
	ids := make([]string, len(texts))
	for i := range ids {
		ids[i] = first
	}
	for _, c := range chunks {
		if c.Text == a.Title {
			continue
		}
		texts = append(texts, c.Text)
		ids = append(ids, c.ID)
	}
	vecs, err := s.embedder.Embed(ctx, texts)
	if err != nil {
		return fmt.Errorf("embed article %s: %w", a.ID, err)
	}
	items := make([]VectorItem, len(vecs))
	for i, v := range vecs {
		items[i] = VectorItem{ArticleID: a.ID, ChunkID: ids[i], Vec: v}
	}
	s.vectors.Put(a, items)
	return nil
}

// Delete removes an article from every index.
func (s *Searcher) Delete(ctx context.Context, articleID string) error {
	if s.vectors != nil {
		s.vectors.Delete(articleID)
	}
	return s.Keyword.Delete(ctx, articleID)
}

// Positions of each ranking in Fused.Ranks and Fused.Scores.
const (
	RankKeyword   = 0 // article-level keyword match (title, questions, passage)
	RankQuestions = 1 // best single title or similar question, keyword
	RankVector    = 2 // max cosine; absent in keyword-only mode
)

// Search returns up to n articles of collection for the question, best
// first, fusing the rankings listed above.
func (s *Searcher) Search(ctx context.Context, collection, question string, n int) ([]Fused, error) {
	kw, err := s.Keyword.Search(ctx, collection, question, n)
	if err != nil {
		return nil, err
	}
	kq, err := s.Keyword.SearchQuestions(ctx, collection, question, n)
	if err != nil {
		return nil, err
	}
	if s.embedder == nil {
		return Fuse(kw, kq), nil
	}
	q, err := s.embedder.EmbedQuery(ctx, question)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if s.OnEmbedError != nil {
			s.OnEmbedError(fmt.Errorf("embed question: %w", err))
		}
		return Fuse(kw, kq, nil), nil
	}
	return Fuse(kw, kq, s.vectors.Search(ctx, collection, q, n)), nil
}
