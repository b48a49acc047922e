package retrieval

// Fused is an article after fusion. Ranks and Scores hold its rank (0 when
// absent) and score in each ranking (positions Rank*); Score is the fusion
// model's score.
type Fused struct {
	ArticleID string
	ChunkID   string
	Text      string
	Score     float64
	Ranks     []int
	Scores    []float64
	// Features are the fusion model's inputs, in FeatureNames order.
	Features []float64
}
