package evaluate

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/batonhq/baton/answer"
)

func TestOOSFeatureIndexes(t *testing.T) {
	tests := []struct {
		name    string
		names   []string
		want    []int
		wantErr bool
	}{
		{"none", nil, nil, false},
		{"in the order asked", []string{"kq_peak", "vec_peak"}, []int{7, 0}, false},
		{"unknown", []string{"kw_peak", "vec_top"}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OOSFeatureIndexes(tc.names)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Errorf("OOSFeatureIndexes(%q) = %v, %v; want %v, error %v", tc.names, got, err, tc.want, tc.wantErr)
			}
			for i, idx := range got {
				if answer.OOSNames[idx] != tc.names[i] {
					t.Errorf("index %d names %s, want %s", idx, answer.OOSNames[idx], tc.names[i])
				}
			}
		})
	}
}

// peakSet draws n rows, a third each right, wrong and out of scope, that
// the keyword peak tells apart (high when right; low when right if
// reversed), both as the row's feature and in its hits; the older
// features are noise.
func peakSet(rng *rand.Rand, name string, n int, reversed bool) RowSet {
	s := RowSet{Name: name}
	for i := range n {
		r := Row{Top: []string{"a"}}
		var peak float64
		switch i % 3 {
		case 0:
			r.Gold, r.Correct, peak = "a", true, 0.8
		case 1:
			r.Gold, peak = "b", 0.5
		default:
			peak = 0.2
		}
		if reversed {
			peak = 1 - peak
		}
		peak += 0.03 * rng.NormFloat64()
		r.Features = answer.Features{LogTop: rng.Float64(), Coverage: rng.Float64(), VecTop: 0.6, KwPeak: peak}
		r.Hits = []Hit{
			{ID: "a", Ranks: []int{1, 0, 1, 0, 0}, Scores: []float64{1, 0, 0.6, 0, 0}},
			{ID: "b", Ranks: []int{2, 0, 2, 0, 0}, Scores: []float64{1 - peak, 0, 0.5, 0, 0}},
		}
		s.Rows = append(s.Rows, r)
	}
	return s
}

// TestLeaveOneSetOut: one fold per set, scored on the set left out with
// the model fitted on the others, each set weighing the same: the two
// ordinary sets outweigh a large set where the peak means the opposite,
// which is then ranked backwards when left out.
func TestLeaveOneSetOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	sets := []RowSet{peakSet(rng, "a", 90, false), peakSet(rng, "b", 90, false), peakSet(rng, "c", 90, false), peakSet(rng, "reversed", 600, true)}
	kwPeak, err := OOSFeatureIndexes([]string{"kw_peak"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		extra   []int
		current bool
		// Whether the baseline and the extra features see the peak.
		baseSees, extraSees bool
	}{
		{"legacy features", nil, false, false, false},
		{"legacy features and the peak recomputed from hits", kwPeak, false, false, true},
		{"current features", nil, true, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			folds, err := LeaveOneSetOut(sets, 1, tc.extra, tc.current)
			if err != nil {
				t.Fatal(err)
			}
			if len(folds) != len(sets) {
				t.Fatalf("%d folds, want %d", len(folds), len(sets))
			}
			for i, f := range folds {
				if f.Set != sets[i].Name {
					t.Errorf("fold %d is %s, want %s", i, f.Set, sets[i].Name)
				}
				for _, v := range []struct {
					name string
					s    LOSOScore
					sees bool
				}{{"baseline", f.Baseline, tc.baseSees}, {"extra", f.Extra, tc.extraSees}} {
					switch {
					case !v.sees:
						if v.s.AUROC < 0.3 || v.s.AUROC > 0.7 {
							t.Errorf("%s %s: AUROC %.3f, want about 0.5 from noise", f.Set, v.name, v.s.AUROC)
						}
					case f.Set == "reversed":
						if v.s.AUROC > 0.1 {
							t.Errorf("%s %s: AUROC %.3f, want about 0", f.Set, v.name, v.s.AUROC)
						}
					default:
						if v.s.AUROC < 0.95 || v.s.Recall < 0.9 {
							t.Errorf("%s %s: AUROC %.3f recall %.3f, want about 1", f.Set, v.name, v.s.AUROC, v.s.Recall)
						}
					}
				}
			}
		})
	}
}

// TestLeaveOneSetOutOneSet: a single set leaves nothing to fit on.
func TestLeaveOneSetOutOneSet(t *testing.T) {
	sets := []RowSet{peakSet(rand.New(rand.NewPCG(1, 1)), "a", 30, false)}
	if folds, err := LeaveOneSetOut(sets, 1, nil, true); err == nil {
		t.Errorf("one set: folds %+v, want an error", folds)
	}
}
