package evaluate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
)

func TestRowsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.jsonl")
	rows := []Row{
		{Query: "how do I <reset> my password?", Collection: "shop", Gold: "pw", Top: []string{"pw", "login"}, Band: kb.BandAnswer,
			Confidence: 0.91, InScope: 0.8, Correct: true, Features: answer.Features{VecTop: 0.83, Agree: 1},
			Hits: []Hit{{ID: "pw", Ranks: []int{1, 2}, Scores: []float64{3.5, 0.83}, Features: []float64{1, 0.5}}}},
		{Query: "你好", Collection: "shop", Band: kb.BandClarify, Reasons: []string{kb.ReasonLowConfidence}, Suggested: []string{"a", "b"}},
	}
	if err := WriteRows(path, rows); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 2 {
		t.Errorf("%d lines, want one per row", n)
	}
	if !strings.Contains(string(b), "<reset>") {
		t.Errorf("HTML escaped in %s", b)
	}
	got, err := ReadRows(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, rows)
	}
}

func TestReadQueries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queries.jsonl")
	doc := `{"query":"refund?","lang":"en","gold_id":"refund","collection":"shop"}
{"query":"weather","gold_id":null,"in_scope":true}
`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQueries(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[0].GoldID == nil || *qs[0].GoldID != "refund" || qs[0].Collection != "shop" {
		t.Fatalf("queries = %+v", qs)
	}
	if qs[1].GoldID != nil || qs[1].Collection != kb.DefaultCollection || qs[1].InScope != nil {
		t.Errorf("second query = %+v, want out of scope, default collection, no in-scope label from the file", qs[1])
	}
	if err := os.WriteFile(path, []byte(doc+"{broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadQueries(path); err == nil || !strings.Contains(err.Error(), "record 3") {
		t.Errorf("broken line: err = %v, want it to name record 3", err)
	}
}
