package escalate

import (
	"regexp"
	"strings"
	"unicode"
)

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
