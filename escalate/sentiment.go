package escalate

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// sentimentModelJSON holds the coefficients `baton calibrate --task
// sentiment` fitted over the features below.
//
//go:embed sentiment_model.json
var sentimentModelJSON []byte

// SentimentRegression is a logistic regression: P = sigmoid(Weights·x + Bias).
type SentimentRegression struct {
	Weights []float64 `json:"weights"`
	Bias    float64   `json:"bias"`
}

// Prob returns the probability for the feature vector x.
func (m *SentimentRegression) Prob(x []float64) float64 {
	z := m.Bias
	for i, v := range x {
		if i < len(m.Weights) {
			z += m.Weights[i] * v
		}
	}
	return 1 / (1 + math.Exp(-z))
}

// SentimentModel is the file `baton calibrate --task sentiment` writes. It
// holds two variants so the bot works with or without the local embedding
// model: Lexicon weighs SentimentFeatureNames; Embedding weighs the same
// features followed by the Dims dimensions of EmbeddingModel's vector.
type SentimentModel struct {
	FittedOn string `json:"fitted_on"`
	// TrainSHA256 is the sha256 of the file the coefficients were fitted
	// on, so an evaluation can tell in-sample figures from held-out ones.
	TrainSHA256 string `json:"train_sha256"`
	// CV are the cross-validated figures reported when fitting.
	CV             []string             `json:"cv,omitempty"`
	Features       []string             `json:"features"`
	Lexicon        SentimentRegression  `json:"lexicon"`
	EmbeddingModel string               `json:"embedding_model,omitempty"`
	Dims           int                  `json:"dims,omitempty"`
	Embedding      *SentimentRegression `json:"embedding,omitempty"`
}

// ParseSentimentModel decodes and checks a sentiment model: its features
// must be the ones this build computes, in the same order.
func ParseSentimentModel(b []byte) (*SentimentModel, error) {
	var m SentimentModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode sentiment model: %w", err)
	}
	if !slices.Equal(m.Features, SentimentFeatureNames) {
		return nil, fmt.Errorf("sentiment model features %v do not sentMatch this build's %v: refit with `baton calibrate --task sentiment`", m.Features, SentimentFeatureNames)
	}
	if len(m.Lexicon.Weights) != len(SentimentFeatureNames) {
		return nil, fmt.Errorf("sentiment model: lexicon variant has %d weights, want %d", len(m.Lexicon.Weights), len(SentimentFeatureNames))
	}
	if m.Embedding != nil && len(m.Embedding.Weights) != len(SentimentFeatureNames)+m.Dims {
		return nil, fmt.Errorf("sentiment model: embedding variant has %d weights, want %d", len(m.Embedding.Weights), len(SentimentFeatureNames)+m.Dims)
	}
	return &m, nil
}

// ShippedSentimentModel returns the model built into the binary.
func ShippedSentimentModel() (*SentimentModel, error) {
	return ParseSentimentModel(sentimentModelJSON)
}

// SentimentVector joins lexicon features and an embedding in the order the
// embedding variant weighs them.
func SentimentVector(lex []float64, emb []float32) []float64 {
	x := make([]float64, 0, len(lex)+len(emb))
	x = append(x, lex...)
	for _, v := range emb {
		x = append(x, float64(v))
	}
	return x
}

// Sentiment scores how negative a customer turn is: dissatisfaction,
// anger, anxiety or urgency, the things a person should hear about. It is
// safe for concurrent use when its Embedder is.
type Sentiment struct {
	emb   Embedder // nil: lexicon variant
	model *SentimentModel
	err   error // a shipped model that does not decode
}

// NewSentiment returns the scorer with the shipped coefficients. With an
// embedder (and a shipped embedding variant) it adds the text's embedding
// to the lexicon features; with nil it uses the lexicon alone, whose
// coefficients were fitted for that case.
func NewSentiment(emb Embedder) *Sentiment {
	m, err := ShippedSentimentModel()
	return newSentiment(emb, m, err)
}

// NewSentimentModel is NewSentiment with coefficients of one's own, such as
// a model being evaluated before it ships.
func NewSentimentModel(emb Embedder, m *SentimentModel) *Sentiment {
	return newSentiment(emb, m, nil)
}

func newSentiment(emb Embedder, m *SentimentModel, err error) *Sentiment {
	if m == nil || m.Embedding == nil {
		emb = nil
	}
	// Another model's vectors would not fit the coefficients.
	if named, ok := emb.(interface{ Name() string }); ok && m != nil && named.Name() != m.EmbeddingModel {
		emb = nil
	}
	return &Sentiment{emb: emb, model: m, err: err}
}

// Variant names what the scores are computed from: "lexicon", or
// "lexicon+" and the embedding model's name.
func (s *Sentiment) Variant() string {
	if s.emb == nil || s.model == nil {
		return "lexicon"
	}
	return "lexicon+" + s.model.EmbeddingModel
}

// Negative returns the probability that text expresses dissatisfaction,
// anger, anxiety or urgency, and the cues found in it for an agent to read
// (such as "neg:terrible", "negated:不满意", "intensifier:very", "caps",
// "!!!", "urgent:asap", "complaint:still waiting"). When the embedder
// fails it returns the lexicon variant's probability with the error, so
// the caller may log it and carry on.
func (s *Sentiment) Negative(ctx context.Context, text string) (float64, []string, error) {
	if s.err != nil {
		return 0, nil, fmt.Errorf("sentiment: %w", s.err)
	}
	if strings.TrimSpace(text) == "" {
		return 0, nil, nil
	}
	lex, cues := SentimentFeatures(text)
	if s.emb == nil {
		return s.model.Lexicon.Prob(lex), cues, nil
	}
	vecs, err := s.emb.Embed(ctx, []string{text})
	if err == nil && (len(vecs) != 1 || len(vecs[0]) != s.model.Dims) {
		err = fmt.Errorf("embedder returned %d vectors, want one of %d dims", len(vecs), s.model.Dims)
	}
	if err != nil {
		return s.model.Lexicon.Prob(lex), cues, fmt.Errorf("sentiment: %w", err)
	}
	return s.model.Embedding.Prob(SentimentVector(lex, vecs[0])), cues, nil
}
