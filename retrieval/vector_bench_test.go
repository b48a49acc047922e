package retrieval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/batonhq/baton/kb"
)

// BenchmarkVectorSearch measures exact max-cosine search over n stored
// 512-dimensional vectors (about 20 per article), to tell up to what size
// exact search is fast enough for a chat turn:
//
//	go test -run XXX -bench VectorSearch -benchtime 20x ./retrieval
func BenchmarkVectorSearch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, 512)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, n := range []int{1000, 10000, 100000} {
		v := NewVectors()
		for a := 0; a < n/20; a++ {
			id := fmt.Sprintf("a%d", a)
			items := make([]VectorItem, 20)
			for i := range items {
				items[i] = VectorItem{ArticleID: id, ChunkID: id + "#0", Vec: vec()}
			}
			v.Put(&kb.Article{ID: id, Collection: "c"}, items)
		}
		q := vec()
		b.Run(fmt.Sprintf("vectors=%d", n), func(b *testing.B) {
			for b.Loop() {
				if hits := v.Search(context.Background(), "c", q, 10); len(hits) != 10 {
					b.Fatalf("got %d hits", len(hits))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/search")
		})
	}
}

// BenchmarkTrainClassifier measures training a collection's classifier on
// a clinc150-sized knowledge base (150 articles of 100 texts, 512
// dimensions) and on a tenth of it, and classifying one question:
//
//	go test -run XXX -bench TrainClassifier -benchtime 1x -count 3 ./retrieval
func BenchmarkTrainClassifier(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, arts := range []int{15, 150} {
		var items []VectorItem
		for a := range arts {
			centre := make([]float32, 512)
			for i := range centre {
				centre[i] = float32(rng.NormFloat64())
			}
			for range 100 {
				v := make([]float32, 512)
				for i := range v {
					v[i] = centre[i] + 2*float32(rng.NormFloat64())
				}
				normalize(v)
				items = append(items, VectorItem{ArticleID: fmt.Sprint(a), Vec: v})
			}
		}
		var c *classifier
		b.Run(fmt.Sprintf("train/articles=%d/texts=%d", arts, len(items)), func(b *testing.B) {
			for b.Loop() {
				c = trainClassifier(context.Background(), items)
			}
		})
		b.Run(fmt.Sprintf("classify/articles=%d", arts), func(b *testing.B) {
			for b.Loop() {
				c.classify(items[0].Vec)
			}
		})
	}
}

// dotLoop is the plain loop dot replaced, kept as the baseline.
func dotLoop(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestDot: the SIMD kernel agrees with the plain loop, at every length
// (its tails included), and vectors of different sizes score 0.
func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 3, 7, 8, 15, 16, 17, 511, 512, 1024} {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		if got, want := dot(a, b), dotLoop(a, b); math.Abs(float64(got-want)) > 1e-4*math.Max(1, math.Abs(float64(want))) {
			t.Errorf("dot of %d dimensions = %v, loop %v", n, got, want)
		}
	}
	if got := dot(make([]float32, 3), make([]float32, 4)); got != 0 {
		t.Errorf("dot of different sizes = %v, want 0", got)
	}
}

// BenchmarkDot measures dot against the plain loop over 2,000 vectors of
// 512 dimensions, in multiply-adds per second:
//
//	go test -run XXX -bench 'Dot$' -count 5 ./retrieval
func BenchmarkDot(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	vs := make([][]float32, 2000)
	for i := range vs {
		vs[i] = make([]float32, 512)
		for j := range vs[i] {
			vs[i][j] = float32(rng.NormFloat64())
		}
	}
	for _, f := range []struct {
		name string
		fn   func(a, b []float32) float32
	}{{"loop", dotLoop}, {"simd", dot}} {
		b.Run(f.name, func(b *testing.B) {
			var s float32
			for b.Loop() {
				for _, v := range vs {
					s += f.fn(vs[0], v)
				}
			}
			b.ReportMetric(float64(b.N)*float64(len(vs)*512)/b.Elapsed().Seconds()/1e9, "Gmadd/s")
			_ = s
		})
	}
}
