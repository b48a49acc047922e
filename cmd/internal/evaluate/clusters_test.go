package evaluate

import (
	"math"
	"testing"
)

func TestPurity(t *testing.T) {
	tests := []struct {
		name        string
		truth, pred []int
		want        float64
	}{
		{"identical", []int{0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2}, 1},
		{"relabelled", []int{0, 0, 1, 1, 2}, []int{2, 2, 0, 0, 1}, 1},
		{"all singletons", []int{0, 0, 1, 1}, []int{0, 1, 2, 3}, 1},
		{"one cluster", []int{0, 0, 1, 1, 1}, []int{0, 0, 0, 0, 0}, 0.6},
		// Clusters {0,0,1} and {1,1,2}: majorities 2 and 2 of 6.
		{"mixed", []int{0, 0, 1, 1, 1, 2}, []int{0, 0, 0, 1, 1, 1}, 4.0 / 6},
		{"empty", nil, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := purity(tc.truth, tc.pred); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("purity(%v, %v) = %v, want %v", tc.truth, tc.pred, got, tc.want)
			}
		})
	}
	// Inverse purity: both gold groups of "one cluster" land whole.
	if got := purity([]int{0, 0, 0, 0, 0}, []int{0, 0, 1, 1, 1}); got != 1 {
		t.Errorf("inverse purity of one cluster = %v, want 1", got)
	}
}

func TestAdjustedRandIndex(t *testing.T) {
	tests := []struct {
		name        string
		truth, pred []int
		want        float64
	}{
		{"identical", []int{0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2}, 1},
		{"relabelled", []int{0, 0, 1, 1, 2}, []int{2, 2, 0, 0, 1}, 1},
		// n_ij: 2,1,1 -> index 1; sum C(a,2) = 2, sum C(b,2) = 1, C(4,2) = 6;
		// E = 2/6; (1 - 1/3) / (3/2 - 1/3) = 4/7.
		{"split one group", []int{0, 0, 1, 1}, []int{0, 0, 1, 2}, 4.0 / 7},
		// n_ij: 2,1,1,2 -> index 2; sums 6 and 3, C(6,2) = 15; E = 1.2;
		// (2 - 1.2) / (4.5 - 1.2) = 8/33.
		{"shifted", []int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 2, 2}, 8.0 / 33},
		// No pair together in both; E = 2*2/6: (0 - 2/3) / (2 - 2/3).
		{"crossed", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},
		{"one group vs singletons", []int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 0},
		{"both singletons", []int{0, 1, 2}, []int{5, 6, 7}, 1},
		{"both one group", []int{0, 0, 0}, []int{1, 1, 1}, 1},
		{"one item", []int{0}, []int{0}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := adjustedRand(tc.truth, tc.pred); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("adjustedRand(%v, %v) = %v, want %v", tc.truth, tc.pred, got, tc.want)
			}
			if got := adjustedRand(tc.pred, tc.truth); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("adjustedRand is not symmetric: (%v, %v) = %v, want %v", tc.pred, tc.truth, got, tc.want)
			}
		})
	}
}
