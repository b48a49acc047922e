package main

import (
	"context"
	"math"
	"path/filepath"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/kb"
)

// TestExperimentMahalanobis: distances of the question to the collection's
// articles in representations fitted to the collection, as in-scope
// features. Each article is a class of its texts (title, similar
// questions, passages). Measured: the tied-covariance Mahalanobis distance
// to the nearest class mean (shrunk covariance), the same relative to a
// background Gaussian of all the collection's texts (Ren et al. 2021), and
// the Euclidean distance in the collection's LDA space (the whitened
// between-article directions). Each distance enters as a conformal
// p-value against the collection's own texts (leave-one-out distance of
// each text to its own article), so that one weight fits collections of
// any size and spread.
func TestExperimentMahalanobis(t *testing.T) {
	dirs, cache := experimentSets(t)
	var rowsets []evaluate.RowSet
	var extras [][][]float64
	for _, dir := range dirs {
		rows := cachedRows(t, cache, dir)
		ex := cachedExtras(cache, dir, "maha", len(rows), func() [][]float64 { return mahaFeatures(t, dir, rows) })
		rowsets = append(rowsets, evaluate.RowSet{Name: filepath.Base(dir), Rows: rows})
		extras = append(extras, ex)
	}
	logVariants(t, rowsets, extras, []inScopeVariant{
		{"as fitted", func(x, e []float64) []float64 { return x }},
		{"cosine alone", func(x, e []float64) []float64 { return x[:1] }},
		{"md alone", func(x, e []float64) []float64 { return e[0:1] }},
		{"rmd alone", func(x, e []float64) []float64 { return e[1:2] }},
		{"lda alone", func(x, e []float64) []float64 { return e[2:3] }},
		{"cos p alone", func(x, e []float64) []float64 { return e[3:4] }},
		{"+md", func(x, e []float64) []float64 { return append(x, e[0]) }},
		{"+rmd", func(x, e []float64) []float64 { return append(x, e[1]) }},
		{"+lda", func(x, e []float64) []float64 { return append(x, e[2]) }},
		{"+cos p", func(x, e []float64) []float64 { return append(x, e[3]) }},
		{"+md+lda", func(x, e []float64) []float64 { return append(x, e[0], e[2]) }},
		{"+all", func(x, e []float64) []float64 { return append(x, e...) }},
		{"cos p for cos", func(x, e []float64) []float64 { x[0] = e[3]; return x }},
		{"lda for cos", func(x, e []float64) []float64 { x[0] = e[2]; return x }},
	})
}

// gauss is one collection's fitted representation, kept as whitened
// coordinates so that a distance to a mean is a dot product.
type gauss struct {
	w      *mat.Dense  // prec^(1/2) of the shrunk within-article covariance
	wbg    *mat.Dense  // the same for the background covariance
	wmeans [][]float64 // per article, whitened
	wbgMu  []float64
	proj   *mat.Dense   // LDA: m x d, applied to whitened coordinates
	pmeans [][]float64  // means in LDA space
	own    [4][]float64 // the collection's own texts' scores, sorted
}

// whitener returns ((1-a)S + a tr(S)/d I)^(-1/2).
func whitener(t *testing.T, s *mat.SymDense, a float64) *mat.Dense {
	d := s.SymmetricDim()
	tr := mat.Trace(s) / float64(d)
	r := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			v := (1 - a) * s.At(i, j)
			if i == j {
				v += a * tr
			}
			r.SetSym(i, j, v)
		}
	}
	var es mat.EigenSym
	if !es.Factorize(r, true) {
		t.Fatal("eigen")
	}
	var ev mat.Dense
	es.VectorsTo(&ev)
	vals := es.Values(nil)
	sc := mat.NewDense(d, d, nil)
	for j := range d {
		f := 1 / math.Sqrt(math.Max(vals[j], 1e-12))
		for i := range d {
			sc.Set(i, j, ev.At(i, j)*f)
		}
	}
	var w mat.Dense
	w.Mul(sc, ev.T())
	return &w
}

func apply(w *mat.Dense, x []float64) []float64 {
	var r mat.VecDense
	r.MulVec(w, mat.NewVecDense(len(x), x))
	return r.RawVector().Data
}

func sqdist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

func fitGauss(t *testing.T, vecs map[string][][]float32, ids []string) *gauss {
	var dim, n int
	for _, vs := range vecs {
		dim = len(vs[0])
		n += len(vs)
	}
	g := &gauss{}
	sw := mat.NewSymDense(dim, nil)
	all := mat.NewSymDense(dim, nil)
	bg := make([]float64, dim)
	var means [][]float64
	for _, id := range ids {
		mu := make([]float64, dim)
		for _, v := range vecs[id] {
			for i, x := range v {
				mu[i] += float64(x) / float64(len(vecs[id]))
				bg[i] += float64(x) / float64(n)
			}
		}
		means = append(means, mu)
	}
	d := make([]float64, dim)
	for k, id := range ids {
		for _, v := range vecs[id] {
			for i, x := range v {
				d[i] = float64(x) - means[k][i]
			}
			sw.SymRankOne(sw, 1/float64(n), mat.NewVecDense(dim, d))
			for i, x := range v {
				d[i] = float64(x) - bg[i]
			}
			all.SymRankOne(all, 1/float64(n), mat.NewVecDense(dim, d))
		}
	}
	g.w = whitener(t, sw, 0.2)
	g.wbg = whitener(t, all, 0.2)
	g.wbgMu = apply(g.wbg, bg)
	wbgw := apply(g.w, bg)
	k := len(ids)
	mm := mat.NewDense(k, dim, nil)
	for r, mu := range means {
		wm := apply(g.w, mu)
		g.wmeans = append(g.wmeans, wm)
		for i := range wm {
			mm.Set(r, i, wm[i]-wbgw[i])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(mm, mat.SVDThin) {
		t.Fatal("svd")
	}
	var v mat.Dense
	svd.VTo(&v)
	m := max(min(k-1, 64), 1)
	g.proj = mat.DenseCopyOf(v.Slice(0, dim, 0, m).T())
	for _, wm := range g.wmeans {
		g.pmeans = append(g.pmeans, apply(g.proj, wm))
	}
	// The own texts' scores, leave-one-out for their own article.
	for kk, id := range ids {
		nk := len(vecs[id])
		if nk < 2 {
			continue
		}
		for j, v := range vecs[id] {
			sc := g.scores(v, kk, nk, vecs, ids, id, j)
			for i := range sc {
				g.own[i] = append(g.own[i], sc[i])
			}
		}
	}
	for i := range g.own {
		sort.Float64s(g.own[i])
	}
	return g
}

// scores returns a text's four distances, each larger further out: the
// Mahalanobis distance to the nearest article mean, the same minus the
// background's, the LDA-space distance, and minus the best cosine to
// another text. When skip >= 0, x is text self of article skip (of nk
// texts): that article's mean leaves it out and the cosine skips it.
func (g *gauss) scores(x32 []float32, skip, nk int, vecs map[string][][]float32, ids []string, selfID string, self int) []float64 {
	x := make([]float64, len(x32))
	for i, f := range x32 {
		x[i] = float64(f)
	}
	wx := apply(g.w, x)
	px := apply(g.proj, wx)
	md, lda := math.Inf(1), math.Inf(1)
	for k, wm := range g.wmeans {
		pm := g.pmeans[k]
		if k == skip {
			// (nk mu - x)/(nk-1), in both spaces (both are linear).
			loo := make([]float64, len(wm))
			for i := range wm {
				loo[i] = (float64(nk)*wm[i] - wx[i]) / float64(nk-1)
			}
			pl := make([]float64, len(pm))
			for i := range pm {
				pl[i] = (float64(nk)*pm[i] - px[i]) / float64(nk-1)
			}
			wm, pm = loo, pl
		}
		md = min(md, sqdist(wx, wm))
		lda = min(lda, sqdist(px, pm))
	}
	rmd := md - sqdist(apply(g.wbg, x), g.wbgMu)
	cos := -1.0
	for _, id := range ids {
		for j, v := range vecs[id] {
			if skip >= 0 && id == selfID && j == self {
				continue
			}
			cos = max(cos, dot64(x32, v))
		}
	}
	return []float64{md, rmd, lda, -cos}
}

// pvalue is the share of the own texts scoring at least s (further).
func pvalue(own []float64, s float64) float64 {
	i := sort.SearchFloat64s(own, s)
	return float64(len(own)-i+1) / float64(len(own)+1)
}

func mahaFeatures(t *testing.T, dir string, rows []evaluate.Row) [][]float64 {
	ctx := context.Background()
	app, closeApp := experimentApp(t, dir)
	defer closeApp()
	emb := app.Searcher.Embedder()
	byColl := map[string]map[string][][]float32{}
	if err := app.Store.Vectors(ctx, emb.Name(), func(c string, v kb.Vector) error {
		if byColl[c] == nil {
			byColl[c] = map[string][][]float32{}
		}
		byColl[c][v.ArticleID] = append(byColl[c][v.ArticleID], v.Vec)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	models := map[string]*gauss{}
	ids := map[string][]string{}
	for c, vs := range byColl {
		for id := range vs {
			ids[c] = append(ids[c], id)
		}
		sort.Strings(ids[c])
		models[c] = fitGauss(t, vs, ids[c])
		t.Logf("%s/%s: %d articles, %d own scores", filepath.Base(dir), c, len(vs), len(models[c].own[0]))
	}
	qv := embedQueries(t, emb, rows)
	out := make([][]float64, len(rows))
	for i, r := range rows {
		g := models[r.Collection]
		sc := g.scores(qv[i], -1, 0, byColl[r.Collection], ids[r.Collection], "", -1)
		out[i] = make([]float64, len(sc))
		for j, s := range sc {
			out[i][j] = pvalue(g.own[j], s)
		}
	}
	return out
}
