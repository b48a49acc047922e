// Package escalate decides when the bot must hand a conversation to a
// person, and why. Every trigger yields a reason code (kb.Reason*), and
// every trigger is configurable per collection (see Config).
package escalate

import (
	"slices"

	"github.com/batonhq/baton/kb"
)

// Policy holds the hand-off rules of one collection. A zero number
// disables its trigger, so a policy names only what it wants.
type Policy struct {
	// AnswerThreshold and HandoffThreshold are the two decisions of a
	// turn, on two estimates: below HandoffThreshold of in_scope (no
	// article covers the question) the bot hands off; otherwise at or
	// above AnswerThreshold of confidence (the top article is the right
	// one) it answers, and below it asks "did you mean" with the distinct
	// candidates. A question between near-duplicate articles is in scope
	// but ambiguous: it is clarified, not handed off.
	AnswerThreshold  float64 `yaml:"answer_threshold" json:"answer_threshold"`
	HandoffThreshold float64 `yaml:"handoff_threshold" json:"handoff_threshold"`
	// SelfHandoff raises HandoffThreshold to what the collection measures
	// of itself, when higher: the in_scope that all but 3% of its own
	// similar questions reach when asked with themselves taken out
	// (answer.SelfThresholds; collections of fewer than 100 such
	// questions measure none). On by default.
	SelfHandoff bool `yaml:"self_handoff" json:"self_handoff"`
	// RepeatedMiss hands off after this many consecutive customer turns
	// without a confident answer (the current one included).
	RepeatedMiss int `yaml:"repeated_miss" json:"repeated_miss"`
	// Rephrases hands off when the customer has asked the same thing again
	// this many times in a row after the bot's answers.
	Rephrases int `yaml:"rephrases" json:"rephrases"`
	// RephraseByArticle lets the rephrase detector count the bot's own
	// search as evidence: a message sent to the article the previous one
	// was just answered with asks the same again. Right for knowledge
	// bases of narrow, one-question articles (English rephrase F1 0.65 to
	// 0.81 on the dev pairs); wrong for broad articles, where follow-up
	// questions ("how many days do I have?" after "what is your return
	// policy?") land on the same article and would count as rephrases.
	// Off by default.
	RephraseByArticle bool `yaml:"rephrase_by_article" json:"rephrase_by_article"`
	// NegativeTurn hands off when one turn's probability of negative
	// sentiment reaches it; NegativeTrend when the mean over the last
	// three customer turns does.
	NegativeTurn  float64 `yaml:"negative_turn" json:"negative_turn"`
	NegativeTrend float64 `yaml:"negative_trend" json:"negative_trend"`
	// SensitiveTopics lists the topics (see Topics) that always go to a
	// person; articles marked always_handoff do too.
	SensitiveTopics []string `yaml:"sensitive_topics" json:"sensitive_topics"`
	// ServiceStages are rules on the conversation's stage or intent.
	ServiceStages []StageRule `yaml:"service_stages" json:"service_stages"`
	// Hours decide, with agents' presence, whether a hand-off queues or
	// becomes a message.
	Hours Hours `yaml:"hours" json:"hours"`
	// SmallTalk adds phrasings to the built-in small-talk set and replaces
	// its replies, by kind (greeting, thanks, goodbye, bot, ack).
	SmallTalk SmallTalkRules `yaml:"small_talk" json:"small_talk"`
	// Welcome is what the chat page shows before the customer asks.
	Welcome Welcome `yaml:"welcome" json:"welcome"`
	// RetentionDays is how long a conversation no longer with a person
	// (status bot or closed) is kept after its last message; then the
	// retention sweep erases it as an erasure on request would. 0 keeps
	// conversations forever.
	RetentionDays int `yaml:"retention_days" json:"retention_days"`
	// Routing, when "least_busy", routes each new hand-off that queues to
	// the online member of the teams serving the collection who holds the
	// fewest claimed hand-offs (routing.go); empty leaves it to the queue.
	Routing string `yaml:"routing" json:"routing,omitempty"`
}

// Welcome is a collection's greeting and starter questions by language
// ("en", "zh"). A language without starters of its own gets the
// collection's most answered articles.
type Welcome struct {
	Greeting map[string]string   `yaml:"greeting" json:"greeting,omitempty"`
	Starters map[string][]string `yaml:"starters" json:"starters,omitempty"`
}

// SmallTalkRules are a collection's own small talk: extra phrasings by
// kind, and replies by kind and language ("en", "zh").
type SmallTalkRules struct {
	Phrases map[string][]string          `yaml:"phrases" json:"phrases,omitempty"`
	Replies map[string]map[string]string `yaml:"replies" json:"replies,omitempty"`
}

// DefaultPolicy is used for collections without rules of their own. The
// thresholds were chosen on the development sets (README, "Hand-off").
var DefaultPolicy = Policy{
	AnswerThreshold:  0.7,
	HandoffThreshold: 0.28,
	SelfHandoff:      true,
	RepeatedMiss:     2,
	Rephrases:        2,
	NegativeTurn:     0.97,
	NegativeTrend:    0.85,
	SensitiveTopics:  []string{TopicPrivacy, TopicSecurity, TopicPaymentDispute, TopicLegal, TopicComplaint},
}

// Band returns the band for a turn's confidence and in-scope estimates.
func (p Policy) Band(conf, inScope float64) string {
	switch {
	case !(inScope >= p.HandoffThreshold): // NaN hands off
		return kb.BandHandoff
	case conf >= p.AnswerThreshold:
		return kb.BandAnswer
	default:
		return kb.BandClarify
	}
}

// Turn is what the policy sees of the current turn.
type Turn struct {
	Text string
	Band string // from the estimates alone (Policy.Band)
	// Top is the best article found; nil when nothing matched.
	Top *kb.Article
	// PriorMisses counts the consecutive earlier customer turns, just
	// before this one, that got no confident answer.
	PriorMisses int
	Signals
	// Stage is the conversation's service stage from the customer context
	// (e.g. "after_sales"), empty when unknown.
	Stage string
}

// Decide returns the reasons to hand off this turn, in a stable order; none
// means the bot keeps the conversation.
func (p Policy) Decide(t Turn) []string {
	var reasons []string
	explicit := ExplicitRequest(t.Text)
	if explicit {
		reasons = append(reasons, kb.ReasonExplicitRequest)
	}
	// An always-hand-off article counts only as a confident match: as a
	// low-confidence wrong hit ("hello" landing on account deletion) it
	// says nothing about the question.
	if (t.Top != nil && t.Top.AlwaysHandoff && t.Band == kb.BandAnswer) || p.sensitive(t.Text) {
		reasons = append(reasons, kb.ReasonSensitiveTopic)
	}
	if p.stage(t) {
		reasons = append(reasons, kb.ReasonServiceStage)
	}
	if p.negative(t.Signals) {
		reasons = append(reasons, kb.ReasonNegativeSentiment)
	}
	if p.Rephrases > 0 && t.Rephrase && t.PriorRephrases+1 >= p.Rephrases {
		reasons = append(reasons, kb.ReasonRephrase)
	}
	// "转人工" finds no article, and should not: that is not a gap in
	// the knowledge base.
	if t.Band == kb.BandHandoff && !explicit {
		reasons = append(reasons, kb.ReasonLowConfidence)
	}
	if p.RepeatedMiss > 0 && t.Band == kb.BandClarify && t.PriorMisses+1 >= p.RepeatedMiss {
		reasons = append(reasons, kb.ReasonRepeatedMiss)
	}
	return reasons
}

func (p Policy) sensitive(text string) bool {
	topic := Topic(text)
	return topic != "" && slices.Contains(p.SensitiveTopics, topic)
}

func (p Policy) negative(s Signals) bool {
	if p.NegativeTurn > 0 && s.Negative >= p.NegativeTurn {
		return true
	}
	if p.NegativeTrend > 0 && len(s.PriorNegative) > 0 {
		// The trend needs at least two turns: one angry word is the
		// per-turn trigger's job.
		recent := append(lastN(s.PriorNegative, 2), s.Negative)
		var sum float64
		for _, v := range recent {
			sum += v
		}
		return sum/float64(len(recent)) >= p.NegativeTrend
	}
	return false
}

func (p Policy) stage(t Turn) bool {
	for _, r := range p.ServiceStages {
		if r.Match(t) {
			return true
		}
	}
	return false
}

func lastN(v []float64, n int) []float64 {
	if len(v) <= n {
		return v
	}
	return v[len(v)-n:]
}
