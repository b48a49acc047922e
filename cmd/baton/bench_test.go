package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/cmd/internal/bench"
)

// writeBenchSources writes a tiny bilingual source set the generator
// recombines (the evaluation sets are not needed).
func writeBenchSources(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	kb := strings.Join([]string{
		`{"id":"s:1","title":"Reset my password","body":"Open settings and choose reset password.","lang":"en","questions":["forgot my password","cannot log in to my account","how to reset login"],"collection":"s"}`,
		`{"id":"s:2","title":"Refund times","body":"Refunds reach your card within five working days.","lang":"en","questions":["when is my refund coming","refund is late"],"collection":"s"}`,
		`{"id":"s:3","title":"Change delivery address","body":"","lang":"en","questions":["change my address","update the shipping address"],"collection":"s"}`,
		`{"id":"s:4","title":"怎么退款","body":"七天内可以申请退款。","lang":"zh","questions":["退款多久到账","如何申请退款"],"collection":"s"}`,
		`{"id":"s:5","title":"修改密码","body":"","lang":"zh","questions":["忘记密码怎么办","密码怎么找回"],"collection":"s"}`,
	}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "kb.jsonl"), []byte(kb+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGenKBIngests(t *testing.T) {
	src := writeBenchSources(t)
	out := filepath.Join(t.TempDir(), "kb.jsonl")
	ctx := context.Background()
	if err := run(ctx, []string{"gen-kb", "--from", src, "--articles", "40", "--seed", "3", "--out", out}, io.Discard, io.Discard); err != nil {
		t.Fatalf("gen-kb: %v", err)
	}
	var sum bytes.Buffer
	if err := run(ctx, []string{"ingest", "--data", t.TempDir(), "--embedder", "none", out}, &sum, io.Discard); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if !strings.Contains(sum.String(), "40 articles added") {
		t.Errorf("ingest summary = %q, want 40 articles added", sum.String())
	}
}

// benchEmbedder is the embedder of a test bench: the local model when
// installed, none (keyword-only) under -short or -race.
func benchEmbedder(t *testing.T) string {
	t.Helper()
	if testing.Short() || raceEnabled {
		return "none"
	}
	requireModel(t)
	return "local"
}

// TestBenchTable runs a tiny bench (with the local model when installed,
// keyword-only under -short or -race) and checks the table has every row, with
// finite ratios and no failed chat turn.
func TestBenchTable(t *testing.T) {
	src := writeBenchSources(t)
	embedder := benchEmbedder(t)
	var out, errs bytes.Buffer
	args := []string{"bench", "--from", src, "--articles", "30", "--concurrency", "1,2", "--queries", "20", "--turns", "8", "--runs", "1", "--embedder", embedder}
	if err := run(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("bench: %v\n%s", err, &errs)
	}
	table := out.String()
	systems := []string{bench.Baton, bench.Keyword}
	if embedder == "local" {
		systems = append(systems, bench.Vector)
		if !strings.Contains(table, "| 30 | "+bench.Embed+" | 1 |") {
			t.Errorf("no embedding row in\n%s", table)
		}
	}
	for _, sys := range systems {
		for _, c := range []string{"1", "2"} {
			row := rowOf(table, "| 30 | "+sys+" | "+c+" |")
			if row == nil {
				t.Errorf("no row for %s at concurrency %s in\n%s", sys, c, table)
				continue
			}
			for _, cell := range row[3:8] {
				v, err := strconv.ParseFloat(cell, 64)
				if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 {
					t.Errorf("%s c=%s: cell %q is not a positive finite number", sys, c, cell)
				}
			}
		}
	}
	for _, c := range []string{"1", "2"} {
		row := rowOf(table, "| 30 | "+bench.Chat+" | "+c+" |")
		if row == nil {
			t.Errorf("no chat row at concurrency %s in\n%s", c, table)
			continue
		}
		if row[6] != "0" {
			t.Errorf("chat c=%s: %s failed turns, want 0", c, row[6])
		}
	}
	if rowOf(table, "| 30 |") == nil {
		t.Errorf("no ingest row in\n%s", table)
	}
}

// rowOf returns the cells after the first of table's lines that starts
// with prefix (from the first cell on), nil when none does.
func rowOf(table, prefix string) []string {
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, prefix) {
			var cells []string
			for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
				cells = append(cells, strings.TrimSpace(c))
			}
			return cells
		}
	}
	return nil
}

// TestBenchSets: with --sets the bench prints top-1 on each set's
// in-scope queries (the out-of-scope ones left out) for every system, and
// Baton's top-1 minus each alternative's.
func TestBenchSets(t *testing.T) {
	embedder := benchEmbedder(t)
	var out, errs bytes.Buffer
	args := []string{"bench", "--from", writeBenchSources(t), "--articles", "20", "--concurrency", "1", "--queries", "5", "--turns", "2", "--runs", "1",
		"--embedder", embedder, "--sets", filepath.Join("testdata", "benchset")}
	if err := run(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("bench: %v\n%s", err, &errs)
	}
	table := out.String()
	systems := []string{bench.Baton, bench.Keyword}
	if embedder == "local" {
		systems = append(systems, bench.Vector)
	}
	baton := rowOf(table, "| benchset | "+bench.Baton+" |")
	if baton == nil {
		t.Fatalf("no top-1 row for Baton in\n%s", table)
	}
	bTop1, _ := strconv.ParseFloat(baton[3], 64)
	// Five plain questions, each close to its article's similar questions.
	if baton[2] != "5" || bTop1 < 0.8 {
		t.Errorf("Baton: %s queries, top-1 %s, want 5 and at least 0.8", baton[2], baton[3])
	}
	for _, sys := range systems[1:] {
		row := rowOf(table, "| benchset | "+sys+" |")
		if row == nil {
			t.Errorf("no top-1 row for %s in\n%s", sys, table)
			continue
		}
		top1, err := strconv.ParseFloat(row[3], 64)
		if err != nil || row[2] != "5" {
			t.Errorf("%s: %s queries, top-1 %q, want 5 and a number", sys, row[2], row[3])
		}
		if want := fmt.Sprintf("%+.3f", bTop1-top1); row[4] != want {
			t.Errorf("%s: Baton minus this = %s, want %s", sys, row[4], want)
		}
	}
}
