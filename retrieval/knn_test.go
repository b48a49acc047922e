package retrieval

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// exactSource answers a VectorSource's questions from a Vectors index by
// a full scan, as a perfect nearest-neighbour index would, to tell what
// the seam itself changes.
type exactSource struct {
	v    *Vectors
	fail error
}

func (e exactSource) NearestVectors(_ context.Context, _, collection string, q []float32, k int) ([]ScoredVector, error) {
	if e.fail != nil {
		return nil, e.fail
	}
	var all []ScoredVector
	for _, it := range e.v.items[collection] {
		all = append(all, e.scored(it, q))
	}
	sortScored(all)
	return all[:min(k, len(all))], nil
}

func (e exactSource) ArticleVectors(_ context.Context, _ string, ids []string, q []float32) ([]ScoredVector, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []ScoredVector
	for _, items := range e.v.items {
		for _, it := range items {
			if want[it.ArticleID] {
				out = append(out, e.scored(it, q))
			}
		}
	}
	return out, nil
}

// scored stores labels without a chunk id, as the stores do.
func (e exactSource) scored(it VectorItem, q []float32) ScoredVector {
	u := append([]float32(nil), q...)
	normalize(u)
	chunk := it.ChunkID
	if it.Label {
		chunk = ""
	}
	return ScoredVector{ArticleID: it.ArticleID, ChunkID: chunk, Cosine: float64(dot(u, it.Vec))}
}

func sortScored(vs []ScoredVector) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].Cosine > vs[j-1].Cosine; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

// Search through a VectorSource that finds the true nearest vectors ranks
// as the in-memory scan does: same articles, order, passages and scores,
// keyword hits included. When the source fails, the search scans memory
// and says so.
func TestSearcherVectorSource(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
	for _, d := range corpus() {
		// The labels' chunk is named as the store would load it.
		if err := s.Index(ctx, &d.article, d.chunks); err != nil {
			t.Fatal(err)
		}
	}
	for _, items := range s.vectors.items {
		for i := range items {
			if items[i].Label {
				items[i].ChunkID = items[i].ArticleID + "#0"
			}
		}
	}
	questions := []string{"how long does a refund take", "can I pay with a card", "where is my parcel", "退款需要多久"}
	var want [][]Fused
	for _, q := range questions {
		hits, err := s.Search(ctx, "en", q, 5)
		if err != nil || len(hits) == 0 || hits[0].Ranks[RankVector] == 0 {
			t.Fatalf("%q in memory = %v, %v; want vector-ranked hits", q, ids(hits), err)
		}
		want = append(want, hits)
	}
	s.KNN = exactSource{v: s.vectors}
	for i, q := range questions {
		got, err := s.Search(ctx, "en", q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%q through the source = %v, want as in memory %v", q, ids(got), ids(want[i]))
		}
	}
	var reported error
	s.OnEmbedError = func(err error) { reported = err }
	down := errors.New("database down")
	s.KNN = exactSource{v: s.vectors, fail: down}
	got, err := s.Search(ctx, "en", questions[0], 5)
	if err != nil || !reflect.DeepEqual(got, want[0]) || !errors.Is(reported, down) {
		t.Errorf("with the source down: %v, %v, reported %v; want the in-memory ranking and the error reported", ids(got), err, reported)
	}
}
