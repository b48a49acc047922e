package retrieval

import (
	"context"
	"fmt"
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
