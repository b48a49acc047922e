// Package escalate decides when the bot must hand a conversation to a
// person, and why. Every trigger yields a reason code (kb.Reason*).
package escalate

import (
	"regexp"
	"strings"

	"github.com/batonhq/baton/kb"
)

// Policy holds the hand-off rules for a collection.
type Policy struct {
	// RepeatedMiss hands off after this many consecutive customer turns
	// without a confident answer (the current one included); 0 disables.
	RepeatedMiss int
}

// DefaultPolicy is used for collections without their own rules.
var DefaultPolicy = Policy{RepeatedMiss: 2}

// explicitEN matches a customer asking for a person in English. The verb
// and the person must both be there: "human error" or "agent fees" alone
// are not requests.
var explicitEN = regexp.MustCompile(`(?i)\b(talk|speak|chat|connect|transfer|put)\b[^.?!]{0,25}\b(human|agent|person|representative|rep|operator|someone real|real person|staff|customer service)\b|\b(human|live|real) (agent|person|support|representative)\b|^\s*(agent|human|representative|operator)\s*[.!?]*\s*$`)

// explicitZH holds Chinese phrasings asking for a person.
var explicitZH = []string{"转人工", "人工客服", "人工服务", "找客服", "真人客服", "联系客服", "要人工", "找人工", "接人工"}

// ExplicitRequest reports whether the customer asks for a person.
func ExplicitRequest(text string) bool {
	if explicitEN.MatchString(text) {
		return true
	}
	t := strings.ReplaceAll(text, " ", "")
	for _, p := range explicitZH {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// Turn is what the policy sees of the current turn.
type Turn struct {
	Text string
	Band string // from confidence alone
	// Top is the best article found; nil when nothing matched.
	Top *kb.Article
	// PriorMisses counts the consecutive earlier customer turns, just
	// before this one, that got no confident answer.
	PriorMisses int
}

// Decide returns the reasons to hand off this turn, in a stable order; none
// means the bot keeps the conversation.
func (p Policy) Decide(t Turn) []string {
	var reasons []string
	if ExplicitRequest(t.Text) {
		reasons = append(reasons, kb.ReasonExplicitRequest)
	}
	if t.Top != nil && t.Top.AlwaysHandoff && t.Band != kb.BandHandoff {
		reasons = append(reasons, kb.ReasonSensitiveTopic)
	}
	if t.Band == kb.BandHandoff {
		reasons = append(reasons, kb.ReasonLowConfidence)
	}
	if p.RepeatedMiss > 0 && t.Band != kb.BandAnswer && t.PriorMisses+1 >= p.RepeatedMiss && t.Band != kb.BandHandoff {
		reasons = append(reasons, kb.ReasonRepeatedMiss)
	}
	return reasons
}
