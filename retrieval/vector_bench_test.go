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
