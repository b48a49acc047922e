package ingest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenFixtures are the fixtures whose passages are pinned, in both
// languages and every structure the chunker must respect: headings,
// Q/A pairs, tables, lists.
var goldenFixtures = []string{
	"returns.md", "refund-zh.md", "shipping.txt", "delivery-zh.txt",
	"warranty.html", "payment-zh.htm", "faq.csv", "faq-zh.csv", "articles.jsonl",
	"policy-long.md", "policy-long-zh.md",
	"guide.docx", "guide-zh.docx", "returns.pdf", "refund-zh.pdf", "faq.xlsx", "faq-zh.xlsx",
}

// TestChunkGolden parses each fixture and splits its articles at a small
// token limit, so that cuts happen, and compares the passages with
// testdata/golden/NAME.chunks. Run with -update after a deliberate change
// and read the diff.
func TestChunkGolden(t *testing.T) {
	for _, name := range goldenFixtures {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			arts, err := Parse(name, data, "golden")
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, a := range arts {
				fmt.Fprintf(&b, "=== %s (%s) %q\n", a.ID, a.Lang, a.Title)
				for _, c := range Split(a, 60) {
					fmt.Fprintf(&b, "--- %s [%s] %d tokens\n%s\n", c.ID, c.Heading, Tokens(c.Text), c.Text)
				}
			}
			path := filepath.Join("testdata", "golden", name+".chunks")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./ingest -run ChunkGolden -update to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("passages of %s changed; run with -update if intended, then read the diff.\ngot:\n%s", name, got)
			}
		})
	}
}
