package retrieval

import (
	"math"
	"testing"
)

// unit returns a normalised vector along axis a, tilted by eps toward axis b.
func unit(a, b int, eps float32) []float32 {
	v := make([]float32, 8)
	v[a], v[b] = 1, eps
	normalize(v)
	return v
}

func TestMeasureScale(t *testing.T) {
	items := []VectorItem{
		{ArticleID: "a", Label: true, Vec: unit(0, 1, 0.1)},
		{ArticleID: "a", Label: true, Vec: unit(0, 2, 0.2)},
		{ArticleID: "a", ChunkID: "a#0", Vec: unit(0, 3, 0.3)},
		{ArticleID: "b", Label: true, Vec: unit(4, 5, 0.1)},
		{ArticleID: "b", Label: true, Vec: unit(4, 6, 0.2)},
		{ArticleID: "c", Label: true, Vec: unit(0, 7, 1)}, // halfway to a
	}
	s, ok := measureScale(items)
	if !ok {
		t.Fatal("measureScale: not ok")
	}
	// Own: each of a's and b's labels has a sibling at cosine >= 0.95; c
	// has none and is not a probe.
	if s.Own < 0.95 || s.Own > 1 {
		t.Errorf("Own = %.3f, want >= 0.95", s.Own)
	}
	// a's labels are nearest c (about 0.7), b's nearest nothing (0).
	if s.Near < 0.3 || s.Near > 0.75 {
		t.Errorf("Near = %.3f, want between 0.3 and 0.75", s.Near)
	}
	if s.Background >= s.Near || s.Background < 0 {
		t.Errorf("Background = %.3f, want in [0, Near=%.3f)", s.Background, s.Near)
	}
	// a's two labels and b's two are each other's nearest: all right.
	if s.SelfN != 4 || s.SelfTop1 != 1 {
		t.Errorf("SelfTop1 = %.2f of %d, want 1 of 4", s.SelfTop1, s.SelfN)
	}
	// A near-duplicate of a's first label in article d: that label's
	// nearest is now the wrong article.
	dup := append(items, VectorItem{ArticleID: "d", Label: true, Vec: unit(0, 1, 0.11)})
	if s, _ := measureScale(dup); s.SelfN != 4 || s.SelfTop1 != 0.75 {
		t.Errorf("with a near-duplicate SelfTop1 = %.2f of %d, want 0.75 of 4", s.SelfTop1, s.SelfN)
	}
	if _, ok := measureScale(items[:3]); ok {
		t.Error("one article: want no scale")
	}
	if _, ok := measureScale([]VectorItem{items[0], items[3]}); ok {
		t.Error("no article with two texts: want no scale")
	}
}

func TestMeasureScaleSamples(t *testing.T) {
	// More probes than scaleSample: the result stays a median over an
	// even spread, here every article alike.
	var items []VectorItem
	for i := range 600 {
		id := string(rune('a' + i%300/12))
		items = append(items, VectorItem{ArticleID: id, Label: true, Vec: unit(i%300/12%8, (i+1)%8, 0.05)})
	}
	s, ok := measureScale(items)
	if !ok || math.IsNaN(s.Own) || s.Own < 0.99 {
		t.Errorf("measureScale = %+v, %v; want Own near 1", s, ok)
	}
}
