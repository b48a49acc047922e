package escalate

// Signals are what the conversation so far says about the customer, as
// measured by a Detector.
type Signals struct {
	// Negative is the probability that this turn expresses dissatisfaction,
	// anger, anxiety or urgency; PriorNegative holds the same for the
	// earlier customer turns, oldest first.
	Negative      float64
	PriorNegative []float64
	// Rephrase says this turn asks again what the previous customer turn
	// asked, after the bot answered it; PriorRephrases counts the
	// consecutive rephrases just before this one.
	Rephrase       bool
	PriorRephrases int
	// Similarity of this turn to the previous customer turn (0 when none).
	Similarity float64
}
