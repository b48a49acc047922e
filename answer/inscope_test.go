package answer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInScopeModel(t *testing.T) {
	m := DefaultInScopeModel()
	far := m.Prob([]float64{0.3, 0.25, 0.01, 0.2, 0.05})
	near := m.Prob([]float64{0.92, 0.9, 0.6, 1, 0.2}) // in scope, but unsure which article
	if !(far < 0.2 && near > 0.8) {
		t.Errorf("in_scope far %.3f near %.3f: want an unlike question low and a near one high whatever the confidence", far, near)
	}
	if got := m.Prob([]float64{0, 0, 0, 0.5, 0.42}); got != 0.42 {
		t.Errorf("keyword-only turn: in_scope %v, want the confidence 0.42", got)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"weights":[1],"bias":0}`), 0o644)
	if _, err := LoadInScopeModel(bad); err == nil || !strings.Contains(err.Error(), "want 5") {
		t.Errorf("a model with one weight: %v, want an error naming the 5 features", err)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, defaultInScope, 0o644)
	if l, err := LoadInScopeModel(good); err != nil || l.Bias != m.Bias {
		t.Errorf("LoadInScopeModel(default) = %+v, %v", l, err)
	}
}

func TestFitInScopeWeighsSetsEqually(t *testing.T) {
	// A big set where the feature separates and a small one where every
	// question is out of scope at a high cosine: equal set weights keep the
	// small set's say.
	var xs [][]float64
	var ys []bool
	var set []string
	for i := range 1000 {
		c := 0.3 + 0.6*float64(i%2)
		xs = append(xs, []float64{c, c, 0, 0, 0})
		ys = append(ys, i%2 == 1)
		set = append(set, "big")
	}
	for range 50 {
		xs = append(xs, []float64{0.9, 0.9, 0, 0, 0})
		ys = append(ys, false)
		set = append(set, "small")
	}
	m, err := FitInScope(xs, ys, set, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Prob([]float64{0.9, 0.9, 0, 0, 0}); p > 0.8 {
		t.Errorf("P(in scope | cosine 0.9) = %.3f: the small set's 50 out-of-scope questions were drowned", p)
	}
}
