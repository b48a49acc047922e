package answer

import (
	"math"
	"slices"
	"testing"

	"github.com/batonhq/baton/retrieval"
)

func hit(id string, ranks []int, scores []float64) retrieval.Fused {
	return retrieval.Fused{ArticleID: id, Ranks: ranks, Scores: scores}
}

func TestOOSFeatures(t *testing.T) {
	// Keyword scores 10, 4, 2 (ranks 1..3); question scores 8, 8; cosines
	// 0.9, 0.7, 0.5 and knn 0.8, 0.6, 0.4. The fused top is "b".
	hits := []retrieval.Fused{
		hit("b", []int{2, 2, 2, 2}, []float64{4, 8, 0.7, 0.6}),
		hit("a", []int{1, 1, 1, 1}, []float64{10, 8, 0.9, 0.8}),
		hit("c", []int{3, 0, 3, 3}, []float64{2, 0, 0.5, 0.4}),
	}
	f := OOSFeatures(hits)
	want := map[string]float64{
		"kw_peak":     1 - 3.0/10,
		"kq_peak":     0,
		"knn_top":     0.8,
		"knn_peak":    0.8 - 0.5,
		"vec_peak":    0.9 - 0.6,
		"top_vec_gap": 0.9 - 0.7,
		"top_knn":     0.6,
	}
	for i, name := range OOSNames {
		if w, ok := want[name]; ok && math.Abs(f[i]-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, f[i], w)
		}
	}
	if OOSNames[oosKwPeak] != "kw_peak" || OOSNames[oosKqPeak] != "kq_peak" || OOSNames[oosKnnTop] != "knn_top" {
		t.Errorf("oos* constants do not match OOSNames %v", OOSNames)
	}

	// Keyword-only hits (two rankings) have no vector features.
	kw := OOSFeatures([]retrieval.Fused{hit("a", []int{1, 1}, []float64{5, 5})})
	for i, name := range OOSNames {
		if name != "kw_peak" && name != "kq_peak" && kw[i] != 0 {
			t.Errorf("keyword-only %s = %v, want 0", name, kw[i])
		}
	}
	// Vector-only search has no knn ranking, but every candidate has its
	// knn cosine.
	vo := OOSFeatures([]retrieval.Fused{hit("a", []int{0, 0, 1, 0}, []float64{0, 0, 0.9, 0.7}), hit("b", []int{0, 0, 2, 0}, []float64{0, 0, 0.8, 0.75})})
	if got := vo[oosKnnTop]; got != 0.75 {
		t.Errorf("vector-only knn_top = %v, want 0.75", got)
	}
	// With a classifier: its best probability, and the fused top's.
	cl := OOSFeatures([]retrieval.Fused{
		hit("a", []int{1, 1, 1, 1, 2}, []float64{5, 5, 0.9, 0.8, 0.3}),
		hit("b", []int{2, 2, 2, 2, 1}, []float64{4, 4, 0.8, 0.7, 0.6}),
	})
	for name, w := range map[string]float64{"cls_top": 0.6, "top_cls": 0.3} {
		if got := cl[slices.Index(OOSNames, name)]; got != w {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	if got := OOSFeatures(nil); len(got) != len(OOSNames) {
		t.Errorf("OOSFeatures(nil) has %d values, want %d", len(got), len(OOSNames))
	}
}
