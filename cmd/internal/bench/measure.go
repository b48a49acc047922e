package bench

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the latency and throughput of one timed run.
type Result struct {
	P50, P99 time.Duration
	QPS      float64
	Errors   int
}

// Measure calls fn(ctx, i) for every i in [0, n) from concurrency
// goroutines and times each call and the whole run.
func Measure(ctx context.Context, n, concurrency int, fn func(ctx context.Context, i int) error) Result {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range max(concurrency, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				if err := fn(ctx, i); err != nil {
					errs.Add(1)
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	r := Percentiles(lat)
	if wall > 0 {
		r.QPS = float64(n) / wall.Seconds()
	}
	r.Errors = int(errs.Load())
	return r
}

// Percentiles returns the p50 and p99 of lat (nearest rank).
func Percentiles(lat []time.Duration) Result {
	if len(lat) == 0 {
		return Result{}
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s)) + 0.5)
		return s[min(max(i-1, 0), len(s)-1)]
	}
	return Result{P50: rank(0.50), P99: rank(0.99)}
}

// Median is the run with the median p50, p99 and queries/s, each taken
// separately, and the most errors of any run.
func Median(runs []Result) Result {
	if len(runs) == 0 {
		return Result{}
	}
	pick := func(f func(Result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	var m Result
	m.P50 = time.Duration(pick(func(r Result) float64 { return float64(r.P50) }))
	m.P99 = time.Duration(pick(func(r Result) float64 { return float64(r.P99) }))
	m.QPS = pick(func(r Result) float64 { return r.QPS })
	for _, r := range runs {
		m.Errors = max(m.Errors, r.Errors)
	}
	return m
}
