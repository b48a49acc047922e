package evaluate

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// negWordSentiment is a sentiment scorer whose lexicon variant reads
// only the negative-word feature: about 1 with a negative word ("late",
// "terrible"), under 0.01 without, whatever the shipped coefficients.
func negWordSentiment() *escalate.Sentiment {
	w := make([]float64, len(escalate.SentimentFeatureNames))
	w[slices.Index(escalate.SentimentFeatureNames, "neg")] = 20
	return escalate.NewSentimentModel(nil, &escalate.SentimentModel{
		Features: escalate.SentimentFeatureNames,
		Lexicon:  escalate.SentimentRegression{Weights: w, Bias: -5},
	})
}

// script builds a dialogue from turns written "c: text" (customer) or
// "a: text" (the helpdesk).
func script(id, lang string, dissatisfied bool, turns ...string) Dialogue {
	d := Dialogue{ID: id, Lang: lang, Dissatisfied: dissatisfied}
	for _, t := range turns {
		role := "agent"
		if strings.HasPrefix(t, "c: ") {
			role = "customer"
		}
		d.Turns = append(d.Turns, struct {
			Role string `json:"role"`
			Text string `json:"text"`
		}{role, t[3:]})
	}
	return d
}

func TestFirstHandoff(t *testing.T) {
	tests := []struct {
		name        string
		policy      escalate.Policy
		d           Dialogue
		wantTurn    int
		wantReasons []string
	}{
		{"explicit request, counted in customer turns", escalate.Policy{},
			script("d", "en", true, "a: Hi, how can I help?", "c: where is my parcel", "a: It ships tomorrow.",
				"c: Can I change the delivery address", "a: Yes, under settings.", "c: let me talk to a human", "a: One moment."),
			3, []string{kb.ReasonExplicitRequest}},
		{"explicit request in Chinese", escalate.Policy{},
			script("d", "zh", true, "c: 我要转人工"), 1, []string{kb.ReasonExplicitRequest}},
		{"none", escalate.Policy{NegativeTurn: 0.9, Rephrases: 1},
			script("d", "en", false, "c: where is my parcel", "a: It ships tomorrow.", "c: thanks"), 0, nil},
		{"negative turn", escalate.Policy{NegativeTurn: 0.9},
			script("d", "en", true, "c: where is my parcel", "a: It ships tomorrow.", "c: this is terrible"),
			2, []string{kb.ReasonNegativeSentiment}},
		// One upset turn is the per-turn trigger's job; the trend needs
		// the earlier turn's score carried over.
		{"negative trend over two turns", escalate.Policy{NegativeTrend: 0.9},
			script("d", "en", true, "c: my parcel is late", "a: Sorry to hear that.", "c: awful service, terrible"),
			2, []string{kb.ReasonNegativeSentiment}},
		{"rephrase after an answer", escalate.Policy{Rephrases: 1},
			script("d", "en", true, "c: how do I reset my password", "a: Use the reset link.", "c: you didn't answer my question"),
			2, []string{kb.ReasonRephrase}},
		// Two customer messages in a row: the second cannot say the
		// answer missed, there was none.
		{"no rephrase without an answer between", escalate.Policy{Rephrases: 1},
			script("d", "en", true, "c: how do I reset my password", "c: you didn't answer my question"), 0, nil},
		{"second rephrase in a row", escalate.Policy{Rephrases: 2},
			script("d", "en", true, "c: how do I reset my password", "a: Use the reset link.", "c: you didn't answer my question",
				"a: Use the reset link on the login page.", "c: that's not what I asked"),
			3, []string{kb.ReasonRephrase}},
	}
	ctx := context.Background()
	sent, reph := negWordSentiment(), escalate.NewRephraser(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			turn, reasons, err := firstHandoff(ctx, tc.policy, sent, reph, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if turn != tc.wantTurn || !slices.Equal(reasons, tc.wantReasons) {
				t.Errorf("firstHandoff = turn %d %v, want turn %d %v", turn, reasons, tc.wantTurn, tc.wantReasons)
			}
		})
	}
}

// TestDialogues: per language, sorted, how many dissatisfied and
// satisfied dialogues are handed off and how early.
func TestDialogues(t *testing.T) {
	ds := []Dialogue{
		script("z1", "zh", true, "c: 转人工"),
		script("e1", "en", true, "c: where is my parcel", "a: It ships tomorrow.", "c: Can I change the delivery address",
			"a: Yes.", "c: let me talk to a human"),
		script("e2", "en", true, "c: this is terrible", "a: Sorry.", "c: where is my parcel"),
		script("e3", "en", true, "c: where is my parcel", "a: It ships tomorrow.", "c: ok"),
		script("e4", "en", false, "c: where is my parcel", "a: It ships tomorrow.", "c: thanks"),
		script("e5", "en", false, "c: can I speak to an agent"), // a false alarm
	}
	reps, err := Dialogues(context.Background(), escalate.Policy{NegativeTurn: 0.9}, negWordSentiment(), escalate.NewRephraser(nil), ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Lang != "en" || reps[1].Lang != "zh" {
		t.Fatalf("reports %+v, want en then zh", reps)
	}
	en := reps[0]
	checks := []struct {
		name      string
		got, want float64
	}{
		{"dissatisfied", float64(en.Dissatisfied), 3},
		{"satisfied", float64(en.Satisfied), 2},
		{"dissatisfied_handoff", en.DissatisfiedHandoff, 0.667}, // e1, e2
		{"satisfied_handoff", en.SatisfiedHandoff, 0.5},         // e5
		{"median_handoff_turn", en.MedianHandoffTurn, 2},        // turns 3 and 1
		{"mean_customer_turns", en.MeanCustomerTurns, 2.333},    // 3, 2, 2
		{"handoff_at_first_turn", en.HandoffAtFirstTurn, 0.333}, // e2
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("en %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Reasons count false alarms too: what agents would see.
	if want := map[string]int{kb.ReasonExplicitRequest: 2, kb.ReasonNegativeSentiment: 1}; !maps.Equal(en.Reasons, want) {
		t.Errorf("en reasons = %v, want %v", en.Reasons, want)
	}
	zh := reps[1]
	if zh.Dissatisfied != 1 || zh.Satisfied != 0 || zh.DissatisfiedHandoff != 1 || zh.SatisfiedHandoff != 0 ||
		zh.MedianHandoffTurn != 1 || zh.HandoffAtFirstTurn != 1 {
		t.Errorf("zh = %+v, want its one dissatisfied dialogue handed off on turn 1", zh)
	}
}

// failingEmbedder fails every call.
type failingEmbedder struct{}

func (failingEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("embedder down")
}

func TestDialoguesEmbedderError(t *testing.T) {
	sent := escalate.NewSentimentModel(failingEmbedder{}, &escalate.SentimentModel{
		Features:  escalate.SentimentFeatureNames,
		Lexicon:   escalate.SentimentRegression{Weights: make([]float64, len(escalate.SentimentFeatureNames))},
		Embedding: &escalate.SentimentRegression{}, Dims: 4,
	})
	ds := []Dialogue{script("e7", "en", true, "c: where is my parcel")}
	_, err := Dialogues(context.Background(), escalate.Policy{}, sent, escalate.NewRephraser(nil), ds)
	if err == nil || !strings.Contains(err.Error(), "e7") || !strings.Contains(err.Error(), "embedder down") {
		t.Errorf("err = %v, want the embedder's error naming dialogue e7", err)
	}
}
