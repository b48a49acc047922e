// Package answer composes the bot's reply to a customer turn: the cited
// extractive answer, its calibrated confidence and its band.
package answer

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/batonhq/baton/retrieval"
)

// Features are the retrieval signals confidence is computed from. All are
// cheap and available for every turn; none is a raw score shown to users.
type Features struct {
	LogTop    float64 // log(1 + keyword score of the top article)
	Ratio     float64 // second keyword score / top keyword score (0 if none)
	Coverage  float64 // share of the question's terms found in the top article
	BestJacc  float64 // best term Jaccard between the question and one of the top article's title/questions
	LogTerms  float64 // log(1 + number of analysed terms in the question)
	LogQTop   float64 // log(1 + keyword score of the best single similar question)
	QRatio    float64 // second / top score of the question ranking
	KwAgree   float64 // 1 when both keyword rankings put the fused top article first
	VecTop    float64 // cosine of the top vector hit (0 when keyword-only)
	VecMargin float64 // top minus second vector cosine
	Agree     float64 // 1 when the vector ranking puts the fused top article first
	TopShare  float64 // softmax share of the top candidate under the fusion scores
	// Out-of-scope features (issue 4): how the best match stands out from
	// the rest of the collection's nearest articles, not just from the
	// second one (see OOSFeatures).
	KwPeak float64 // 1 - mean of keyword scores ranked 2..10 / top keyword score
	KqPeak float64 // the same for the question-level keyword ranking
	KnnTop float64 // best mean cosine of an article's 3 closest texts (0 when keyword-only)
	// Scale is where the collection's cosines lie (zero until measured,
	// and without vectors); the in-scope estimate reads VecTop against it.
	Scale retrieval.Scale
}

// Names lists the features in vector order.
var Names = []string{"log_top", "ratio", "coverage", "best_jaccard", "log_terms", "log_qtop", "qratio", "kw_agree", "vec_top", "vec_margin", "agree", "top_share", "kw_peak", "kq_peak", "knn_top"}

// Vector returns the features in Names order.
func (f Features) Vector() []float64 {
	return []float64{f.LogTop, f.Ratio, f.Coverage, f.BestJacc, f.LogTerms, f.LogQTop, f.QRatio, f.KwAgree, f.VecTop, f.VecMargin, f.Agree, f.TopShare, f.KwPeak, f.KqPeak, f.KnnTop}
}

// FeaturesFromVector is the inverse of Vector.
func FeaturesFromVector(v []float64) Features {
	var f Features
	dst := []*float64{&f.LogTop, &f.Ratio, &f.Coverage, &f.BestJacc, &f.LogTerms, &f.LogQTop, &f.QRatio, &f.KwAgree, &f.VecTop, &f.VecMargin, &f.Agree, &f.TopShare, &f.KwPeak, &f.KqPeak, &f.KnnTop}
	for i := range dst {
		if i < len(v) {
			*dst[i] = v[i]
		}
	}
	return f
}

// LegacyFeatures is how many features models fitted before the
// out-of-scope features had: such a model still loads and weighs only
// those (Prob ignores features beyond its weights).
const LegacyFeatures = 12

// Model is a logistic regression from features to the probability that the
// top article is the right answer.
type Model struct {
	Weights []float64 `json:"weights"` // in Names order
	Bias    float64   `json:"bias"`
	// FittedOn says what data the coefficients came from.
	FittedOn string `json:"fitted_on"`
	// Keyword, when set, is used for turns searched without vectors
	// (keyword-only mode, or the embedder failing): their features are
	// distributed differently.
	Keyword *Model `json:"keyword,omitempty"`
	// PriorRef, when set, is the share of a collection's own similar
	// questions nearest their own article (retrieval.Scale.SelfTop1) that
	// the fit takes as given. A collection measured otherwise has the odds
	// of its top article being right scaled by its own odds over these
	// (PriorShift): a knowledge base of near-duplicate articles, where the
	// nearest article is often a twin of the right one, gets lower
	// confidence before any of its questions is labelled.
	PriorRef float64 `json:"prior_ref,omitempty"`
}

// DefaultPriorRef is the PriorRef `baton calibrate` fits with: a
// collection whose articles are told apart as well as the evaluation sets'
// English ones (0.82-0.91) keeps about the fitted odds.
const DefaultPriorRef = 0.85

// minSelfN is how many similar questions a collection's SelfTop1 must be
// measured on before it moves the confidence.
const minSelfN = 32

// PriorShift returns the term a model with prior reference ref adds to the
// logit of a turn in a collection of scale s: log odds of s.SelfTop1 minus
// those of ref; 0 without a reference or a measured scale.
func PriorShift(ref float64, s retrieval.Scale) float64 {
	if ref <= 0 || s.SelfN < minSelfN {
		return 0
	}
	return logOdds(s.SelfTop1) - logOdds(ref)
}

// logOdds is the log odds of p, kept within 1%..99%.
func logOdds(p float64) float64 {
	p = min(max(p, 0.01), 0.99)
	return math.Log(p / (1 - p))
}

// Prob returns the calibrated probability for f, in f's collection.
func (m *Model) Prob(f Features) float64 {
	if m.Keyword != nil && f.VecTop == 0 {
		return m.Keyword.Prob(f)
	}
	return sigmoid(m.logit(f) + PriorShift(m.PriorRef, f.Scale))
}

// ProbBeforePrior is Prob for a collection with the fit's prior: what the
// turn's features say, whatever the collection.
func (m *Model) ProbBeforePrior(f Features) float64 {
	if m.Keyword != nil && f.VecTop == 0 {
		m = m.Keyword
	}
	return sigmoid(m.logit(f))
}

func (m *Model) logit(f Features) float64 {
	z := m.Bias
	for i, x := range f.Vector() {
		if i < len(m.Weights) {
			z += m.Weights[i] * x
		}
	}
	return z
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// LoadModel reads a model written by `baton calibrate`.
func LoadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read confidence model: %w", err)
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode confidence model %s: %w", path, err)
	}
	if len(m.Weights) != len(Names) && len(m.Weights) != LegacyFeatures {
		return nil, fmt.Errorf("confidence model %s has %d weights, want %d", path, len(m.Weights), len(Names))
	}
	return &m, nil
}

// Fit fits a logistic regression by Newton's method (IRLS) with a small L2
// penalty, which keeps the fit stable when features are collinear. ws
// weighs rows (nil: all 1), so that one large labelled set does not drown
// the others.
func Fit(xs [][]float64, ys []bool, ws []float64, l2 float64) (*Model, error) {
	return FitOffset(xs, ys, ws, nil, l2)
}

// FitOffset is Fit with a known term added to each row's logit (nil: none),
// such as a prior that differs by collection (see PriorShift): the weights
// learn what the features say beyond it.
func FitOffset(xs [][]float64, ys []bool, ws, offsets []float64, l2 float64) (*Model, error) {
	if offsets != nil && len(offsets) != len(xs) {
		return nil, fmt.Errorf("fit: need as many offsets as rows, got %d and %d", len(offsets), len(xs))
	}
	if len(xs) == 0 || len(xs) != len(ys) {
		return nil, fmt.Errorf("fit: need as many labels as rows, got %d and %d", len(xs), len(ys))
	}
	if ws != nil && len(ws) != len(xs) {
		return nil, fmt.Errorf("fit: need as many weights as rows, got %d and %d", len(ws), len(xs))
	}
	d := len(xs[0]) + 1 // bias last
	w := make([]float64, d)
	row := make([]float64, d)
	for iter := 0; iter < 50; iter++ {
		grad := make([]float64, d)
		hess := make([][]float64, d)
		for i := range hess {
			hess[i] = make([]float64, d)
		}
		for i, x := range xs {
			copy(row, x)
			row[d-1] = 1
			z := 0.0
			if offsets != nil {
				z = offsets[i]
			}
			for j := range row {
				z += w[j] * row[j]
			}
			p := sigmoid(z)
			y := 0.0
			if ys[i] {
				y = 1
			}
			wt := 1.0
			if ws != nil {
				wt = ws[i]
			}
			for j := range row {
				grad[j] += wt * (p - y) * row[j]
				for k := range row {
					hess[j][k] += wt * p * (1 - p) * row[j] * row[k]
				}
			}
		}
		for j := 0; j < d-1; j++ {
			grad[j] += l2 * w[j]
			hess[j][j] += l2
		}
		hess[d-1][d-1] += 1e-9
		step, err := solve(hess, grad)
		if err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
		maxStep := 0.0
		for j := range w {
			w[j] -= step[j]
			maxStep = math.Max(maxStep, math.Abs(step[j]))
		}
		if maxStep < 1e-8 {
			break
		}
	}
	return &Model{Weights: w[:d-1], Bias: w[d-1]}, nil
}

// solve solves a·x = b by Gaussian elimination with partial pivoting.
func solve(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return nil, fmt.Errorf("singular system")
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x, nil
}
