package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFixture writes a tiny source set of two languages under dir.
func writeFixture(t *testing.T, dir string) {
	t.Helper()
	lines := []string{
		`{"id":"a:1","title":"Reset my password","body":"Open settings.\n\nChoose reset.","lang":"en","questions":["forgot password","cannot log in","reset login"],"collection":"a"}`,
		`{"id":"a:2","title":"Refund times","body":"Refunds take five days.","lang":"en","questions":["when is my refund","refund late"],"collection":"a"}`,
		`{"id":"a:3","title":"","body":"","lang":"en","questions":["change my address","update address","new address"],"collection":"a"}`,
		`{"id":"z:1","title":"怎么退款","body":"七天内可退款。","lang":"zh","questions":["退款多久到账","如何申请退款"],"collection":"z"}`,
		`{"id":"z:2","title":"修改密码","body":"","lang":"zh","questions":["忘记密码怎么办","密码找回"],"collection":"z"}`,
	}
	for i, sub := range []string{"en", "zh"} {
		d := filepath.Join(dir, sub)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		part := lines[:3]
		if i == 1 {
			part = lines[3:]
		}
		if err := os.WriteFile(filepath.Join(d, "kb.jsonl"), []byte(strings.Join(part, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func generate(t *testing.T, src []Article, n int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Generate(&b, src, n, seed, "bench"); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGenerateDeterministic(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir)
	src, err := LoadSources(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(src) != 5 {
		t.Fatalf("sources = %d, want 5", len(src))
	}
	a, b := generate(t, src, 500, 7), generate(t, src, 500, 7)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different output")
	}
	if c := generate(t, src, 500, 8); bytes.Equal(a, c) {
		t.Fatal("another seed gave the same output")
	}
}

func TestGenerateFormat(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir)
	src, err := LoadSources(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := generate(t, src, 1000, 1)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1000 {
		t.Fatalf("lines = %d, want 1000", len(lines))
	}
	ids, articles := map[string]bool{}, map[string]bool{}
	zh := 0
	for i, l := range lines {
		var a Article
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if a.ID == "" || a.Title == "" || a.Collection != "bench" || a.Lang == "" {
			t.Fatalf("line %d lacks a field: %s", i+1, l)
		}
		if ids[a.ID] {
			t.Fatalf("line %d: id %s repeats", i+1, a.ID)
		}
		ids[a.ID] = true
		key, _ := json.Marshal([]any{a.Title, a.Body, a.Questions})
		articles[string(key)] = true
		if a.Lang == "zh" {
			zh++
		}
	}
	// Five sources, two picks and a thousand product names: nearly all
	// distinct, not five articles repeated.
	if len(articles) < 900 {
		t.Errorf("distinct articles = %d of 1000, want at least 900", len(articles))
	}
	if share := float64(zh) / 1000; share < 0.35 || share > 0.45 {
		t.Errorf("Chinese share = %.2f, want about %.2f", share, ZhShare)
	}
}

func TestQueriesDistinct(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir)
	src, _ := LoadSources(dir)
	var arts []Article
	if err := json.Unmarshal([]byte("["+strings.ReplaceAll(strings.TrimSpace(string(generate(t, src, 200, 1))), "\n", ",")+"]"), &arts); err != nil {
		t.Fatal(err)
	}
	qs := Queries(arts, 300, 1)
	if len(qs) != 300 {
		t.Fatalf("queries = %d, want 300", len(qs))
	}
	seen, off := map[string]bool{}, 0
	for _, q := range qs {
		if seen[q.Text] {
			t.Fatalf("query %q repeats", q.Text)
		}
		seen[q.Text] = true
		if q.Gold == "" {
			off++
		}
	}
	if off == 0 || off > 90 {
		t.Errorf("off-topic queries = %d of 300, want about %.0f", off, 300*OffTopicShare)
	}
}
