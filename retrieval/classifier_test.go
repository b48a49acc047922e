package retrieval

import (
	"context"
	"maps"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// separable draws n vectors of an article whose only tell is the sign of
// dimension 0; the other dimensions are noise larger than that tell, so
// a question's nearest neighbour by cosine is often another article's.
func separable(rng *rand.Rand, id string, sign float32, n, dim int) []VectorItem {
	items := make([]VectorItem, n)
	for i := range items {
		v := make([]float32, dim)
		v[0] = sign * 0.6
		for d := 1; d < dim; d++ {
			v[d] = float32(rng.NormFloat64())
		}
		normalize(v)
		items[i] = VectorItem{ArticleID: id, ChunkID: id + "#0", Vec: v}
	}
	return items
}

func TestClassifierLearnsWhatTellsArticlesApart(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const dim = 24
	train := append(separable(rng, "a", 1, 80, dim), separable(rng, "b", -1, 80, dim)...)
	test := append(separable(rng, "a", 1, 100, dim), separable(rng, "b", -1, 100, dim)...)
	c := trainClassifier(context.Background(), train)
	if c == nil || len(c.ids) != 2 {
		t.Fatalf("trainClassifier = %+v, want two classes", c)
	}
	var clsRight, nnRight int
	for _, q := range test {
		probs := c.classify(q.Vec)
		if sum := probs["a"] + probs["b"]; math.Abs(sum-1) > 1e-6 {
			t.Fatalf("probabilities sum to %v, want 1", sum)
		}
		if top := topProbs(probs, 1); top[0].ArticleID == q.ArticleID {
			clsRight++
		}
		best, bestCos := "", float32(-2)
		for _, it := range train {
			if s := dot(q.Vec, it.Vec); s > bestCos {
				best, bestCos = it.ArticleID, s
			}
		}
		if best == q.ArticleID {
			nnRight++
		}
	}
	t.Logf("right for 200 unseen questions: classifier %d, nearest neighbour %d", clsRight, nnRight)
	if clsRight < 190 {
		t.Errorf("classifier right for %d of 200 unseen questions, want >= 190", clsRight)
	}
	if clsRight <= nnRight {
		t.Errorf("classifier right for %d, nearest neighbour for %d: the test wants noise that fools cosine", clsRight, nnRight)
	}
}

func TestClassifierStopsWhenCanceled(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	items := append(separable(rng, "a", 1, 10, 8), separable(rng, "b", -1, 10, 8)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c := trainClassifier(ctx, items); c != nil {
		t.Errorf("trainClassifier with a canceled context = %+v, want nil", c)
	}
}

func TestVectorsClassifierFollowsChanges(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(3))
	v := NewVectors()
	a := &kb.Article{ID: "a", Collection: "c"}
	b := &kb.Article{ID: "b", Collection: "c"}
	solo := &kb.Article{ID: "s", Collection: "solo"}
	v.Put(a, separable(rng, "a", 1, 20, 8))
	v.Put(b, separable(rng, "b", -1, 20, 8))
	v.Put(solo, separable(rng, "s", 1, 5, 8))
	q := separable(rng, "a", 1, 1, 8)[0].Vec

	if p := v.classify("c", q); p != nil {
		t.Fatalf("classify before training = %v, want nil", p)
	}
	if got := v.untrained(); len(got) != 2 || got[0] != "c" || got[1] != "solo" {
		t.Fatalf("untrained = %v, want [c solo]", got)
	}
	for _, c := range v.untrained() {
		items, ver := v.snapshot(c)
		v.train(ctx, c, items, ver)
	}
	if got := v.untrained(); len(got) != 0 {
		t.Errorf("untrained after training = %v, want none", got)
	}
	if p := v.classify("c", q); p == nil || p["a"] < 0.5 {
		t.Errorf("classify after training = %v, want a most likely", p)
	}
	if p := v.classify("solo", q); p != nil {
		t.Errorf("a one-article collection has a classifier: %v", p)
	}

	// A change makes the classifier stale: until it is trained again it
	// serves the articles that remain, and the trainer is told.
	select {
	case <-v.changed:
	default:
	}
	v.Delete("b")
	if p := v.classify("c", q); len(p) != 1 || p["a"] == 0 {
		t.Errorf("classify after deleting b = %v, want a alone", p)
	}
	select {
	case <-v.changed:
	default:
		t.Error("a change did not signal the trainer")
	}
	if got := v.untrained(); len(got) != 1 || got[0] != "c" {
		t.Errorf("untrained after a change = %v, want [c]", got)
	}
}

func TestSearcherUsesTrainedClassifier(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
	for _, d := range corpus() {
		if err := s.Index(ctx, &d.article, d.chunks); err != nil {
			t.Fatalf("Index(%s): %v", d.article.ID, err)
		}
	}
	// Weigh only the classifier's probability.
	fm := *s.Fusion
	fm.Classified = Linear{Weights: make([]float64, len(FeatureNames))}
	fm.Classified.Weights[10] = 1
	s.Fusion = &fm
	const q = "money back please"
	hits, err := s.Search(ctx, "en", q, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Ranks[RankClassify] != 0 {
		t.Fatalf("before training Search = %+v, want no classifier ranking", hits)
	}
	s.Only = "classifier"
	if hits, err := s.Search(ctx, "en", q, 5); err != nil || len(hits) != 0 {
		t.Fatalf("classifier-only Search before training = %+v, %v; want nothing", hits, err)
	}
	s.Only = ""

	s.NoClassifier = true
	s.TrainClassifiers(ctx)
	if s.vectors.classify("en", fakeEmbedding(q)) != nil {
		t.Fatal("TrainClassifiers trained with NoClassifier set")
	}
	if sc, ok := s.Scale("en"); !ok || sc.Own <= sc.Background {
		t.Errorf("Scale(en) with NoClassifier = %+v, %v; want measured, own above background", sc, ok)
	}
	s.NoClassifier = false
	s.TrainClassifiers(ctx, "zh")
	if s.vectors.classify("en", fakeEmbedding(q)) != nil {
		t.Fatal("TrainClassifiers(zh) trained en")
	}
	s.TrainClassifiers(ctx)
	hits, err = s.Search(ctx, "en", q, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ArticleID != "en-refund" || hits[0].Ranks[RankClassify] != 1 ||
		hits[0].Scores[RankClassify] <= 0.5 || hits[0].Features[10] != hits[0].Scores[RankClassify] {
		t.Errorf("after training Search(%q) = %+v, want en-refund first by the classifier", q, hits)
	}
	s.Only = "classifier"
	hits, err = s.Search(ctx, "en", q, 5)
	if err != nil || len(hits) != 3 || hits[0].ArticleID != "en-refund" || hits[0].Ranks[RankKeyword] != 0 {
		t.Errorf("classifier-only Search(%q) = %+v, %v; want en's three articles, en-refund first, no keyword ranking", q, hits, err)
	}
	if got := s.Mode(); got != "classifier(openai:m)" {
		t.Errorf("Mode() = %q", got)
	}
}

func TestRunTrainerTrainsAfterChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newFakeOpenAI(t)
	s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
	done := make(chan struct{})
	go func() { defer close(done); s.RunTrainer(ctx, 10*time.Millisecond, func(err error) { t.Error(err) }) }()
	for _, d := range corpus() {
		if err := s.Index(context.Background(), &d.article, d.chunks); err != nil {
			t.Fatalf("Index(%s): %v", d.article.ID, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.vectors.classify("en", fakeEmbedding("refund")) == nil {
		if time.Now().After(deadline) {
			t.Fatal("no classifier 10 s after indexing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunTrainer did not return after cancel")
	}
}

func TestClassifiersSurviveRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := newFakeOpenAI(t)
	docs := corpus()
	open := func(docs []doc) *Searcher {
		s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
		s.Classifiers = ClassifierDir(dir)
		for _, d := range docs {
			if err := s.Index(ctx, &d.article, d.chunks); err != nil {
				t.Fatalf("Index(%s): %v", d.article.ID, err)
			}
		}
		return s
	}
	s := open(docs)
	if err := s.TrainClassifiers(ctx); err != nil {
		t.Fatalf("TrainClassifiers: %v", err)
	}
	q := fakeEmbedding("money back")
	want := s.vectors.classify("en", q)

	// The same articles, loaded in another order, find their classifiers.
	rev := slices.Clone(docs)
	slices.Reverse(rev)
	s2 := open(rev)
	n, err := s2.LoadClassifiers(ctx)
	if err != nil || n != 2 {
		t.Fatalf("LoadClassifiers = %d, %v; want en and zh (the third collection has one article)", n, err)
	}
	if got := s2.vectors.classify("en", q); !maps.Equal(got, want) {
		t.Errorf("loaded classifier gives %v, want %v", got, want)
	}
	if u := s2.vectors.untrained(); len(u) != 1 || u[0] != "other" {
		t.Errorf("untrained after loading = %v, want only the one-article collection (never saved)", u)
	}

	// Other articles than it was trained on: not loaded.
	s3 := open(docs[1:])
	if n, err := s3.LoadClassifiers(ctx); err != nil || n != 1 {
		t.Errorf("LoadClassifiers with en-refund gone = %d, %v; want zh's only", n, err)
	}
	if p := s3.vectors.classify("en", q); p != nil {
		t.Errorf("a classifier of other articles was loaded: %v", p)
	}

	// A damaged file is an error, not a crash.
	files, _ := filepath.Glob(filepath.Join(dir, "*.cls"))
	for _, name := range files {
		if err := os.WriteFile(name, []byte("not a classifier"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := open(docs).LoadClassifiers(ctx); err == nil {
		t.Error("LoadClassifiers of damaged files: no error")
	}
}

func TestLoadFusionPadsOlderModels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fusion.json")
	ten := `[1,2,3,4,5,6,7,8,9,10]`
	if err := os.WriteFile(path, []byte(`{"hybrid":{"weights":`+ten+`},"keyword":{"weights":`+ten+`}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadFusion(path)
	if err != nil {
		t.Fatalf("LoadFusion of a ten-weight model: %v", err)
	}
	if len(m.Hybrid.Weights) != len(FeatureNames) || m.Hybrid.Weights[9] != 10 || m.Hybrid.Weights[10] != 0 || len(m.Classified.Weights) != 0 {
		t.Errorf("loaded %+v, want the ten weights padded with zeros and no classified weights", m)
	}
	if err := os.WriteFile(path, []byte(`{"hybrid":{"weights":[1,2]},"keyword":{"weights":`+ten+`}}`), 0o644); err == nil {
		if _, err := LoadFusion(path); err == nil {
			t.Error("LoadFusion accepted two weights")
		}
	}
}
