package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/retrieval"
	"github.com/batonhq/baton/retrieval/onnx"
)

// clusterFixture writes a tiny FAQ set: three English and two Chinese
// articles, three customer phrasings each, and one out-of-scope query.
// The model groups these phrasings exactly at every threshold from .65
// to .825, so the test does not hang on the default's last digit.
func clusterFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	groups := []struct {
		gold, lang string
		queries    []string
	}{
		{"card-lost", "en", []string{"I lost my card", "I lost my credit card", "I have lost my bank card"}},
		{"refund", "en", []string{"How do I get a refund?", "How can I get a refund for my order?", "how to get a refund"}},
		{"password", "en", []string{"I forgot my password", "I forgot my password, how do I reset it?", "forgot password"}},
		{"zh-refund", "zh", []string{"怎么申请退款", "如何申请退款", "申请退款怎么操作"}},
		{"zh-address", "zh", []string{"怎么修改收货地址", "如何修改收货地址", "收货地址怎么改"}},
	}
	var kbl, ql bytes.Buffer
	enc, qenc := json.NewEncoder(&kbl), json.NewEncoder(&ql)
	for _, g := range groups {
		if err := enc.Encode(map[string]any{"id": g.gold, "title": g.gold, "body": "", "lang": g.lang, "questions": []string{}, "collection": "shop"}); err != nil {
			t.Fatal(err)
		}
		for _, q := range g.queries {
			lang := g.lang
			if g.gold == "refund" {
				lang = "" // detected from the text
			}
			if err := qenc.Encode(map[string]any{"query": q, "lang": lang, "gold_id": g.gold, "collection": "shop"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := qenc.Encode(map[string]any{"query": "what's the weather tomorrow", "lang": "en", "gold_id": nil, "collection": "shop"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kb.jsonl"), kbl.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "queries.jsonl"), ql.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// requireModel skips the test when the local embedding model is not
// installed, except in CI, where its absence is a failure.
func requireModel(t *testing.T) {
	t.Helper()
	emb, err := onnx.Open(onnx.DefaultDir(), onnx.DefaultOptions())
	if errors.Is(err, onnx.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("embedding model not installed: run `bash scripts/setup-model.sh` (%v)", err)
	}
	if err != nil {
		t.Fatalf("open embedder: %v", err)
	}
	emb.Close()
}

func TestEvalClusters(t *testing.T) {
	requireModel(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := clusterFixture(t)
	t.Setenv("BATON_MODEL_DIR", onnx.DefaultDir())

	var out, errb bytes.Buffer
	if err := runEval(ctx, []string{"--task", "clusters", "--sets", dir, "--json"}, &out, &errb, log); err != nil {
		t.Fatalf("eval --task clusters: %v (%s)", err, errb.String())
	}
	rows := map[string]evaluate.ClusterScores{}
	for line := range strings.Lines(out.String()) {
		var s evaluate.ClusterScores
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows[s.Lang] = s
	}
	want := map[string]struct{ n, gold int }{"en": {9, 3}, "zh": {6, 2}, "all": {15, 5}}
	if len(rows) != len(want) {
		t.Fatalf("got rows for %v, want en, zh and all", rows)
	}
	for lang, w := range want {
		s := rows[lang]
		if s.Set != filepath.Base(dir) || s.N != w.n || s.GoldGroups != w.gold || s.Threshold != retrieval.DefaultClusterThreshold {
			t.Errorf("%s: set %q, n %d, gold groups %d, threshold %v; want %q, %d, %d, %v",
				lang, s.Set, s.N, s.GoldGroups, s.Threshold, filepath.Base(dir), w.n, w.gold, retrieval.DefaultClusterThreshold)
		}
		// Five plainly different questions, each asked three ways: the
		// inbox shows five groups, each about one article.
		if s.Clusters != w.gold || s.Purity != 1 || s.ARI != 1 {
			t.Errorf("%s: %d clusters, purity %.3f, ARI %.3f; want %d, 1, 1", lang, s.Clusters, s.Purity, s.ARI, w.gold)
		}
	}

	out.Reset()
	if err := runEval(ctx, []string{"--task", "clusters", "--sets", dir, "--sweep"}, &out, &errb, log); err != nil {
		t.Fatalf("eval --task clusters --sweep: %v", err)
	}
	for _, th := range evaluate.ClusterSweep {
		if row := fmt.Sprintf("| %g | ", th); !strings.Contains(out.String(), row) {
			t.Errorf("--sweep output lacks threshold %v:\n%s", th, out.String())
		}
	}

	if err := runEval(ctx, []string{"--task", "clusters"}, &out, &errb, log); err == nil || !strings.Contains(err.Error(), "--sets") {
		t.Errorf("eval --task clusters without --sets: got %v, want an error naming --sets", err)
	}
}

// TestEvalSetsPooled checks that eval over several sets ends with a row
// of all their questions taken together.
func TestEvalSetsPooled(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, b := clusterFixture(t), clusterFixture(t)
	var out, errb bytes.Buffer
	if err := runEval(ctx, []string{"--embedder", "none", "--sets", a + "," + b, "--json"}, &out, &errb, log); err != nil {
		t.Fatalf("eval --sets: %v (%s)", err, errb.String())
	}
	var rows []struct {
		Set string `json:"set"`
		evaluate.Report
	}
	for line := range strings.Lines(out.String()) {
		var r struct {
			Set string `json:"set"`
			evaluate.Report
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 3 || rows[2].Set != pooledSet {
		t.Fatalf("got %d rows (%+v), want one per set and a pooled one last", len(rows), rows)
	}
	one, all := rows[0].Report, rows[2].Report
	if all.NIn != 2*one.NIn || all.NOOS != 2*one.NOOS || all.NIn != 15*2 {
		t.Errorf("pooled row has %d in scope and %d out of scope, want %d and %d", all.NIn, all.NOOS, 2*one.NIn, 2*one.NOOS)
	}
	// The same questions twice over: every share is the same as one set's.
	if all.Top1 != one.Top1 || all.FalseHandoff != one.FalseHandoff || all.Search != one.Search {
		t.Errorf("pooled top-1 %v, false hand-off %v, search %q; want one set's %v, %v, %q", all.Top1, all.FalseHandoff, all.Search, one.Top1, one.FalseHandoff, one.Search)
	}

	out.Reset()
	if err := runEval(ctx, []string{"--embedder", "none", "--sets", a}, &out, &errb, log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "| "+pooledSet+" |") {
		t.Errorf("one set got a pooled row:\n%s", out.String())
	}
}
