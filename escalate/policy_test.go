package escalate

import (
	"slices"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestExplicitRequest(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"talk to a human", "I want to talk to a human", true},
		{"speak with a real person", "can I speak with a real person please", true},
		{"one word", "agent", true},
		{"one word, capitalised with punctuation", "Agent!", true},
		{"customer service", "connect me to customer service", true},
		{"live agent", "Live agent", true},
		{"zh transfer to a person", "转人工", true},
		{"zh human customer service", "我要人工客服", true},
		{"zh find customer service", "帮我找客服", true},
		{"zh spaced out", "转 人 工", true},

		{"asks whether a human wrote it", "is this answer written by a human?", false},
		{"travel agent fees", "what does a travel agent charge", false},
		{"human error", "human error in my order", false},
		{"zh artificial intelligence", "人工智能是什么", false},
		{"zh labour cost", "这个是人工费吗", false},
		{"unrelated", "how do I change my password", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExplicitRequest(tt.text); got != tt.want {
				t.Errorf("ExplicitRequest(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestPolicyDecide(t *testing.T) {
	sensitive := &kb.Article{ID: "legal", Title: "Legal complaints", AlwaysHandoff: true}
	ordinary := &kb.Article{ID: "refund", Title: "Refund policy"}
	tests := []struct {
		name   string
		policy Policy
		turn   Turn
		want   []string
	}{
		{
			name:   "confident answer keeps the conversation",
			policy: DefaultPolicy,
			turn:   Turn{Text: "how long do refunds take", Band: kb.BandAnswer, Top: ordinary},
			want:   nil,
		},
		{
			name:   "confident answer after misses keeps the conversation",
			policy: Policy{RepeatedMiss: 2},
			turn:   Turn{Text: "how long do refunds take", Band: kb.BandAnswer, Top: ordinary, PriorMisses: 5},
			want:   nil,
		},
		{
			name:   "low confidence",
			policy: DefaultPolicy,
			turn:   Turn{Text: "my blender smokes", Band: kb.BandHandoff, Top: ordinary},
			want:   []string{kb.ReasonLowConfidence},
		},
		{
			name:   "nothing found",
			policy: DefaultPolicy,
			turn:   Turn{Text: "qwerty", Band: kb.BandHandoff},
			want:   []string{kb.ReasonLowConfidence},
		},
		{
			name:   "sensitive topic even when confident",
			policy: DefaultPolicy,
			turn:   Turn{Text: "I want to file a legal complaint", Band: kb.BandAnswer, Top: sensitive},
			want:   []string{kb.ReasonSensitiveTopic},
		},
		{
			name:   "always-hand-off article as an unsure match is no reason",
			policy: Policy{},
			turn:   Turn{Text: "complaint", Band: kb.BandClarify, Top: sensitive},
		},
		{
			name:   "always-hand-off article as a wrong low-confidence hit",
			policy: DefaultPolicy,
			turn:   Turn{Text: "hello there", Band: kb.BandHandoff, Top: sensitive},
			want:   []string{kb.ReasonLowConfidence},
		},
		{
			name:   "first clarify is not a repeated miss",
			policy: Policy{RepeatedMiss: 2},
			turn:   Turn{Text: "the thing broke", Band: kb.BandClarify, Top: ordinary, PriorMisses: 0},
			want:   nil,
		},
		{
			name:   "second clarify in a row is a repeated miss",
			policy: Policy{RepeatedMiss: 2},
			turn:   Turn{Text: "the thing broke", Band: kb.BandClarify, Top: ordinary, PriorMisses: 1},
			want:   []string{kb.ReasonRepeatedMiss},
		},
		{
			name:   "default policy hands off on the second miss",
			policy: DefaultPolicy,
			turn:   Turn{Text: "still broken", Band: kb.BandClarify, Top: ordinary, PriorMisses: 1},
			want:   []string{kb.ReasonRepeatedMiss},
		},
		{
			name:   "third miss needed with RepeatedMiss 3",
			policy: Policy{RepeatedMiss: 3},
			turn:   Turn{Text: "still broken", Band: kb.BandClarify, Top: ordinary, PriorMisses: 1},
			want:   nil,
		},
		{
			name:   "third miss with RepeatedMiss 3",
			policy: Policy{RepeatedMiss: 3},
			turn:   Turn{Text: "still broken", Band: kb.BandClarify, Top: ordinary, PriorMisses: 2},
			want:   []string{kb.ReasonRepeatedMiss},
		},
		{
			name:   "RepeatedMiss 1 hands off on the first clarify",
			policy: Policy{RepeatedMiss: 1},
			turn:   Turn{Text: "the thing broke", Band: kb.BandClarify, Top: ordinary},
			want:   []string{kb.ReasonRepeatedMiss},
		},
		{
			name:   "RepeatedMiss 0 disables the trigger",
			policy: Policy{},
			turn:   Turn{Text: "still broken", Band: kb.BandClarify, Top: ordinary, PriorMisses: 10},
			want:   nil,
		},
		{
			name:   "explicit request with a confident answer",
			policy: DefaultPolicy,
			turn:   Turn{Text: "just let me talk to a human", Band: kb.BandAnswer, Top: ordinary},
			want:   []string{kb.ReasonExplicitRequest},
		},
		{
			name:   "explicit request in Chinese with a confident answer",
			policy: DefaultPolicy,
			turn:   Turn{Text: "转人工", Band: kb.BandAnswer, Top: ordinary},
			want:   []string{kb.ReasonExplicitRequest},
		},
		{
			name:   "an explicit request finding no article is not low confidence",
			policy: DefaultPolicy,
			turn:   Turn{Text: "agent", Band: kb.BandHandoff, PriorMisses: 3},
			want:   []string{kb.ReasonExplicitRequest},
		},
		{
			name:   "explicit request on a sensitive topic after a miss",
			policy: DefaultPolicy,
			turn:   Turn{Text: "speak to a person about my complaint", Band: kb.BandClarify, Top: sensitive, PriorMisses: 1},
			want:   []string{kb.ReasonExplicitRequest, kb.ReasonRepeatedMiss},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Decide(tt.turn); !slices.Equal(got, tt.want) {
				t.Errorf("Decide(%+v) = %q, want %q", tt.turn, got, tt.want)
			}
		})
	}
}

// TestExplicitRequestCommonPhrasings holds everyday phrasings the current
// patterns get wrong: a missed request keeps a customer who asked for a
// person with the bot; a false match hands off a question the bot could
// answer.
func TestExplicitRequestCommonPhrasings(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"talk to someone", "can I talk to someone", true},
		{"customer support", "talk to customer support", true},
		{"need a human", "I need a human", true},
		{"zh ideographic spaces", "转\u3000人\u3000工", true},
		{"transfer an order to another person", "can I transfer my order to another person", false},
		{"zh manual service fee", "人工服务费多少钱", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExplicitRequest(tt.text); got != tt.want {
				t.Errorf("ExplicitRequest(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}
