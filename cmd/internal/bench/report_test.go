package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPercentilesAndMedian(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(100-i) * time.Millisecond
	}
	r := Percentiles(lat)
	if r.P50 != 50*time.Millisecond || r.P99 != 99*time.Millisecond {
		t.Errorf("p50, p99 = %v, %v, want 50ms, 99ms", r.P50, r.P99)
	}
	m := Median([]Result{{P50: 3, QPS: 10}, {P50: 1, QPS: 30, Errors: 2}, {P50: 2, QPS: 20}})
	if m.P50 != 2 || m.QPS != 20 || m.Errors != 2 {
		t.Errorf("median = %+v, want p50 2, q/s 20, errors 2", m)
	}
}

func TestMeasureCountsErrors(t *testing.T) {
	r := Measure(context.Background(), 40, 4, func(_ context.Context, i int) error {
		if i%10 == 0 {
			return errors.New("failed")
		}
		return nil
	})
	if r.Errors != 4 || r.QPS <= 0 {
		t.Errorf("errors, q/s = %d, %v, want 4 and positive", r.Errors, r.QPS)
	}
}

func TestWriteMarkdownRatios(t *testing.T) {
	rep := Report{Articles: 10, Ingest: time.Second, Retrieval: []Row{
		{System: Baton, Concurrency: 1, Result: Result{P50: 4 * time.Millisecond, QPS: 100}},
		{System: Keyword, Concurrency: 1, Result: Result{P50: 2 * time.Millisecond, QPS: 400}},
		{System: Vector, Concurrency: 1, Result: Result{}},
	}}
	var b strings.Builder
	WriteMarkdown(&b, []Report{rep})
	for _, want := range []string{"| 10 | 1.0 | 10.0 |", "| " + Keyword + " | 1 | 2.00 | 0.000 | 400 | 2.00 | 0.25 |", "| " + Vector + " | 1 | 0.000 | 0.000 | 0 | n/a | n/a |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// TestRatioSmall: a ratio far below 1 keeps its digits instead of
// rounding to 0.00.
func TestRatioSmall(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{{1, 300, "0.00333"}, {1, 2, "0.50"}, {5, 1, "5.00"}, {1, 0, "n/a"}} {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
