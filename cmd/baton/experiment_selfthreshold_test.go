package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
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
	return selfRowsWith(t, cache, dir, "self3", nil)
}

// selfRowsWith is selfRows with extra questions asked after the held-out
// ones (pseudo false for them), kept under name.
func selfRowsWith(t *testing.T, cache, dir, name string, extra []evaluate.Query) ([]evaluate.Row, []bool) {
	kbPath, queriesPath := evaluate.SetFiles(dir)
	rowsPath := filepath.Join(cache, filepath.Base(dir)+"."+name+".rows.jsonl")
	qs, err := evaluate.ReadQueries(queriesPath)
	if err != nil {
		t.Fatal(err)
	}
	qs = append(extra, qs...)
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
		if n := answer.SelfHoldOut(arts); n > 0 {
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

// TestExperimentSelfFit fits, per collection, the in-scope features of its
// held-out similar questions (in scope) against the built-in off-topic
// pool asked of the same copy (out of scope), and compares that model,
// alone and with the built-in one (mean log odds), with the built-in one
// and the plain cosine: hand-off recall at false hand-off <= 0.10 of each
// set's real questions.
func TestExperimentSelfFit(t *testing.T) {
	sets, cache := experimentSets(t)
	pool := append(readLines(t, "testdata/outliers_en.txt"), readLines(t, "testdata/outliers_zh.txt")...)
	for _, dir := range sets {
		kbPath, _ := evaluate.SetFiles(dir)
		colls := map[string]bool{}
		_, held := holdOutQuestions(t, kbPath)
		for _, h := range held {
			colls[h.Collection] = true
		}
		var extra []evaluate.Query
		for c := range colls {
			for _, q := range pool {
				extra = append(extra, evaluate.Query{Query: q, Collection: c})
			}
		}
		sort.Slice(extra, func(i, j int) bool { return extra[i].Collection+extra[i].Query < extra[j].Collection+extra[j].Query })
		rows, pseudo := selfRowsWith(t, cache, dir, "selffit", extra)
		nHeld := len(held)
		models := map[string]*answer.InScopeModel{}
		for c := range colls {
			var xs [][]float64
			var ys []bool
			var grp []string
			for i, r := range rows[:nHeld+len(extra)] {
				if r.Collection != c || len(r.InScopeFeatures) == 0 {
					continue
				}
				xs = append(xs, r.InScopeFeatures)
				ys = append(ys, pseudo[i])
				grp = append(grp, fmt.Sprint(pseudo[i]))
			}
			m, err := answer.FitInScope(xs, ys, grp, 1)
			if err != nil {
				t.Fatal(err)
			}
			models[c] = m
		}
		real := rows[nHeld+len(extra):]
		var in, other []bool
		var global, local, both, cosine []float64
		for _, r := range real {
			in = append(in, r.Gold != "")
			o := false
			if r.Band == kb.BandHandoff {
				for _, why := range r.Reasons {
					o = o || why != kb.ReasonLowConfidence
				}
			}
			other = append(other, o)
			global = append(global, r.InScope)
			l, x := r.InScope, r.InScopeFeatures
			if m := models[r.Collection]; m != nil && len(x) > 0 {
				l = m.Prob(x)
			}
			local = append(local, l)
			both = append(both, logit(r.InScope)+logit(l))
			c := 0.0
			if len(x) > 0 {
				c = x[0]
			}
			cosine = append(cosine, c)
		}
		line := filepath.Base(dir)
		for _, v := range []struct {
			name  string
			score []float64
		}{{"built-in", global}, {"own fit", local}, {"both", both}, {"cosine", cosine}} {
			rec, _ := evaluate.RecallAtFalse(v.score, in, other, 0.10)
			line += fmt.Sprintf(" | %s %.3f", v.name, rec)
		}
		t.Log(line)
	}
}

func logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}
