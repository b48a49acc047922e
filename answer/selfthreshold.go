package answer

import (
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/batonhq/baton/kb"
)

// A collection measures its own hand-off threshold without labels: some
// of its similar questions are taken out of a copy of the knowledge base
// and asked of that copy as a customer would; each is answerable (its
// article is still there), so the in_scope they get is what answerable
// questions get in this collection. The threshold is a low quantile of
// it. One threshold for every collection is bound by the collection that
// needs the lowest; with its own, a collection whose unanswerable
// questions come close to its articles hands more of them off.
const (
	// SelfQuantile is the share of the held-out questions below the
	// threshold. Real questions score lower than an editor's similar
	// questions: 3% of these came to 5-7% of the evaluation sets'
	// answerable questions (README, "Hand-off").
	SelfQuantile = 0.03
	// SelfMinQuestions is how many held-out questions a threshold needs;
	// with fewer the 2% quantile is one or two questions' score, and the
	// policy's threshold stands.
	SelfMinQuestions = 100
	// SelfSample bounds the questions held out of one collection.
	SelfSample = 300
	// SelfMax caps a measured threshold: similar questions written from
	// one template score far higher than customers' own words, and a
	// threshold measured on them would hand off answerable questions.
	// The evaluation sets measured 0.42-0.84.
	SelfMax = 0.9
)

// HeldQuestion is a similar question taken out of its article.
type HeldQuestion struct {
	Text      string
	ArticleID string
}

// HoldOutQuestions returns copies of arts with up to n similar questions
// taken out, and those questions: one of each article first (in an order
// fixed by the article ids, so every run takes the same), then a second,
// and so on, every article keeping its title or one question.
func HoldOutQuestions(arts []*kb.Article, n int) (reduced []*kb.Article, held []HeldQuestion) {
	type cand struct {
		a *kb.Article
		h uint32
	}
	var cs []cand
	for _, a := range arts {
		c := *a
		c.Questions = slices.Clone(a.Questions)
		reduced = append(reduced, &c)
		h := fnv.New32a()
		h.Write([]byte(a.ID))
		cs = append(cs, cand{&c, h.Sum32()})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].h < cs[j].h || cs[i].h == cs[j].h && cs[i].a.ID < cs[j].a.ID })
	for more := true; more && len(held) < n; {
		more = false
		for _, c := range cs {
			if len(held) == n {
				break
			}
			qs := c.a.Questions
			if len(qs) == 0 || len(qs) == 1 && strings.TrimSpace(c.a.Title) == "" {
				continue
			}
			j := int(c.h % uint32(len(qs)))
			held = append(held, HeldQuestion{Text: qs[j], ArticleID: c.a.ID})
			c.a.Questions = slices.Delete(qs, j, j+1)
			more = true
		}
	}
	return reduced, held
}

// SelfHoldOut returns how many of the similar questions of arts (one
// collection's articles) are held out to measure its threshold: a tenth,
// at most SelfSample; 0 when that is fewer than SelfMinQuestions.
func SelfHoldOut(arts []*kb.Article) int {
	total := 0
	for _, a := range arts {
		total += len(a.Questions)
	}
	if n := min(SelfSample, total/10); n >= SelfMinQuestions {
		return n
	}
	return 0
}

// SelfThresholdOf returns the threshold of the held-out questions'
// in_scope scores, and false when there are too few of them.
func SelfThresholdOf(scores []float64) (float64, bool) {
	if len(scores) < SelfMinQuestions {
		return 0, false
	}
	s := slices.Clone(scores)
	slices.Sort(s)
	return min(s[int(SelfQuantile*float64(len(s)))], SelfMax), true
}

// SelfThreshold is what a collection measured of itself.
type SelfThreshold struct {
	Threshold float64 `json:"threshold"`
	Questions int     `json:"questions"` // held out and asked
	// Key identifies the articles it was measured on, so it is measured
	// again only after they change.
	Key string `json:"key"`
}

// SelfThresholds holds each collection's measured threshold; safe for
// concurrent use, and a nil one holds none.
type SelfThresholds struct {
	mu sync.RWMutex
	m  map[string]SelfThreshold
}

// Get returns the collection's measured threshold.
func (s *SelfThresholds) Get(collection string) (SelfThreshold, bool) {
	if s == nil {
		return SelfThreshold{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m[collection]
	return t, ok
}

// Set records the collection's measured threshold.
func (s *SelfThresholds) Set(collection string, t SelfThreshold) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]SelfThreshold{}
	}
	s.m[collection] = t
}

// All returns a copy of the thresholds measured (collections that had
// too few questions left out).
func (s *SelfThresholds) All() map[string]SelfThreshold {
	out := map[string]SelfThreshold{}
	if s == nil {
		return out
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for c, t := range s.m {
		if t.Questions > 0 {
			out[c] = t
		}
	}
	return out
}

// ArticlesKey identifies a collection's articles as they are: their ids
// and content hashes.
func ArticlesKey(arts []*kb.Article) string {
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID + "@" + a.Hash
	}
	slices.Sort(ids)
	h := fnv.New64a()
	for _, id := range ids {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 16)
}
