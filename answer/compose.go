package answer

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// Composer builds extractive replies from search results.
type Composer struct {
	Store    kb.Store
	Searcher *retrieval.Searcher
	Model    *Model
	// InScope estimates whether the collection answers the question at
	// all; nil uses the built-in model.
	InScope *InScopeModel
	// Reranker, when set, reorders the fused top rerankK candidates. A
	// reranker that fails leaves the fused order, and OnRerankError hears.
	Reranker      retrieval.Reranker
	OnRerankError func(error)
	// Recalibrations, when set, adapt Model's confidence per collection.
	Recalibrations *Recalibrations
}

// rerankK is how many fused candidates the reranker sees.
const rerankK = 10

// Result is a composed reply with what it was built from, so that callers
// (the hand-off policy, eval, agents) can see the evidence.
type Result struct {
	Reply    kb.Reply
	Features Features
	Hits     []retrieval.Fused
	Top      *kb.Article // nil when nothing was found
	// ModelConfidence is the model's confidence before the collection's
	// recalibration (Reply.Confidence is after), for refitting that.
	ModelConfidence float64
	// InScopeFeatures are what Reply.InScope was computed from
	// (InScopeNames order), and ModelInScope the model's estimate before
	// the collection's recalibration.
	InScopeFeatures []float64
	ModelInScope    float64
	// Passages are the cited articles' full passages, for a generator.
	Passages []Passage
}

// maxCitations is how many retrieved articles a reply cites; the first is
// the answer, the rest are evidence attached to a clarify or hand-off.
const maxCitations = 3

// snippetRunes bounds the snippet shown under a citation.
const snippetRunes = 200

// Compose searches the collection and builds the reply and its
// confidence. The band is left to the hand-off policy.
func (c *Composer) Compose(ctx context.Context, collection, question string) (*Result, error) {
	hits, err := c.Searcher.Search(ctx, collection, question, 10)
	if err != nil {
		return nil, err
	}
	// The reranker reads the candidates' articles; citing reuses them.
	loaded := map[string]*kb.Article{}
	if c.Reranker != nil && len(hits) > 1 {
		if err := c.rerank(ctx, question, hits, loaded); err != nil && c.OnRerankError != nil {
			c.OnRerankError(err)
		}
	}
	res := &Result{Hits: hits}
	if len(hits) == 0 {
		res.Reply = kb.Reply{Citations: []kb.Citation{}, Suggestions: []kb.Suggestion{}}
		return res, nil
	}
	arts := make([]*kb.Article, 0, maxCitations)
	for _, h := range hits[:min(len(hits), maxCitations)] {
		a, ok := loaded[h.ArticleID]
		if !ok {
			if a, err = c.Store.Article(ctx, h.ArticleID); err != nil {
				return nil, fmt.Errorf("compose: %w", err)
			}
		}
		arts = append(arts, a)
	}
	res.Top = arts[0]
	var oos []float64
	res.Features, oos = c.features(question, hits, arts[0])
	if res.Features.VecTop != 0 {
		res.Features.Scale, _ = c.Searcher.Scale(collection)
	}
	res.ModelConfidence = c.Model.Prob(res.Features)
	// Whether some article answers is asked of the features alone: a
	// collection of near-duplicates is as answerable as any.
	res.InScopeFeatures = InScopeVector(res.Features, oos, c.Model.ProbBeforePrior(res.Features))
	res.ModelInScope = c.inScopeModel().Prob(res.InScopeFeatures)
	conf, inScope := res.ModelConfidence, res.ModelInScope
	if r, ok := c.Recalibrations.Get(collection); ok {
		conf, inScope = r.Apply(conf), r.ApplyInScope(inScope)
	}

	passage, err := c.passage(ctx, arts[0], hits[0])
	if err != nil {
		return nil, err
	}
	reply := kb.Reply{
		// The customer gets what answers the question; the citations, the
		// generator and the agent's packet keep the whole passage.
		Text:        excerpt(passage, question, arts[0], c.Searcher.Keyword.Terms),
		Confidence:  conf,
		InScope:     inScope,
		Citations:   make([]kb.Citation, 0, len(arts)),
		Suggestions: make([]kb.Suggestion, 0, len(arts)),
	}
	for i, a := range arts {
		snip := passage
		if i > 0 {
			if snip, err = c.passage(ctx, a, hits[i]); err != nil {
				return nil, err
			}
		}
		reply.Citations = append(reply.Citations, kb.Citation{ArticleID: a.ID, Title: a.Title, Snippet: truncate(snip, snippetRunes), Score: hits[i].Score})
		res.Passages = append(res.Passages, Passage{ArticleID: a.ID, Title: a.Title, Text: snip})
	}
	if reply.Suggestions, err = c.suggestions(ctx, hits, arts); err != nil {
		return nil, err
	}
	res.Reply = reply
	return res, nil
}

// sameTitle reports whether two titles' analysed terms (stop words gone)
// make them the same choice for a customer: nearly the same terms
// (Jaccard >= 0.8), or one title the other plus a single word ("reset
// password" and "can reset password"). "reset password" and "reset pin"
// are different.
func sameTitle(a, b map[string]bool) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	if jaccard(a, b) >= 0.8 {
		return true
	}
	small, large := a, b
	if len(small) > len(large) {
		small, large = large, small
	}
	if len(small) < 2 || len(large)-len(small) > 1 {
		return false
	}
	for t := range small {
		if !large[t] {
			return false
		}
	}
	return true
}

// maxSuggestions is how many "did you mean" choices a clarify offers, and
// suggestPool how far down the candidates it looks for distinct ones.
const (
	maxSuggestions = 3
	suggestPool    = 6
)

// suggestions picks up to maxSuggestions distinct candidates, best first:
// a candidate whose title is a near-duplicate of one already chosen
// (sameTitle: "How do I reset my password?" and "How can I reset my
// password") is the same choice for the customer and is skipped, so a
// later, different one gets its place. arts are the first hits' articles.
func (c *Composer) suggestions(ctx context.Context, hits []retrieval.Fused, arts []*kb.Article) ([]kb.Suggestion, error) {
	out := make([]kb.Suggestion, 0, maxSuggestions)
	var chosen []map[string]bool
	for i, h := range hits[:min(len(hits), suggestPool)] {
		if len(out) == maxSuggestions {
			break
		}
		var a *kb.Article
		if i < len(arts) {
			a = arts[i]
		} else {
			var err error
			if a, err = c.Store.Article(ctx, h.ArticleID); err != nil {
				return nil, fmt.Errorf("compose: %w", err)
			}
		}
		terms := termSet(c.Searcher.Keyword.Terms(a.Title))
		if slices.ContainsFunc(chosen, func(t map[string]bool) bool { return sameTitle(t, terms) }) {
			continue
		}
		chosen = append(chosen, terms)
		out = append(out, kb.Suggestion{ArticleID: a.ID, Title: a.Title})
	}
	return out, nil
}

func (c *Composer) inScopeModel() *InScopeModel {
	if c.InScope != nil {
		return c.InScope
	}
	return builtinInScope()
}

// builtinInScope parses the built-in model once.
var builtinInScope = sync.OnceValue(DefaultInScopeModel)

// rerank reorders the first rerankK hits in place by the reranker's score
// of each article's title and best passage, keeping the articles it read
// in loaded. On error the order is kept.
func (c *Composer) rerank(ctx context.Context, question string, hits []retrieval.Fused, loaded map[string]*kb.Article) error {
	top := hits[:min(len(hits), rerankK)]
	texts := make([]string, len(top))
	for i, h := range top {
		a, err := c.Store.Article(ctx, h.ArticleID)
		if err != nil {
			return fmt.Errorf("rerank: %w", err)
		}
		loaded[h.ArticleID] = a
		p, err := c.passage(ctx, a, h)
		if err != nil {
			return fmt.Errorf("rerank: %w", err)
		}
		texts[i] = a.Title
		if p != a.Title {
			texts[i] += "\n" + p
		}
	}
	scores, err := c.Reranker.Rerank(ctx, question, texts)
	if err != nil {
		return err
	}
	if len(scores) != len(top) {
		return fmt.Errorf("rerank: %d scores for %d candidates", len(scores), len(top))
	}
	order := make([]int, len(top))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return scores[order[i]] > scores[order[j]] })
	reordered := make([]retrieval.Fused, len(top))
	for i, o := range order {
		reordered[i] = top[o]
	}
	copy(top, reordered)
	return nil
}

// passage is the extractive answer drawn from an article: the whole body of
// a short FAQ answer, the best-matching passage of a long article, or the
// title of an article that is only a title and similar questions.
func (c *Composer) passage(ctx context.Context, a *kb.Article, h retrieval.Fused) (string, error) {
	if strings.TrimSpace(a.Body) == "" {
		return a.Title, nil
	}
	chunks, err := c.Store.Chunks(ctx, a.ID)
	if err != nil {
		return "", fmt.Errorf("compose: %w", err)
	}
	if len(chunks) <= 1 {
		return strings.TrimSpace(a.Body), nil
	}
	for _, ch := range chunks {
		if ch.ID == h.ChunkID {
			return ch.Text, nil
		}
	}
	return chunks[0].Text, nil
}

// features computes the confidence features of the hits, and returns the
// OOSFeatures it drew three of them from, for the in-scope estimate.
func (c *Composer) features(question string, hits []retrieval.Fused, top *kb.Article) (Features, []float64) {
	kw := c.Searcher.Keyword
	q := termSet(kw.Terms(question))
	var f Features
	f.LogTerms = math.Log1p(float64(len(q)))
	// Top and second scores of each keyword ranking, wherever fusion
	// placed those articles.
	s1, s2 := topTwo(hits, retrieval.RankKeyword)
	if s1 > 0 {
		f.LogTop = math.Log1p(s1)
		f.Ratio = s2 / s1
	}
	q1, q2 := topTwo(hits, retrieval.RankQuestions)
	if q1 > 0 {
		f.LogQTop = math.Log1p(q1)
		f.QRatio = q2 / q1
	}
	if hits[0].Ranks[retrieval.RankKeyword] == 1 && hits[0].Ranks[retrieval.RankQuestions] == 1 {
		f.KwAgree = 1
	}
	if len(q) > 0 {
		all := termSet(kw.Terms(top.Title + "\n" + strings.Join(top.Questions, "\n") + "\n" + top.Body))
		hit := 0
		for t := range q {
			if all[t] {
				hit++
			}
		}
		f.Coverage = float64(hit) / float64(len(q))
		for _, s := range append([]string{top.Title}, top.Questions...) {
			f.BestJacc = math.Max(f.BestJacc, jaccard(q, termSet(kw.Terms(s))))
		}
	}
	if len(hits[0].Ranks) > retrieval.RankVector {
		v1, v2 := topTwo(hits, retrieval.RankVector)
		f.VecTop = v1
		f.VecMargin = v1 - v2
		if hits[0].Ranks[retrieval.RankVector] == 1 {
			f.Agree = 1
		}
	}
	f.TopShare = retrieval.Softmax(hits)
	o := OOSFeatures(hits)
	f.KwPeak, f.KqPeak, f.KnnTop = o[oosKwPeak], o[oosKqPeak], o[oosKnnTop]
	return f, o
}

// topTwo returns the scores ranked first and second in ranking r.
func topTwo(hits []retrieval.Fused, r int) (first, second float64) {
	for _, h := range hits {
		switch h.Ranks[r] {
		case 1:
			first = h.Scores[r]
		case 2:
			second = h.Scores[r]
		}
	}
	return first, second
}

func termSet(ts []string) map[string]bool {
	m := make(map[string]bool, len(ts))
	for _, t := range ts {
		m[t] = true
	}
	return m
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}
