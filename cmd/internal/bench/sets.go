package bench

import (
	"fmt"
	"io"

	"github.com/batonhq/baton/cmd/internal/evaluate"
)

// SetTop1 is one system's top-1 on one evaluation set: of the set's
// in-scope queries (those with a gold article), how many the system
// ranked the gold article first for.
type SetTop1 struct {
	Set    string
	System string
	N      int
	Right  int
}

// Add counts one query whose gold article is gold and which the system
// ranked first (first is empty when it returned nothing).
func (s *SetTop1) Add(gold, first string) {
	s.N++
	if gold != "" && first == gold {
		s.Right++
	}
}

// Top1 is the share of the queries ranked right, 0 without queries.
func (s SetTop1) Top1() float64 {
	if s.N == 0 {
		return 0
	}
	return float64(s.Right) / float64(s.N)
}

// InScope returns the queries of qs that some article answers: top-1
// means nothing for a question the bot should hand off.
func InScope(qs []evaluate.Query) []evaluate.Query {
	var out []evaluate.Query
	for _, q := range qs {
		if q.GoldID != nil && *q.GoldID != "" {
			out = append(out, q)
		}
	}
	return out
}

// WriteSetsMarkdown prints top-1 per set and system as a markdown table,
// in the order of rows, with Baton's top-1 on the same set minus each
// alternative's (above 0: Baton ranks the gold article first more often).
func WriteSetsMarkdown(w io.Writer, rows []SetTop1) {
	baton := map[string]SetTop1{}
	for _, r := range rows {
		if r.System == Baton {
			baton[r.Set] = r
		}
	}
	fmt.Fprintln(w, "| set | system | in-scope queries | top-1 | Baton top-1 - this |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, r := range rows {
		diff := ""
		if b, ok := baton[r.Set]; ok && r.System != Baton {
			diff = fmt.Sprintf("%+.3f", b.Top1()-r.Top1())
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.3f | %s |\n", r.Set, r.System, r.N, r.Top1(), diff)
	}
}
