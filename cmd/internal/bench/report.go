package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// The systems a Report times.
const (
	Baton   = "Baton retrieval (hybrid, as the bot)"
	Keyword = "bleve keyword alone"
	Vector  = "exact vector alone (query pre-embedded)"
	Embed   = "query embedding alone"
	// Postgres is the do-it-yourself alternative: PostgreSQL full-text
	// search and pgvector HNSW fused in one SQL query.
	Postgres = "PostgreSQL FTS + pgvector HNSW, one SQL query (embedding included)"
	Chat     = "chat turn over HTTP"
)

// Row is one system's median figures at one concurrency.
type Row struct {
	System      string
	Concurrency int
	Result
}

// Report is what `baton bench` measured on one knowledge-base size.
type Report struct {
	Articles   int
	Ingest     time.Duration
	PeakRSS    int64 // bytes, during ingest
	Queries    int
	Retrieval  []Row // Baton, Keyword, Vector at each concurrency
	Embedding  Row   // sequential, for the vector-alone column's excluded cost
	ChatTurns  []Row
	ChatErrors int
	// DIYLoad is how long copying the texts and vectors into PostgreSQL
	// and building its indexes took, DIYRows how many texts; zero
	// without the PostgreSQL alternative.
	DIYLoad time.Duration
	DIYRows int
	// SelfThreshold is how long the collection took to measure its own
	// hand-off threshold (a background task of the server).
	SelfThreshold time.Duration
}

// IngestRate is articles per second.
func (r Report) IngestRate() float64 {
	if r.Ingest <= 0 {
		return 0
	}
	return float64(r.Articles) / r.Ingest.Seconds()
}

// find is the row of system at concurrency c.
func (r Report) find(system string, c int) (Row, bool) {
	for _, x := range r.Retrieval {
		if x.System == system && x.Concurrency == c {
			return x, true
		}
	}
	return Row{}, false
}

// WriteMarkdown prints the reports as markdown tables: one of ingest, one
// of query latency with Baton's figures as ratios to each alternative (the
// same run), one of chat turns.
func WriteMarkdown(w io.Writer, reports []Report) {
	fmt.Fprintln(w, "| articles | ingest s | articles/s | peak RSS MB |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|")
	for _, r := range reports {
		fmt.Fprintf(w, "| %d | %.1f | %.1f | %.0f |\n", r.Articles, r.Ingest.Seconds(), r.IngestRate(), float64(r.PeakRSS)/(1<<20))
	}
	for _, r := range reports {
		if r.SelfThreshold > 0 {
			fmt.Fprintf(w, "\nHand-off threshold measured in the background (self_handoff), %d articles: %.1f s.\n", r.Articles, r.SelfThreshold.Seconds())
		}
		if r.DIYRows > 0 {
			fmt.Fprintf(w, "\nPostgreSQL alternative, %d articles: %d texts with Baton's vectors copied and indexed (GIN + HNSW) in %.1f s.\n", r.Articles, r.DIYRows, r.DIYLoad.Seconds())
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| articles | system | concurrency | p50 ms | p99 ms | queries/s | Baton p50 / this | Baton q/s / this |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range reports {
		for _, x := range r.Retrieval {
			b, _ := r.find(Baton, x.Concurrency)
			fmt.Fprintf(w, "| %d | %s | %d | %s | %s | %.0f | %s | %s |\n", r.Articles, x.System, x.Concurrency,
				ms(x.P50), ms(x.P99), x.QPS, ratio(float64(b.P50), float64(x.P50)), ratio(b.QPS, x.QPS))
		}
		e := r.Embedding
		fmt.Fprintf(w, "| %d | %s | %d | %s | %s | %.0f | | |\n", r.Articles, Embed, e.Concurrency, ms(e.P50), ms(e.P99), e.QPS)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| articles | chat turns | concurrency | p50 ms | p99 ms | turns/s | errors |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|")
	for _, r := range reports {
		for _, x := range r.ChatTurns {
			fmt.Fprintf(w, "| %d | %s | %d | %s | %s | %.1f | %d |\n", r.Articles, x.System, x.Concurrency, ms(x.P50), ms(x.P99), x.QPS, x.Errors)
		}
	}
}

// ms is d in milliseconds, to the microsecond below one.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 1 {
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// ratio is a/b to two places (three significant digits below 0.1, so a
// small ratio never reads as 0), "n/a" when undefined.
func ratio(a, b float64) string {
	r := a / b
	if b == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	if r != 0 && math.Abs(r) < 0.1 {
		return strconv.FormatFloat(r, 'g', 3, 64)
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

// PeakRSS is the process's peak resident set (VmHWM) in bytes, 0 when
// /proc does not say.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ResetPeakRSS starts VmHWM afresh (Linux's clear_refs 5), so the peak of
// each size is its own; it does nothing where that is not possible.
func ResetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
