package main

// Experiments behind the README's "tried and not taken" figures for the
// in-scope estimate. They run only when BATON_EXPERIMENT_SETS names the
// evaluation set directories (comma-separated) and read the rows that
// `baton calibrate --task inscope --loso-cache DIR` keeps, with
// BATON_EXPERIMENT_CACHE=DIR; what they compute themselves is kept beside
// those rows. Each logs one line per variant: mean left-out hand-off
// recall at false hand-off <= 0.10, pooled ECE, and per set recall/AUROC.

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// experimentSets returns the set directories and the cache, or skips.
func experimentSets(t *testing.T) ([]string, string) {
	sets, cache := os.Getenv("BATON_EXPERIMENT_SETS"), os.Getenv("BATON_EXPERIMENT_CACHE")
	if sets == "" || cache == "" {
		t.Skip("set BATON_EXPERIMENT_SETS and BATON_EXPERIMENT_CACHE to run")
	}
	return strings.Split(sets, ","), cache
}

// experimentApp opens the eval app on a set's knowledge base.
func experimentApp(t *testing.T, dir string) (*App, func()) {
	kbPath, _ := evaluate.SetFiles(dir)
	app, closeApp, err := openEvalApp(context.Background(), evalConfig(t), kbPath)
	if err != nil {
		t.Fatal(err)
	}
	return app, closeApp
}

// evalConfig is the default configuration, as baton eval parses it.
func evalConfig(t *testing.T) Config {
	var cfg Config
	if err := parseConfig(flag.NewFlagSet("experiment", flag.ContinueOnError), &cfg, nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// cachedRows reads the rows calibrate kept for the set in dir.
func cachedRows(t *testing.T, cache, dir string) []evaluate.Row {
	rows, err := evaluate.ReadRows(filepath.Join(cache, filepath.Base(dir)+".rows.jsonl"))
	if err != nil {
		t.Fatalf("%v (run baton calibrate --task inscope --loso-cache first)", err)
	}
	return rows
}

// inScopeVariant changes one row's in-scope features, given the row's
// extra values.
type inScopeVariant struct {
	name string
	f    func(x []float64, extra []float64) []float64
}

// logVariants fits every variant leaving one set out at a time and logs
// its figures.
func logVariants(t *testing.T, rowsets []evaluate.RowSet, extras [][][]float64, vs []inScopeVariant) {
	for _, v := range vs {
		var ls []evaluate.LabelledSet
		for k, rs := range rowsets {
			s := evaluate.InScopeSet(rs)
			for i := range s.X {
				s.X[i] = v.f(append([]float64(nil), s.X[i]...), extras[k][i])
			}
			ls = append(ls, s)
		}
		folds, pooled, m, err := evaluate.InScopeLOSO(ls, 1)
		if err != nil {
			t.Fatal(err)
		}
		var line []string
		var mean float64
		for _, f := range folds {
			line = append(line, fmt.Sprintf("%s %.3f/%.3f", f.Set, f.RecallAtFH10, f.AUROC))
			mean += f.RecallAtFH10 / float64(len(folds))
		}
		t.Logf("%-14s mean %.3f, pooled ECE %.3f | %s | weights %.2f", v.name, mean, pooled, strings.Join(line, ", "), m.Weights)
	}
}

// cachedExtras returns a set's extra row values kept in the cache under
// name, computing and keeping them when missing or stale (not n rows).
func cachedExtras(cache, dir, name string, n int, compute func() [][]float64) [][]float64 {
	path := filepath.Join(cache, filepath.Base(dir)+"."+name+".json")
	var ex [][]float64
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &ex)
	}
	if len(ex) != n {
		ex = compute()
		b, _ := json.Marshal(ex)
		os.WriteFile(path, b, 0o644)
	}
	return ex
}

// embedQueries embeds the rows' questions.
func embedQueries(t *testing.T, emb retrieval.Embedder, rows []evaluate.Row) [][]float32 {
	var qs []string
	for _, r := range rows {
		qs = append(qs, r.Query)
	}
	qv, err := emb.Embed(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	return qv
}

// readLines reads a file of one text a line, skipping blanks and # comments.
func readLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// trainDomain fits a logistic regression of "one of the collection's
// texts" (pos) against "an off-topic question" (neg), the classes
// weighing the same, by full-batch gradient descent.
func trainDomain(pos, neg [][]float32) (w []float64, b float64) {
	w = make([]float64, len(pos[0]))
	const rate, l2, epochs = 5.0, 1e-3, 300
	g := make([]float64, len(w))
	for range epochs {
		clear(g)
		var gb float64
		for k, xs := range [][][]float32{neg, pos} {
			for _, x := range xs {
				z := b
				for i, v := range x {
					z += w[i] * float64(v)
				}
				d := (1/(1+math.Exp(-z)) - float64(k)) * 0.5 / float64(len(xs))
				for i, v := range x {
					g[i] += d * float64(v)
				}
				gb += d
			}
		}
		for i := range w {
			w[i] -= rate * (g[i] + l2*w[i])
		}
		b -= rate * gb
	}
	return w, b
}

// TestExperimentOutlierExposure: outlier exposure as a domain classifier
// per collection (its texts against a built-in pool of off-topic
// questions, minus those within 0.8 cosine of a text of the collection),
// and the margin of the question's best cosine to the collection over its
// best cosine to the pool, as in-scope features.
func TestExperimentOutlierExposure(t *testing.T) {
	dirs, cache := experimentSets(t)
	pool := append(readLines(t, "testdata/outliers_en.txt"), readLines(t, "testdata/outliers_zh.txt")...)
	var rowsets []evaluate.RowSet
	var extras [][][]float64
	for _, dir := range dirs {
		rows := cachedRows(t, cache, dir)
		// per row: domain probability, max cosine to the collection, to the pool
		ex := cachedExtras(cache, dir, "outliers", len(rows), func() [][]float64 { return outlierFeatures(t, dir, pool, rows) })
		rowsets = append(rowsets, evaluate.RowSet{Name: filepath.Base(dir), Rows: rows})
		extras = append(extras, ex)
	}
	logit := func(p float64) float64 {
		p = min(max(p, 1e-6), 1-1e-6)
		return math.Log(p / (1 - p))
	}
	logVariants(t, rowsets, extras, []inScopeVariant{
		{"as fitted", func(x, e []float64) []float64 { return x }},
		{"+domain", func(x, e []float64) []float64 { return append(x, e[0]) }},
		{"+logit domain", func(x, e []float64) []float64 { return append(x, logit(e[0])/10) }},
		{"+margin", func(x, e []float64) []float64 { return append(x, e[1]-e[2]) }},
		{"+pool cosine", func(x, e []float64) []float64 { return append(x, e[2]) }},
		{"cosine+domain", func(x, e []float64) []float64 { return []float64{x[0], e[0]} }},
		{"cosine+margin", func(x, e []float64) []float64 { return []float64{x[0], e[1] - e[2]} }},
	})
}

// outlierFeatures embeds the pool and the rows' questions in the set's
// app and scores each question.
func outlierFeatures(t *testing.T, dir string, pool []string, rows []evaluate.Row) [][]float64 {
	ctx := context.Background()
	app, closeApp := experimentApp(t, dir)
	defer closeApp()
	emb := app.Searcher.Embedder()
	pv, err := emb.Embed(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string][][]float32{}
	if err := app.Store.Vectors(ctx, emb.Name(), func(c string, v kb.Vector) error {
		texts[c] = append(texts[c], v.Vec)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	type domain struct {
		w []float64
		b float64
	}
	models := map[string]domain{}
	for c, vs := range texts {
		var neg [][]float32
		for _, p := range pv {
			best := -1.0
			for _, v := range vs {
				best = max(best, dot64(p, v))
			}
			if best < 0.8 {
				neg = append(neg, p)
			}
		}
		w, b := trainDomain(vs, neg)
		models[c] = domain{w, b}
		t.Logf("%s: %d texts, %d of %d off-topic questions kept", c, len(vs), len(neg), len(pv))
	}
	qv := embedQueries(t, emb, rows)
	out := make([][]float64, len(rows))
	for i, r := range rows {
		m := models[r.Collection]
		z := m.b
		for j, v := range qv[i] {
			z += m.w[j] * float64(v)
		}
		col, off := -1.0, -1.0
		for _, v := range texts[r.Collection] {
			col = max(col, dot64(qv[i], v))
		}
		for _, p := range pv {
			off = max(off, dot64(qv[i], p))
		}
		out[i] = []float64{1 / (1 + math.Exp(-z)), col, off}
	}
	return out
}

// TestExperimentTwinConfidence: the in-scope estimate's confidence
// feature computed with the top article's near-duplicates
// (retrieval.DuplicateArticles at the default threshold) counted as the
// top article, so that a question between twins is not taken for one
// nothing answers.
func TestExperimentTwinConfidence(t *testing.T) {
	dirs, cache := experimentSets(t)
	model := answer.DefaultModel()
	lin := retrieval.DefaultFusion().Classified
	var rowsets []evaluate.RowSet
	var extras [][][]float64
	for _, dir := range dirs {
		rows := cachedRows(t, cache, dir)
		path := filepath.Join(cache, filepath.Base(dir)+".groups.json")
		group := map[string]string{} // article: its group's first article
		b, err := os.ReadFile(path)
		if err != nil {
			group = twinGroups(t, dir, rows)
			b, _ = json.Marshal(group)
			os.WriteFile(path, b, 0o644)
		} else if err := json.Unmarshal(b, &group); err != nil {
			t.Fatal(err)
		}
		ex := make([][]float64, len(rows))
		for i, r := range rows {
			ex[i] = []float64{model.ProbBeforePrior(twinFeatures(r, group, lin))}
		}
		rowsets = append(rowsets, evaluate.RowSet{Name: filepath.Base(dir), Rows: rows})
		extras = append(extras, ex)
	}
	logVariants(t, rowsets, extras, []inScopeVariant{
		{"as fitted", func(x, e []float64) []float64 { return x }},
		{"twin conf", func(x, e []float64) []float64 { x[4] = e[0]; return x }},
		{"+twin conf", func(x, e []float64) []float64 { return append(x, e[0]) }},
	})
}

// twinGroups maps every article of a duplicate group in the collections
// the rows ask to its group's first article.
func twinGroups(t *testing.T, dir string, rows []evaluate.Row) map[string]string {
	app, closeApp := experimentApp(t, dir)
	defer closeApp()
	group := map[string]string{}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.Collection] {
			continue
		}
		seen[r.Collection] = true
		for _, g := range app.Searcher.DuplicateArticles(r.Collection, retrieval.DefaultDuplicateThreshold) {
			for _, id := range g {
				group[id] = g[0]
			}
		}
	}
	return group
}

// twinFeatures recomputes the confidence features of r that compare the
// top article with the next (ratios, margins, agreement, top share) with
// the top article's twins counted as it.
func twinFeatures(r evaluate.Row, group map[string]string, lin retrieval.Linear) answer.Features {
	f := r.Features
	if len(r.Hits) == 0 {
		return f
	}
	g := func(id string) string {
		if x, ok := group[id]; ok {
			return x
		}
		return id
	}
	// firstTwo returns ranking rk's first score, the best score of another
	// group, and the first article.
	firstTwo := func(rk int) (s1, s2 float64, first string) {
		type ranked struct {
			rank  int
			score float64
			id    string
		}
		var xs []ranked
		for _, h := range r.Hits {
			if rk < len(h.Ranks) && h.Ranks[rk] > 0 {
				xs = append(xs, ranked{h.Ranks[rk], h.Scores[rk], h.ID})
			}
		}
		if len(xs) == 0 {
			return 0, 0, ""
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i].rank < xs[j].rank })
		for _, x := range xs[1:] {
			if g(x.id) != g(xs[0].id) {
				return xs[0].score, x.score, xs[0].id
			}
		}
		return xs[0].score, 0, xs[0].id
	}
	top := g(r.Hits[0].ID)
	k1, k2, kid := firstTwo(retrieval.RankKeyword)
	if k1 > 0 {
		f.Ratio = k2 / k1
	}
	q1, q2, qid := firstTwo(retrieval.RankQuestions)
	if q1 > 0 {
		f.QRatio = q2 / q1
	}
	if kid != "" && qid != "" && g(kid) == top && g(qid) == top {
		f.KwAgree = 1
	}
	if f.VecTop != 0 {
		v1, v2, vid := firstTwo(retrieval.RankVector)
		f.VecMargin = v1 - v2
		if g(vid) == top {
			f.Agree = 1
		}
	}
	var sum, twins, s0 float64
	for i, h := range r.Hits {
		z := lin.Bias
		for j, x := range h.Features {
			z += lin.Weights[j] * x
		}
		if i == 0 {
			s0 = z
		}
		e := math.Exp(z - s0)
		sum += e
		if g(h.ID) == top {
			twins += e
		}
	}
	if sum > 0 {
		f.TopShare = twins / sum
	}
	return f
}
