package evaluate

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/escalate"
)

// writeFile writes content to dir/name, creating dir.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSmallTalkQueries(t *testing.T) {
	root := t.TempDir()
	shop := filepath.Join(root, "shop")
	writeFile(t, shop, "queries.jsonl", `{"query":"hello","gold_id":"greeting"}
{"query":"thanks!","gold_id":null}

{"query":"hi, my card is blocked","gold_id":"card"}
{"query":"where is my parcel","gold_id":"parcel"}
`)
	var many strings.Builder
	for i := range 10 {
		fmt.Fprintf(&many, "{\"query\":\"hi%s\",\"gold_id\":\"greeting\"}\n", strings.Repeat("i", i))
	}
	chat := filepath.Join(root, "chat")
	writeFile(t, chat, "queries.jsonl", many.String())
	got, err := SmallTalkQueries(escalate.DefaultSmallTalk(), []string{shop, chat})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d sets, want 2", len(got))
	}
	s := got[0]
	// A greeting before a question is a question.
	if s.Set != "shop" || s.N != 4 || s.Taken != 2 || s.Share != 0.5 ||
		!maps.Equal(s.ByGold, map[string]int{"greeting": 1, "": 1}) || !slices.Equal(s.Samples, []string{"hello", "thanks!"}) {
		t.Errorf("shop = %+v, want hello and thanks taken of 4", s)
	}
	if c := got[1]; c.Set != "chat" || c.Taken != 10 || c.Share != 1 || len(c.Samples) != 8 {
		t.Errorf("chat = %+v, want all 10 taken and 8 samples kept", c)
	}
}

func TestSmallTalkQueriesErrors(t *testing.T) {
	root := t.TempDir()
	bad := filepath.Join(root, "bad")
	writeFile(t, bad, "queries.jsonl", "{\"query\":\"hello\"}\nnot json\n")
	for _, dir := range []string{bad, filepath.Join(root, "missing")} {
		if _, err := SmallTalkQueries(escalate.DefaultSmallTalk(), []string{dir}); err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: err = %v, want one naming the set", filepath.Base(dir), err)
		}
	}
}

func TestSmallTalkHeldOut(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		wantN      int
		wantMissed []string
		wantErr    bool
	}{
		{"all recognised", "# held-out phrasings\ngreeting\thello there\n\nthanks\tthank you so much\n", 2, nil, false},
		{"missed and mistaken", "greeting\thello\ngoodbye\twhere is my parcel\ngreeting\tthanks\n", 3,
			[]string{`where is my parcel (goodbye, got "")`, `thanks (greeting, got "thanks")`}, false},
		{"no tab", "greeting hello\n", 0, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "held.tsv", tc.file)
			n, missed, err := SmallTalkHeldOut(escalate.DefaultSmallTalk(), path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if n != tc.wantN || !slices.Equal(missed, tc.wantMissed) {
				t.Errorf("SmallTalkHeldOut = %d, %q; want %d, %q", n, missed, tc.wantN, tc.wantMissed)
			}
		})
	}
}
