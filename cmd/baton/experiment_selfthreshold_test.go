package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/kb"
)

// TestExperimentSelfThreshold measures the hand-off threshold each
// collection sets from its own similar questions (answer.SelfQuantile)
// at other quantiles: the questions a served collection holds out are
// taken out of the knowledge base and asked as questions (their gold is
// their article); the threshold is a low quantile of their in_scope. The
// set's real questions are asked of the same reduced knowledge base, and
// their false hand-off and hand-off recall at each threshold (alone, and
// never below the default's) are set beside the one default threshold's.
// Rows are kept in BATON_EXPERIMENT_CACHE as <set>.self3.rows.jsonl.
func TestExperimentSelfThreshold(t *testing.T) {
	sets, cache := experimentSets(t)
	const defaultThreshold = 0.28
	quantiles := []float64{0.01, 0.02, 0.03, 0.04, 0.05}
	for _, dir := range sets {
		rows, pseudo := selfRows(t, cache, dir)
		byColl := map[string][]float64{}
		for i, r := range rows {
			if pseudo[i] {
				byColl[r.Collection] = append(byColl[r.Collection], r.InScope)
			}
		}
		line := fmt.Sprintf("%-14s", filepath.Base(dir))
		fh, rec := handoffAt(rows, pseudo, func(string) float64 { return defaultThreshold })
		line += fmt.Sprintf(" default %.2f: false %.3f recall %.3f", defaultThreshold, fh, rec)
		for _, q := range quantiles {
			thr := map[string]float64{}
			for c, v := range byColl {
				sort.Float64s(v)
				thr[c] = v[int(q*float64(len(v)))]
			}
			fh, rec := handoffAt(rows, pseudo, func(c string) float64 { return thr[c] })
			line += fmt.Sprintf(" | q%.2f %v: false %.3f recall %.3f", q, fmtThresholds(thr), fh, rec)
			fh, rec = handoffAt(rows, pseudo, func(c string) float64 { return max(thr[c], defaultThreshold) })
			line += fmt.Sprintf(" max: false %.3f recall %.3f", fh, rec)
		}
		for c, v := range byColl {
			line += fmt.Sprintf(" | %s: %d", c, len(v))
		}
		t.Log(line)
	}
}

func fmtThresholds(thr map[string]float64) string {
	var cs []string
	for c := range thr {
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return "[none]"
	}
	sort.Strings(cs)
	s := ""
	for _, c := range cs {
		s += fmt.Sprintf("%.2f ", thr[c])
	}
	return "[" + s[:len(s)-1] + "]"
}

// handoffAt returns the real questions' false hand-off and hand-off
// recall with in_scope below the collection's threshold as the hand-off,
// the other triggers' hand-offs kept.
func handoffAt(rows []evaluate.Row, pseudo []bool, thr func(string) float64) (falseHandoff, recall float64) {
	var in, out, inH, outH int
	for i, r := range rows {
		if pseudo[i] {
			continue
		}
		h := r.InScope < thr(r.Collection)
		if r.Band == kb.BandHandoff {
			for _, why := range r.Reasons {
				if why != kb.ReasonLowConfidence {
					h = true
				}
			}
		}
		if r.Gold != "" {
			in++
			if h {
				inH++
			}
		} else {
			out++
			if h {
				outH++
			}
		}
	}
	return float64(inH) / float64(max(in, 1)), float64(outH) / float64(max(out, 1))
}

// selfRows returns the rows of the set's real questions and of its
// similar questions taken out, pseudo[i] true for the latter.
func selfRows(t *testing.T, cache, dir string) ([]evaluate.Row, []bool) {
	kbPath, queriesPath := evaluate.SetFiles(dir)
	rowsPath := filepath.Join(cache, filepath.Base(dir)+".self3.rows.jsonl")
	qs, err := evaluate.ReadQueries(queriesPath)
	if err != nil {
		t.Fatal(err)
	}
	reduced, held := holdOutQuestions(t, kbPath)
	n := len(held) + len(qs)
	pseudo := make([]bool, n)
	for i := range held {
		pseudo[i] = true
	}
	if rows, err := evaluate.ReadRows(rowsPath); err == nil && len(rows) == n {
		return rows, pseudo
	}
	tmp := t.TempDir()
	kbOut := filepath.Join(tmp, "kb.jsonl")
	writeJSONL(t, kbOut, reduced)
	app, closeApp, err := openEvalApp(context.Background(), evalConfig(t), kbOut)
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp()
	rows, _, err := evaluate.Run(context.Background(), evaluate.Env{Bot: app.Bot, Searcher: app.Searcher}, append(held, qs...))
	if err != nil {
		t.Fatal(err)
	}
	if err := evaluate.WriteRows(rowsPath, rows); err != nil {
		t.Fatal(err)
	}
	return rows, pseudo
}

// holdOutQuestions reads a kb.jsonl and holds out of each collection the
// similar questions a served collection would (answer.HoldOutQuestions,
// a tenth of them up to answer.SelfSample; none when that is under
// answer.SelfMinQuestions).
func holdOutQuestions(t *testing.T, kbPath string) ([]map[string]any, []evaluate.Query) {
	f, err := os.Open(kbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byColl := map[string][]*kb.Article{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var a kb.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		if byColl[a.Collection] == nil {
			order = append(order, a.Collection)
		}
		byColl[a.Collection] = append(byColl[a.Collection], &a)
	}
	var out []map[string]any
	var held []evaluate.Query
	for _, c := range order {
		arts := byColl[c]
		total := 0
		for _, a := range arts {
			total += len(a.Questions)
		}
		if n := min(answer.SelfSample, total/10); n >= answer.SelfMinQuestions {
			var hs []answer.HeldQuestion
			arts, hs = answer.HoldOutQuestions(arts, n)
			for _, h := range hs {
				id := h.ArticleID
				held = append(held, evaluate.Query{Query: h.Text, GoldID: &id, Collection: c})
			}
		}
		for _, a := range arts {
			out = append(out, map[string]any{"id": a.ID, "title": a.Title, "body": a.Body, "lang": a.Lang, "questions": a.Questions, "collection": c})
		}
	}
	return out, held
}

func writeJSONL(t *testing.T, path string, rows []map[string]any) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
