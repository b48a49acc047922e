package answer

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
)

// InScopeNames names the features of the in-scope estimate, in order: the
// best cosine of the question to any article text (the plain max-cosine
// signal), the best mean cosine of an article's three closest texts, the
// per-collection classifier's best probability, the share of the
// question's terms the top article holds, and the confidence that the top
// article is the right one. They ask "does some article answer this?",
// not "which one": a question between near-duplicate articles scores high
// on the first four even when the fifth is low.
var InScopeNames = []string{"vec_top", "knn_top", "cls_top", "coverage", "confidence"}

// InScopeVector returns the in-scope features of a turn: f its confidence
// features, o its OOSFeatures, conf its model confidence.
func InScopeVector(f Features, o []float64, conf float64) []float64 {
	return []float64{f.VecTop, o[oosKnnTop], o[oosClsTop], f.Coverage, conf}
}

// oosClsTop is cls_top's position in OOSNames.
const oosClsTop = 9

// InScopeModel is a logistic regression from InScopeVector to the
// probability that the collection has an article answering the question.
type InScopeModel struct {
	Weights  []float64 `json:"weights"` // in InScopeNames order
	Bias     float64   `json:"bias"`
	FittedOn string    `json:"fitted_on"`
}

// Prob returns the in-scope probability of x. Without vectors (keyword-only
// search, or the embedder failing on the question) three of the features
// are missing and the confidence stands in for it.
func (m *InScopeModel) Prob(x []float64) float64 {
	if x[0] == 0 {
		return x[len(x)-1]
	}
	z := m.Bias
	for i, w := range m.Weights {
		z += w * x[i]
	}
	return sigmoid(z)
}

//go:embed inscope_default.json
var defaultInScope []byte

// DefaultInScopeModel returns the built-in in-scope model.
func DefaultInScopeModel() *InScopeModel {
	m, err := parseInScope(defaultInScope)
	if err != nil {
		panic("answer: built-in inscope_default.json is broken: " + err.Error()) // caught by tests
	}
	return m
}

// LoadInScopeModel reads a model written by `baton calibrate --task inscope`.
func LoadInScopeModel(path string) (*InScopeModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read in-scope model: %w", err)
	}
	m, err := parseInScope(b)
	if err != nil {
		return nil, fmt.Errorf("in-scope model %s: %w", path, err)
	}
	return m, nil
}

func parseInScope(b []byte) (*InScopeModel, error) {
	var m InScopeModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(m.Weights) != len(InScopeNames) {
		return nil, fmt.Errorf("%d weights, want %d (%v)", len(m.Weights), len(InScopeNames), InScopeNames)
	}
	return &m, nil
}

// FitInScope fits an in-scope model on rows of InScopeVector with their
// labels (true: in scope), each set (set names each row's) weighing the
// same, so that the largest set does not set the threshold for everyone;
// within a set the labels keep their share, so that the probability stays
// calibrated over collections with few or many unanswerable questions.
func FitInScope(xs [][]float64, ys []bool, set []string, l2 float64) (*InScopeModel, error) {
	n := map[string]int{}
	for i := range xs {
		n[set[i]]++
	}
	ws := make([]float64, len(xs))
	for i := range xs {
		// The mean row weight stays 1.
		ws[i] = float64(len(xs)) / float64(len(n)*n[set[i]])
	}
	m, err := Fit(xs, ys, ws, l2)
	if err != nil {
		return nil, err
	}
	return &InScopeModel{Weights: m.Weights, Bias: m.Bias}, nil
}
