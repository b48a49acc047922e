package retrieval

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// Positions of each ranking in Fused.Ranks and Fused.Scores.
const (
	RankKeyword   = 0 // article-level BM25 over title, similar questions and passage
	RankQuestions = 1 // BM25 of the single best title or similar question
	RankVector    = 2 // max cosine over the article's title, questions and passages
	RankVectorKNN = 3 // mean cosine of the article's best knnK items
	RankClassify  = 4 // probability under the collection's classifier
	numRankings   = 5
)

// knnK is how many of an article's vectors RankVectorKNN averages: one
// close phrasing can be luck, three agreeing ones rarely are.
const knnK = 3

// FeatureNames names the per-candidate features the fusion model weighs.
var FeatureNames = []string{
	"kw_rel", "kq_rel", "vec", "vec_gap", "knn", "knn_gap",
	"kw_rr", "kq_rr", "vec_rr", "knn_rr",
	"cls", "cls_log", "cls_rr",
}

// legacyFeatures is how many features fusion models had before the
// classifier; such models still load, with zero classifier weights.
const legacyFeatures = 10

// Linear scores a candidate as a weighted sum of its features.
type Linear struct {
	Weights []float64 `json:"weights"` // in FeatureNames order
	Bias    float64   `json:"bias"`
}

// FusionModel holds one linear fusion per search mode: "classified" when
// vectors and a current classifier are available, "hybrid" when vectors
// are, "keyword" when not. A model without "classified" weights uses the
// hybrid ones and ignores the classifier.
type FusionModel struct {
	Hybrid     Linear `json:"hybrid"`
	Keyword    Linear `json:"keyword"`
	Classified Linear `json:"classified,omitempty"`
	FittedOn   string `json:"fitted_on"`
}

//go:embed fusion_default.json
var defaultFusion []byte

// DefaultFusion returns the built-in fusion weights, fitted with
// `baton calibrate --task fusion` on the development sets.
func DefaultFusion() *FusionModel {
	var m FusionModel
	if err := json.Unmarshal(defaultFusion, &m); err != nil || m.validate() != nil {
		panic("retrieval: built-in fusion_default.json is broken") // caught by tests
	}
	return &m
}

// LoadFusion reads fusion weights written by `baton calibrate --task fusion`.
func LoadFusion(path string) (*FusionModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fusion model: %w", err)
	}
	var m FusionModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode fusion model %s: %w", path, err)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("fusion model %s: %w", path, err)
	}
	return &m, nil
}

// validate checks the weight counts and pads models written before the
// classifier features.
func (m *FusionModel) validate() error {
	for _, l := range []*Linear{&m.Hybrid, &m.Keyword, &m.Classified} {
		if len(l.Weights) == legacyFeatures {
			l.Weights = append(l.Weights, make([]float64, len(FeatureNames)-legacyFeatures)...)
		}
	}
	if len(m.Hybrid.Weights) != len(FeatureNames) || len(m.Keyword.Weights) != len(FeatureNames) ||
		(len(m.Classified.Weights) != 0 && len(m.Classified.Weights) != len(FeatureNames)) {
		return fmt.Errorf("want %d weights per mode", len(FeatureNames))
	}
	return nil
}

// rrFeature is the position in FeatureNames of each ranking's reciprocal
// rank.
var rrFeature = [numRankings]int{RankKeyword: 6, RankQuestions: 7, RankVector: 8, RankVectorKNN: 9, RankClassify: 12}

// candidate gathers what the rankings say about one article.
type candidate struct {
	Fused
	vec, knn float64 // exact cosines, known for every article when vectors are on
	hasVec   bool
}

// rank merges the rankings into candidates, computes their features and
// orders them by the linear model. Each result's Score is its model score.
// probs, when not nil, holds the classifier's probability of every
// article and cls its top articles.
func rank(lin Linear, kw, kq []Hit, vecs map[string]vecScore, vmax, vknn []Hit, probs map[string]float64, cls []Hit) []Fused {
	byID := map[string]*candidate{}
	var order []string
	add := func(r int, hits []Hit) {
		for i, h := range hits {
			c, ok := byID[h.ArticleID]
			if !ok {
				c = &candidate{Fused: Fused{ArticleID: h.ArticleID, ChunkID: h.ChunkID, Text: h.Text,
					Ranks: make([]int, numRankings), Scores: make([]float64, numRankings)}}
				byID[h.ArticleID] = c
				order = append(order, h.ArticleID)
			}
			c.Ranks[r] = i + 1
			c.Scores[r] = h.Score
		}
	}
	add(RankKeyword, kw)
	add(RankQuestions, kq)
	add(RankVector, vmax)
	add(RankVectorKNN, vknn)
	add(RankClassify, cls)

	top := func(hits []Hit) float64 {
		if len(hits) == 0 {
			return 0
		}
		return hits[0].Score
	}
	kwTop, kqTop, vTop, kTop := top(kw), top(kq), top(vmax), top(vknn)
	out := make([]Fused, 0, len(order))
	for _, id := range order {
		c := byID[id]
		f := make([]float64, len(FeatureNames))
		if kwTop > 0 {
			f[0] = c.Scores[RankKeyword] / kwTop
		}
		if kqTop > 0 {
			f[1] = c.Scores[RankQuestions] / kqTop
		}
		if v, ok := vecs[id]; ok {
			f[2], f[3] = v.max, v.max-vTop
			f[4], f[5] = v.knn, v.knn-kTop
			c.Scores[RankVector], c.Scores[RankVectorKNN] = v.max, v.knn
			// The passage to answer with is the one nearest the question
			// in meaning; a keyword hit's chunk may only share its words
			// ("items that cannot be returned" for "how do I return an
			// item?").
			switch {
			case v.passageID != "":
				c.ChunkID, c.Text = v.passageID, ""
			case c.ChunkID == "":
				c.ChunkID = v.chunkID
			}
		}
		if p, ok := probs[id]; ok {
			// The log keeps small probabilities apart; floored at 1e-6 so
			// one vanishing probability cannot swamp the other rankings.
			f[10], f[11] = p, math.Log(math.Max(p, 1e-6))/math.Log(1e6)+1
			c.Scores[RankClassify] = p
		}
		for r, j := range rrFeature {
			if c.Ranks[r] > 0 {
				f[j] = 1 / float64(c.Ranks[r])
			}
		}
		c.Features = f
		z := lin.Bias
		for j, x := range f {
			z += lin.Weights[j] * x
		}
		c.Score = z
		out = append(out, c.Fused)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ArticleID < out[j].ArticleID
	})
	return out
}

// Softmax returns the share of the first result among all, from the model
// scores: how much the ranking prefers its top candidate.
func Softmax(hits []Fused) float64 {
	if len(hits) == 0 {
		return 0
	}
	var sum float64
	for _, h := range hits {
		sum += math.Exp(h.Score - hits[0].Score)
	}
	return 1 / sum
}
