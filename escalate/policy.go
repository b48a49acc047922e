// Package escalate decides when the bot must hand a conversation to a
// person, and why. Every trigger yields a reason code (kb.Reason*).
package escalate

import (
	"regexp"
	"strings"
	"unicode"

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

// explicitEN matches a customer asking for a person in English: a verb of
// contact followed closely by someone to contact. "human error", "travel
// agent" or "transfer my order to another person" are not requests.
var explicitEN = regexp.MustCompile(`(?i)\b(talk|speak|chat|connect|put)( me)? (to|with|through to)\b[^.?!]{0,20}\b(human|agent|person|representative|rep|operator|someone|somebody|staff|customer (service|support|care)|support team)\b` +
	`|\b(need|want|get|give me|request)\b[^.?!]{0,12}\b(a |an |to a |to an )?(human|real person|live person|live agent|representative|operator)\b` +
	`|\btransfer (me|this chat|the chat)\b` +
	`|\b(human|live|real) (agent|person|support|representative)\b` +
	`|^\s*(agent|human|representative|operator|person)\s*[.!?]*\s*$`)

// negatedEN spots "I don't want to talk to a human": a request declined.
var negatedEN = regexp.MustCompile(`(?i)\b(don'?t|do not|no need to|never)\b[^.?!]{0,15}\b(talk|speak|chat|need|want)\b`)

// explicitZH holds Chinese phrasings asking for a person. 人工 alone is
// not enough (人工智能, 人工费): it must come with 转/要/找 or 客服.
var explicitZH = []string{"转人工", "人工客服", "找客服", "真人客服", "联系客服", "要人工", "找人工", "接人工", "转客服", "找真人", "人工服务"}

// notRequestZH are phrases containing a request pattern that ask about
// something else, such as the price of manual service.
var notRequestZH = []string{"人工服务费", "人工客服电话是多少"}

// ExplicitRequest reports whether the customer asks for a person.
func ExplicitRequest(text string) bool {
	if explicitEN.MatchString(text) && !negatedEN.MatchString(text) {
		return true
	}
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, text)
	for _, p := range notRequestZH {
		t = strings.ReplaceAll(t, p, "")
	}
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
	if t.Top != nil && t.Top.AlwaysHandoff {
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
