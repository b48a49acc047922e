package answer

import (
	"math"
	"testing"
)

func TestAUROC(t *testing.T) {
	tests := []struct {
		name     string
		scores   []float64
		positive []bool
		want     float64
	}{
		{"perfect separation", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"perfect separation, shuffled", []float64{0.9, 0.1, 0.8, 0.2}, []bool{true, false, true, false}, 1},
		{"reversed", []float64{0.1, 0.2, 0.8, 0.9}, []bool{true, true, false, false}, 0},
		{"all ties", []float64{0.5, 0.5, 0.5, 0.5}, []bool{true, false, true, false}, 0.5},
		{"no positives", []float64{0.1, 0.9}, []bool{false, false}, 0.5},
		{"no negatives", []float64{0.1, 0.9}, []bool{true, true}, 0.5},
		{"empty", nil, nil, 0.5},
		// Pairs (pos, neg): (0.35,0.1) win, (0.35,0.4) loss, (0.8,0.1) win, (0.8,0.4) win: 3/4.
		{"hand computed", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		// Positives 0.5, 0.9; negatives 0.5, 0.2: one tie (half) and three wins: 3.5/4.
		{"hand computed with a tie", []float64{0.5, 0.5, 0.2, 0.9}, []bool{true, false, false, true}, 0.875},
		// Positives 0.3, 0.3, 0.7; negatives 0.3, 0.6: pairs 0.5+0, 0.5+0, 1+1 = 3 of 6.
		{"tie group mixing classes", []float64{0.3, 0.3, 0.7, 0.3, 0.6}, []bool{true, true, true, false, false}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AUROC(tt.scores, tt.positive); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("AUROC(%v, %v) = %v, want %v", tt.scores, tt.positive, got, tt.want)
			}
		})
	}
}

func TestECE(t *testing.T) {
	tests := []struct {
		name    string
		conf    []float64
		correct []bool
		bins    int
		want    float64
	}{
		{"empty", nil, nil, 10, 0},
		{
			name:    "perfectly calibrated bins",
			conf:    []float64{0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75},
			correct: []bool{true, false, false, false, true, true, true, false},
			bins:    10,
			want:    0,
		},
		{"all confident, all wrong", []float64{1, 1, 1}, []bool{false, false, false}, 10, 1},
		{"all unsure, all right", []float64{0, 0}, []bool{true, true}, 10, 1},
		{"nearly certain, all wrong", []float64{0.99, 0.99}, []bool{false, false}, 10, 0.99},
		// Bins of width 0.2: {0.1 wrong} |0-0.1|, {0.3 right} |1-0.3|,
		// {0.9 right, 0.9 wrong} |1-1.8|; (0.1+0.7+0.8)/4.
		{"hand computed", []float64{0.1, 0.3, 0.9, 0.9}, []bool{false, true, true, false}, 5, 0.4},
		// One bin: only the overall gap counts, (0.9+0.1)/2 vs 1/2 right.
		{"one bin averages everything", []float64{0.9, 0.1}, []bool{true, false}, 1, 0},
		// Same data in two bins: each bin is off by 0.1.
		{"two bins see the spread", []float64{0.9, 0.1}, []bool{true, false}, 2, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ECE(tt.conf, tt.correct, tt.bins); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ECE(%v, %v, %d) = %v, want %v", tt.conf, tt.correct, tt.bins, got, tt.want)
			}
		})
	}
}
