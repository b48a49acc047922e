package evaluate

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

func TestScoreRephrase(t *testing.T) {
	// (predicted, gold): 2 true positives, 1 false positive, 1 false
	// negative, 1 true negative.
	m := scoreRephrase([][2]bool{{true, true}, {true, true}, {true, false}, {false, true}, {false, false}})
	want := RephraseMetrics{Accuracy: 0.6, Precision: 2.0 / 3, Recall: 2.0 / 3, F1: 2.0 / 3, N: 5}
	if math.Abs(m.Accuracy-want.Accuracy) > 1e-12 || math.Abs(m.Precision-want.Precision) > 1e-12 ||
		math.Abs(m.Recall-want.Recall) > 1e-12 || math.Abs(m.F1-want.F1) > 1e-12 || m.N != want.N {
		t.Errorf("scoreRephrase = %+v, want %+v", m, want)
	}
	if m := scoreRephrase(nil); m != (RephraseMetrics{}) {
		t.Errorf("scoreRephrase(nil) = %+v, want zeros", m)
	}
}

func TestSentimentScores(t *testing.T) {
	rows := []SentimentRow{
		{Lang: "en", Label: "negative"}, {Lang: "en", Label: "negative"}, {Lang: "en", Label: "neutral"}, {Lang: "en", Label: "positive"},
	}
	en, zh := sentimentScores(rows, []float64{0.9, 0.2, SentimentThreshold, 0.1})
	if zh != nil {
		t.Errorf("zh = %+v, want nil without Chinese rows", zh)
	}
	// One negative found, one missed, one neutral taken for negative.
	if want := (SentimentPRF{Precision: 0.5, Recall: 0.5, F1: 0.5, N: 4}); en == nil || *en != want {
		t.Errorf("en = %+v, want %+v", en, want)
	}
}

// TestRowOf: a clarify turn's suggestions and the first five hits are
// kept; correct is the first citation being the gold article.
func TestRowOf(t *testing.T) {
	gold := "b"
	var hits []retrieval.Fused
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		hits = append(hits, retrieval.Fused{ArticleID: id, Ranks: []int{1}, Scores: []float64{0.5}})
	}
	res := &answer.TurnResult{
		Reply:    kb.Reply{Band: kb.BandClarify, Confidence: 0.4, Suggestions: []kb.Suggestion{{ArticleID: "a"}, {ArticleID: "b"}}, Citations: []kb.Citation{{ArticleID: "a"}}},
		Composed: &answer.Result{Hits: hits, Features: answer.Features{VecTop: 0.7}},
	}
	r := RowOf(Query{Query: "q", Collection: "shop", GoldID: &gold}, res)
	if r.Gold != "b" || r.Correct || len(r.Top) != 5 || len(r.Hits) != 6 || len(r.Suggested) != 2 || r.Features.VecTop != 0.7 {
		t.Errorf("RowOf = %+v", r)
	}
	res.Reply.Citations[0].ArticleID = "b"
	if r := RowOf(Query{GoldID: &gold}, res); !r.Correct {
		t.Errorf("first citation is the gold article, row not correct")
	}
	if r := RowOf(Query{}, res); r.Correct {
		t.Errorf("out-of-scope query counted correct")
	}
}

// axisEmbedder embeds each text as a fixed unit vector.
type axisEmbedder map[string][]float32

func (e axisEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e[t]
	}
	return out, nil
}

// TestClusters: two articles asked two ways each, the phrasings of one
// article embedded alike, cluster into two pure groups.
func TestClusters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	doc := `{"query":"refund please","lang":"en","gold_id":"refund","collection":"shop"}
{"query":"money back","lang":"en","gold_id":"refund","collection":"shop"}
{"query":"lost card","lang":"en","gold_id":"card","collection":"shop"}
{"query":"card gone","lang":"en","gold_id":"card","collection":"shop"}
{"query":"weather","lang":"en","gold_id":null,"collection":"shop"}
`
	if err := os.WriteFile(filepath.Join(dir, "queries.jsonl"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	qs, err := ReadClusterQueries([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 4 {
		t.Fatalf("%d queries, want the 4 in scope", len(qs))
	}
	emb := axisEmbedder{"refund please": {1, 0}, "money back": {0.99, 0.14}, "lost card": {0, 1}, "card gone": {0.14, 0.99}}
	run, err := Clusters(context.Background(), emb, qs, []float64{0.9, 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Scores) != 2 {
		t.Fatalf("scores %+v, want one per threshold", run.Scores)
	}
	if s := run.Scores[0]; s.Set != "shop" || s.Lang != "en" || s.N != 4 || s.GoldGroups != 2 || s.Clusters != 2 || s.Purity != 1 || s.ARI != 1 {
		t.Errorf("at 0.9: %+v, want two pure clusters", s)
	}
	// At a threshold nearly anything passes, everything is one cluster.
	if s := run.Scores[1]; s.Clusters != 1 || s.Purity != 0.5 || s.InversePurity != 1 {
		t.Errorf("at 0.01: %+v, want one cluster of purity 0.5", s)
	}
}
