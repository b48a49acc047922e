package evaluate

import (
	"math/rand/v2"
	"testing"
)

func TestRecallAtFalse(t *testing.T) {
	tests := []struct {
		name      string
		score     []float64
		in, other []bool
		want, th  float64
	}{
		{"separable", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, []bool{false, false, false, false}, 1, 0.8},
		{"one in-scope below every out-of-scope", []float64{0.05, 0.1, 0.2, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.999},
			[]bool{true, false, false, true, true, true, true, true, true, true, true, true}, make([]bool, 12), 1, 0.8},
		{"another trigger already costs the budget", []float64{0.1, 0.9, 0.8}, []bool{false, true, true}, []bool{false, true, false}, 0, 0},
		{"ties are not split", []float64{0.5, 0.5, 0.9}, []bool{false, true, true}, []bool{false, false, false}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, th := RecallAtFalse(tt.score, tt.in, tt.other, 0.10)
			if got != tt.want || (got > 0 && th != tt.th) {
				t.Errorf("RecallAtFalse = %v at %v, want %v at %v", got, th, tt.want, tt.th)
			}
		})
	}
}

// TestInScopeLOSO: on synthetic sets where a feature separates in from out
// of scope, the left-out sets are separated too, and the fit weighs it up.
func TestInScopeLOSO(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sets []LabelledSet
	for _, name := range []string{"a", "b", "c"} {
		s := LabelledSet{Name: name}
		for i := 0; i < 300; i++ {
			in := i%3 != 0
			cos := 0.55 + 0.1*r.NormFloat64()
			if in {
				cos += 0.25
			}
			s.X = append(s.X, []float64{cos, cos - 0.05, r.Float64(), r.Float64(), r.Float64()})
			s.In = append(s.In, in)
			s.Other = append(s.Other, false)
		}
		sets = append(sets, s)
	}
	folds, pooled, m, err := InScopeLOSO(sets, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range folds {
		if f.AUROC < 0.9 || f.RecallAtFH10 < 0.6 {
			t.Errorf("%s: AUROC %v recall %v, want the separating feature found", f.Set, f.AUROC, f.RecallAtFH10)
		}
	}
	if pooled > 0.1 {
		t.Errorf("pooled ECE %v", pooled)
	}
	if m.Weights[0] <= 0 {
		t.Errorf("weights %v: the cosine should weigh up", m.Weights)
	}
}
