package answer

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/batonhq/baton/retrieval"
)

func TestFitRecoversCoefficients(t *testing.T) {
	const rows = 5000
	wantW := []float64{2, -1}
	const wantBias = 0.5
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([][]float64, rows)
	ys := make([]bool, rows)
	for i := range xs {
		x := []float64{rng.NormFloat64(), rng.NormFloat64()}
		z := wantBias + wantW[0]*x[0] + wantW[1]*x[1]
		xs[i] = x
		ys[i] = rng.Float64() < sigmoid(z)
	}
	m, err := Fit(xs, ys, nil, 1e-3)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if len(m.Weights) != len(wantW) {
		t.Fatalf("Fit returned %d weights, want %d", len(m.Weights), len(wantW))
	}
	for i, w := range wantW {
		if math.Abs(m.Weights[i]-w) > 0.2 {
			t.Errorf("weight %d = %.3f, want %.1f ± 0.2", i, m.Weights[i], w)
		}
	}
	if math.Abs(m.Bias-wantBias) > 0.2 {
		t.Errorf("bias = %.3f, want %.1f ± 0.2", m.Bias, wantBias)
	}
}

func TestFitSeparableDataStaysFinite(t *testing.T) {
	// Perfectly separable data has no maximum-likelihood fit; the L2
	// penalty must keep the weights finite and on the right side.
	xs := [][]float64{{-2}, {-1}, {1}, {2}}
	ys := []bool{false, false, true, true}
	m, err := Fit(xs, ys, nil, 0.1)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if w := m.Weights[0]; !(w > 0) || math.IsInf(w, 0) {
		t.Errorf("weight = %v, want finite and positive", w)
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		xs   [][]float64
		ys   []bool
	}{
		{"no rows", nil, nil},
		{"fewer labels", [][]float64{{1}, {2}}, []bool{true}},
		{"more labels", [][]float64{{1}}, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := Fit(tt.xs, tt.ys, nil, 1); err == nil {
				t.Errorf("Fit succeeded with %+v, want an error", m)
			}
		})
	}
}

func TestModelProbMonotone(t *testing.T) {
	m := &Model{Weights: make([]float64, len(Names)), Bias: -1}
	m.Weights[2] = 3  // coverage
	m.Weights[1] = -2 // ratio
	prev := -1.0
	for _, cov := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 1} {
		p := m.Prob(Features{Coverage: cov, Ratio: 0.5})
		if !(p > prev) {
			t.Errorf("Prob at coverage %v = %v, not above %v at the previous coverage", cov, p, prev)
		}
		if p <= 0 || p >= 1 {
			t.Errorf("Prob at coverage %v = %v, want inside (0, 1)", cov, p)
		}
		prev = p
	}
	prev = 2.0
	for _, ratio := range []float64{0, 0.5, 1} {
		p := m.Prob(Features{Coverage: 0.5, Ratio: ratio})
		if !(p < prev) {
			t.Errorf("Prob at ratio %v = %v, not below %v at the previous ratio", ratio, p, prev)
		}
		prev = p
	}
	if got := (&Model{}).Prob(Features{Coverage: 1, LogTop: 3}); got != 0.5 {
		t.Errorf("a zero model gives %v, want 0.5", got)
	}
}

func TestFeaturesVectorMatchesNames(t *testing.T) {
	f := Features{LogTop: 1, Ratio: 2, Coverage: 3, BestJacc: 4, LogTerms: 5, LogQTop: 10, QRatio: 11, KwAgree: 12, VecTop: 6, VecMargin: 7, Agree: 8, TopShare: 9, KwPeak: 13, KqPeak: 14, KnnTop: 15}
	byName := map[string]float64{
		"log_top": 1, "ratio": 2, "coverage": 3, "best_jaccard": 4, "log_terms": 5,
		"vec_top": 6, "vec_margin": 7, "agree": 8, "top_share": 9, "log_qtop": 10, "qratio": 11, "kw_agree": 12,
		"kw_peak": 13, "kq_peak": 14, "knn_top": 15,
	}
	v := f.Vector()
	if len(v) != len(Names) {
		t.Fatalf("Vector() has %d values, Names %d", len(v), len(Names))
	}
	for i, name := range Names {
		if v[i] != byName[name] {
			t.Errorf("Vector()[%d] = %v, want %v (%s)", i, v[i], byName[name], name)
		}
	}
	if got := FeaturesFromVector(v); got != f {
		t.Errorf("FeaturesFromVector(Vector()) = %+v, want %+v", got, f)
	}
}

func TestDefaultModel(t *testing.T) {
	m := DefaultModel()
	if len(m.Weights) != len(Names) {
		t.Fatalf("DefaultModel has %d weights, want %d", len(m.Weights), len(Names))
	}
	// A strong, unambiguous match must be more confident than a weak,
	// ambiguous one.
	strong := Features{LogTop: math.Log1p(12), Ratio: 0.2, Coverage: 1, BestJacc: 0.9, LogTerms: math.Log1p(4)}
	weak := Features{LogTop: math.Log1p(1), Ratio: 0.95, Coverage: 0.2, BestJacc: 0.05, LogTerms: math.Log1p(4)}
	if ps, pw := m.Prob(strong), m.Prob(weak); !(ps > pw) {
		t.Errorf("DefaultModel: strong match %v, weak match %v, want strong above weak", ps, pw)
	}
}

func TestLoadModel(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := &Model{Weights: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Bias: -0.5, FittedOn: "test set"}
	b, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	fullModel := &Model{Weights: make([]float64, len(Names)), Bias: 1, FittedOn: "test set"}
	full, err := json.Marshal(fullModel)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		path    string
		want    *Model
		wantErr bool
	}{
		{"round trip (model fitted before the out-of-scope features)", write("good.json", string(b)), good, false},
		{"round trip", write("full.json", string(full)), fullModel, false},
		{"too few weights", write("few.json", `{"weights":[1,2,3],"bias":0}`), nil, true},
		{"too many weights", write("many.json", `{"weights":[1,2,3,4,5,6,7,8,9,10,11,12,13],"bias":0}`), nil, true},
		{"no weights", write("none.json", `{"bias":1}`), nil, true},
		{"not json", write("bad.json", `weights: [1]`), nil, true},
		{"missing file", filepath.Join(dir, "missing.json"), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadModel(tt.path)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("LoadModel succeeded with %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadModel: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadModel = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPriorShift(t *testing.T) {
	s := func(top1 float64, n int) retrieval.Scale { return retrieval.Scale{SelfTop1: top1, SelfN: n} }
	if got := PriorShift(0, s(0.2, 256)); got != 0 {
		t.Errorf("no reference: shift %v, want 0", got)
	}
	if got := PriorShift(0.85, s(0.2, 10)); got != 0 {
		t.Errorf("measured on 10 questions: shift %v, want 0", got)
	}
	if got := PriorShift(0.85, s(0.85, 256)); math.Abs(got) > 1e-12 {
		t.Errorf("at the reference: shift %v, want 0", got)
	}
	// Odds 0.25 against odds 1: log 0.25.
	if got := PriorShift(0.5, s(0.2, 256)); math.Abs(got-math.Log(0.25)) > 1e-9 {
		t.Errorf("shift %v, want log(0.25)", got)
	}
	m := &Model{Weights: make([]float64, len(Names)), Bias: 0, PriorRef: 0.5}
	f := Features{VecTop: 0.8, Scale: s(0.2, 256)}
	if got, want := m.Prob(f), 0.2; math.Abs(got-want) > 1e-9 {
		t.Errorf("Prob = %v, want %v (even odds times 0.25)", got, want)
	}
	if got := m.ProbBeforePrior(f); got != 0.5 {
		t.Errorf("ProbBeforePrior = %v, want 0.5", got)
	}
	// Keyword-only turns (no vectors, so no scale) are not shifted.
	m.Keyword = &Model{Weights: make([]float64, len(Names))}
	if got := m.Prob(Features{Scale: s(0.2, 256)}); got != 0.5 {
		t.Errorf("keyword-only Prob = %v, want 0.5", got)
	}
}
