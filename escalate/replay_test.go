package escalate

import (
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// turns builds a transcript of customer questions each followed by the
// bot's stored reply with the given estimates; band and reasons are what
// some earlier policy decided and must not matter to the replay.
func turns(qs ...struct {
	text          string
	conf, inScope float64
}) Transcript {
	var tr Transcript
	for _, q := range qs {
		tr.Messages = append(tr.Messages,
			&kb.Message{Role: kb.RoleCustomer, Text: q.text},
			&kb.Message{Role: kb.RoleBot, Reply: &kb.Reply{Confidence: q.conf, InScope: q.inScope, Band: kb.BandAnswer}})
	}
	return tr
}

type q = struct {
	text          string
	conf, inScope float64
}

func TestComparePoliciesLowerHandoffThreshold(t *testing.T) {
	current := Policy{AnswerThreshold: 0.7, HandoffThreshold: 0.4}
	proposed := current
	proposed.HandoffThreshold = 0.2
	trs := []Transcript{
		turns(q{"where is my parcel", 0.9, 0.9}),  // answered either way
		turns(q{"can I pay with gold", 0.1, 0.3}), // hands off now, clarified then
		turns(q{"what about bitcoin", 0.1, 0.1}),  // hands off either way
	}
	pv := ComparePolicies(current, proposed, trs, nil)
	if pv.Turns != 3 {
		t.Errorf("turns = %d, want 3", pv.Turns)
	}
	if want := (Tally{Handoffs: 2, Answered: 1}); pv.Now != want {
		t.Errorf("now = %+v, want %+v", pv.Now, want)
	}
	if want := (Tally{Handoffs: 1, Answered: 1, Clarified: 1}); pv.Then != want {
		t.Errorf("then = %+v, want %+v", pv.Then, want)
	}
	if got, want := pv.Reasons[kb.ReasonLowConfidence], (ReasonChange{Now: 2, Then: 1}); got != want {
		t.Errorf("low_confidence = %+v, want %+v", got, want)
	}
}

func TestComparePoliciesKeepsTriggersThatIgnoreThresholds(t *testing.T) {
	current := DefaultPolicy
	proposed := current
	proposed.HandoffThreshold = 0 // nothing is out of scope any more
	proposed.AnswerThreshold = 0  // and everything is answered
	explicit := turns(q{"I want to talk to a person", 0.1, 0.1})
	sensitive := turns(q{"my account was hacked", 0.9, 0.9})
	negative := turns(q{"this is useless", 0.9, 0.9})
	negative.Messages[0].Negative = 0.99
	button := Transcript{Messages: []*kb.Message{{Role: kb.RoleBot, Reply: &kb.Reply{Band: kb.BandHandoff, Reasons: []string{kb.ReasonExplicitRequest}}}}}
	pv := ComparePolicies(current, proposed, []Transcript{explicit, sensitive, negative, button}, nil)
	if pv.Now.Handoffs != 4 || pv.Then.Handoffs != 4 {
		t.Errorf("hand-offs now %d, then %d; want 4 and 4", pv.Now.Handoffs, pv.Then.Handoffs)
	}
	for reason, want := range map[string]ReasonChange{
		kb.ReasonExplicitRequest:   {2, 2},
		kb.ReasonSensitiveTopic:    {1, 1},
		kb.ReasonNegativeSentiment: {1, 1},
	} {
		if got := pv.Reasons[reason]; got != want {
			t.Errorf("%s = %+v, want %+v", reason, got, want)
		}
	}
	// Dropping the topic from the list is what releases it.
	proposed.SensitiveTopics = nil
	pv = ComparePolicies(current, proposed, []Transcript{sensitive}, nil)
	if pv.Then.Handoffs != 0 || pv.Then.Answered != 1 {
		t.Errorf("without sensitive topics: then = %+v, want answered", pv.Then)
	}
}

func TestComparePoliciesRepeatedMissFollowsReplayedBands(t *testing.T) {
	// Two unsure turns in a row: with RepeatedMiss 2 the second hands off.
	// Lowering the answer threshold answers the first, so the second is
	// no longer a repeated miss.
	current := Policy{AnswerThreshold: 0.7, HandoffThreshold: 0.2, RepeatedMiss: 2}
	proposed := current
	proposed.AnswerThreshold = 0.5
	tr := turns(q{"refund?", 0.6, 0.9}, q{"refund for shoes?", 0.3, 0.9})
	pv := ComparePolicies(current, proposed, []Transcript{tr}, nil)
	if got, want := pv.Reasons[kb.ReasonRepeatedMiss], (ReasonChange{Now: 1, Then: 0}); got != want {
		t.Errorf("repeated_miss = %+v, want %+v", got, want)
	}
	if want := (Tally{Clarified: 1, Handoffs: 1}); pv.Now != want {
		t.Errorf("now = %+v, want %+v", pv.Now, want)
	}
	if want := (Tally{Answered: 1, Clarified: 1}); pv.Then != want {
		t.Errorf("then = %+v, want %+v", pv.Then, want)
	}
}

func TestComparePoliciesAlwaysHandoffArticle(t *testing.T) {
	tr := turns(q{"close my account", 0.9, 0.9})
	tr.Messages[1].Reply.Citations = []kb.Citation{{ArticleID: "close"}}
	top := func(id string) *kb.Article {
		if id == "close" {
			return &kb.Article{ID: id, AlwaysHandoff: true}
		}
		return nil
	}
	p := Policy{AnswerThreshold: 0.7, HandoffThreshold: 0.2}
	raised := p
	raised.AnswerThreshold = 0.95 // no longer a confident match: clarified
	pv := ComparePolicies(p, raised, []Transcript{tr}, top)
	if got, want := pv.Reasons[kb.ReasonSensitiveTopic], (ReasonChange{Now: 1, Then: 0}); got != want {
		t.Errorf("sensitive_topic = %+v, want %+v", got, want)
	}
}

func TestComparePoliciesCountsOnlySince(t *testing.T) {
	// The first unsure turn is before the window: not counted, but it
	// makes the second a repeated miss.
	p := Policy{AnswerThreshold: 0.7, HandoffThreshold: 0.2, RepeatedMiss: 2}
	tr := turns(q{"refund?", 0.6, 0.9}, q{"refund for shoes?", 0.3, 0.9})
	since := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, m := range tr.Messages {
		m.CreatedAt = since.Add(time.Duration(i-2) * time.Minute) // the first turn's two messages before since
	}
	tr.Since = since
	pv := ComparePolicies(p, p, []Transcript{tr}, nil)
	if pv.Turns != 1 || pv.Now.Handoffs != 1 || pv.Reasons[kb.ReasonRepeatedMiss].Now != 1 || pv.Now.Clarified != 0 {
		t.Errorf("preview = %+v, want the one turn since, a repeated miss", pv)
	}
}
