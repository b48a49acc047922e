package bench

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/cmd/internal/evaluate"
)

func TestSetTop1Counts(t *testing.T) {
	var s SetTop1
	for _, tc := range []struct{ gold, first string }{
		{"a", "a"}, {"b", "a"}, {"c", ""}, {"d", "d"},
	} {
		s.Add(tc.gold, tc.first)
	}
	if s.N != 4 || s.Right != 2 || s.Top1() != 0.5 {
		t.Errorf("n, right, top-1 = %d, %d, %v, want 4, 2, 0.5", s.N, s.Right, s.Top1())
	}
	// Nothing returned is never right, even for a query without gold.
	var empty SetTop1
	empty.Add("", "")
	if empty.Right != 0 || (SetTop1{}).Top1() != 0 {
		t.Errorf("right = %d, top-1 of none = %v, want 0 and 0", empty.Right, (SetTop1{}).Top1())
	}
}

func TestInScope(t *testing.T) {
	gold, blank := "kb:1", ""
	qs := []evaluate.Query{{Query: "in", GoldID: &gold}, {Query: "oos"}, {Query: "blank", GoldID: &blank}}
	got := InScope(qs)
	if len(got) != 1 || got[0].Query != "in" {
		t.Errorf("in scope = %+v, want only the query with a gold article", got)
	}
}

func TestWriteSetsMarkdown(t *testing.T) {
	rows := []SetTop1{
		{Set: "faq", System: Baton, N: 200, Right: 180},
		{Set: "faq", System: Keyword, N: 200, Right: 120},
		{Set: "faq", System: Postgres, N: 200, Right: 190},
		{Set: "zh", System: Baton, N: 10, Right: 5},
		{Set: "zh", System: Vector, N: 10, Right: 5},
	}
	var b strings.Builder
	WriteSetsMarkdown(&b, rows)
	for _, want := range []string{
		"| faq | " + Baton + " | 200 | 0.900 |  |",
		"| faq | " + Keyword + " | 200 | 0.600 | +0.300 |",
		"| faq | " + Postgres + " | 200 | 0.950 | -0.050 |",
		"| zh | " + Vector + " | 10 | 0.500 | +0.000 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
