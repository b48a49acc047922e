package evaluate

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/escalate"
)

// moodRows returns English and Chinese rows whose label the lexicon's
// negative and positive words give away.
func moodRows() []SentimentRow {
	var rows []SentimentRow
	add := func(lang, label string, texts ...string) {
		for _, t := range texts {
			rows = append(rows, SentimentRow{Text: t, Lang: lang, Label: label, Split: "train"})
		}
	}
	for _, thing := range []string{"parcel", "refund", "app", "support", "delivery", "service", "website", "courier"} {
		add("en", "negative", "the "+thing+" is terrible", "the "+thing+" is awful", "the "+thing+" was late", "the worst "+thing+" ever")
		add("en", "positive", "the "+thing+" is great", "the "+thing+" is excellent")
		add("en", "neutral", "where is my "+thing, "what about the "+thing)
	}
	for _, thing := range []string{"快递", "退款", "客服", "服务", "网站", "物流", "软件", "包裹"} {
		add("zh", "negative", thing+"太差了", "垃圾"+thing, thing+"很烂")
		add("zh", "positive", thing+"很好", thing+"非常棒")
		add("zh", "neutral", "我的"+thing+"在哪里")
	}
	return rows
}

// TestFitSentiment: on rows the lexicon separates, every penalty
// cross-validates about perfectly, so the strongest ships, and the model
// calls new texts as their words say.
func TestFitSentiment(t *testing.T) {
	rows := moodRows()
	m, variants, err := FitSentiment(context.Background(), nil, rows, "abc123", "/data/sentiment.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(variants) != 1 || variants[0].Name != "lexicon" || len(variants[0].Trials) != 3 {
		t.Fatalf("variants %+v, want the lexicon one with a trial per penalty", variants)
	}
	v := variants[0]
	for _, trial := range v.Trials {
		for _, lang := range []string{"en", "zh"} {
			if s := trial.Scores[lang]; s == nil || s.F1 < 0.9 {
				t.Errorf("%s %s: cross-validated %+v, want F1 about 1", trial.Penalty, lang, s)
			}
		}
	}
	if v.Chosen != len(v.Trials)-1 {
		t.Errorf("chose %s, want the strongest penalty when none costs F1", v.Trials[v.Chosen].Penalty)
	}
	if m.Embedding != nil || m.TrainSHA256 != "abc123" || len(m.CV) != 2 || !strings.Contains(m.FittedOn, "sentiment.jsonl") {
		t.Errorf("model %+v: want the lexicon variant only, the file's sum and name, a cv line per language", m)
	}
	s := escalate.NewSentimentModel(nil, m)
	for _, tc := range []struct {
		text string
		neg  bool
	}{{"the checkout is terrible", true}, {"the checkout is great", false}, {"结账太差了", true}, {"结账很好", false}} {
		p, _, err := s.Negative(context.Background(), tc.text)
		if err != nil || (p >= SentimentThreshold) != tc.neg {
			t.Errorf("Negative(%q) = %.3f, %v; want negative %v", tc.text, p, err, tc.neg)
		}
	}
}

// dimsEmbedder returns vectors of dims dimensions.
type dimsEmbedder int

func (d dimsEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = make([]float32, d)
		out[i][len(t)%int(d)] = 1
	}
	return out, nil
}

// TestFitSentimentEmbedderProblems: a model the build could not load
// is not returned.
func TestFitSentimentEmbedderProblems(t *testing.T) {
	tests := []struct {
		name string
		emb  escalate.Embedder
		want string
	}{
		{"embedder fails", failingEmbedder{}, "embedder down"},
		// The embedding variant weighs the shipped model's dimensions.
		{"other dimensions", dimsEmbedder(4), "weights"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _, err := FitSentiment(context.Background(), tc.emb, moodRows(), "", "s.jsonl")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("FitSentiment = %v, %v; want an error about %q", m, err, tc.want)
			}
		})
	}
}

func TestEvalSentiment(t *testing.T) {
	rows := []SentimentRow{
		{Text: "this is terrible", Lang: "en", Label: "negative", Split: "dev"},   // found
		{Text: "where is my refund", Lang: "en", Label: "negative", Split: "dev"}, // missed
		{Text: "my parcel is late", Lang: "en", Label: "neutral", Split: "dev"},   // false alarm
		{Text: "great service", Lang: "en", Label: "positive", Split: "dev"},
		{Text: "太差了", Lang: "zh", Label: "negative", Split: "dev"},
		{Text: "很好", Lang: "zh", Label: "positive", Split: "dev"},
	}
	shipped := &escalate.SentimentModel{TrainSHA256: "trained-on", CV: []string{"lexicon en: f1 0.8"}}
	test := slices.Clone(rows)
	for i := range test {
		test[i].Split = "test"
	}
	tests := []struct {
		name     string
		rows     []SentimentRow
		sum      string
		inSample bool
	}{
		{"the training file", test, "trained-on", true},
		{"a dev split", rows, "other", true},
		{"held out", test, "other", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := EvalSentiment(context.Background(), negWordSentiment(), shipped, tc.rows, tc.sum)
			if err != nil {
				t.Fatal(err)
			}
			if rep.N != 6 || rep.Model != "lexicon" || rep.Threshold != SentimentThreshold {
				t.Errorf("report %+v", rep)
			}
			if want := (SentimentPRF{Precision: 0.5, Recall: 0.5, F1: 0.5, N: 4}); rep.EN == nil || *rep.EN != want {
				t.Errorf("en = %+v, want %+v", rep.EN, want)
			}
			if want := (SentimentPRF{Precision: 1, Recall: 1, F1: 1, N: 2}); rep.ZH == nil || *rep.ZH != want {
				t.Errorf("zh = %+v, want %+v", rep.ZH, want)
			}
			if got := rep.Note != "" && slices.Equal(rep.CV, shipped.CV); got != tc.inSample {
				t.Errorf("note %q cv %v; want in-sample %v", rep.Note, rep.CV, tc.inSample)
			}
			if !tc.inSample && (rep.Note != "" || rep.CV != nil) {
				t.Errorf("held out: note %q cv %v, want none", rep.Note, rep.CV)
			}
		})
	}
}

func TestEvalSentimentEmbedderError(t *testing.T) {
	sent := escalate.NewSentimentModel(failingEmbedder{}, &escalate.SentimentModel{
		Features:  escalate.SentimentFeatureNames,
		Lexicon:   escalate.SentimentRegression{Weights: make([]float64, len(escalate.SentimentFeatureNames))},
		Embedding: &escalate.SentimentRegression{}, Dims: 4,
	})
	rows := []SentimentRow{{Text: "fine", Lang: "en", Label: "positive"}, {Text: "bad", Lang: "en", Label: "negative"}}
	if _, err := EvalSentiment(context.Background(), sent, &escalate.SentimentModel{}, rows, ""); err == nil || !strings.Contains(err.Error(), "embedder down") {
		t.Errorf("err = %v, want the embedder's", err)
	}
}
