package escalate

import (
	"time"

	"github.com/batonhq/baton/kb"
)

// Transcript is one stored conversation as a replay needs it: its
// messages, oldest first, and what the bot knew besides.
type Transcript struct {
	Messages []*kb.Message
	// Stage is the conversation's service stage from its customer
	// context, empty when unknown.
	Stage string
	// Since, when set, counts only the bot turns from then on; earlier
	// ones are replayed as the later ones' history.
	Since time.Time
}

// Preview compares how two policies decide the same stored bot turns.
type Preview struct {
	Turns int `json:"turns"`
	// Now is what the current policy decides of the turns, Then what the
	// proposed one would.
	Now  Tally `json:"now"`
	Then Tally `json:"then"`
	// Reasons counts, per hand-off reason, the turns handed off for it
	// under each policy; only reasons that occur under either are listed.
	Reasons map[string]ReasonChange `json:"reasons"`
}

// Tally counts a policy's decisions of a set of turns.
type Tally struct {
	Handoffs  int `json:"handoffs"`
	Answered  int `json:"answered"`
	Clarified int `json:"clarified"`
}

// ReasonChange is how often a reason hands off now and with the change.
type ReasonChange struct {
	Now  int `json:"now"`
	Then int `json:"then"`
}

// ComparePolicies replays the bot turns of the transcripts under the
// current and the proposed policy. A turn's estimates (confidence,
// in_scope) and signals (negative sentiment, rephrase) are as stored; its
// band, its hand-off reasons and the run of misses before it are decided
// again, by Policy.Band and Policy.Decide, as the bot decides a live turn.
// top resolves an article a reply cited (for always_handoff articles and
// service-stage tags); nil, or nil for an id, means none is known.
//
// A conversation the bot handed off was not asked anything more of it,
// so turns the proposed policy keeps with the bot end where the stored
// conversation does: the replay counts decisions, not what would have
// been said next.
func ComparePolicies(current, proposed Policy, transcripts []Transcript, top func(articleID string) *kb.Article) Preview {
	pv := Preview{Reasons: map[string]ReasonChange{}}
	for _, tr := range transcripts {
		now := current.replay(tr, top)
		then := proposed.replay(tr, top)
		for i := range now {
			if !now[i].counted {
				continue
			}
			pv.Turns++
			pv.Now.add(now[i])
			pv.Then.add(then[i])
			for _, r := range now[i].Reasons {
				c := pv.Reasons[r]
				c.Now++
				pv.Reasons[r] = c
			}
			for _, r := range then[i].Reasons {
				c := pv.Reasons[r]
				c.Then++
				pv.Reasons[r] = c
			}
		}
	}
	return pv
}

func (t *Tally) add(r decision) {
	switch r.Band {
	case kb.BandHandoff:
		t.Handoffs++
	case kb.BandAnswer:
		t.Answered++
	case kb.BandClarify:
		t.Clarified++
	}
}

// decision is a replayed bot turn: its band and reasons, and whether it
// falls in the window counted.
type decision struct {
	Band    string
	Reasons []string
	counted bool
}

// replay decides every bot turn of a transcript under p, band and reasons
// as p would have set them; small talk is not a turn of the policy's and
// is left out.
func (p Policy) replay(tr Transcript, top func(string) *kb.Article) []decision {
	var out []decision
	var history []*kb.Message // tr's messages with the replies p gives
	var sig Signals           // of the customer turns before question
	var question *kb.Message  // the customer turn awaiting the bot
	done := func() {
		if question != nil {
			sig = sig.after(question)
			history = append(history, question)
			question = nil
		}
	}
	for _, m := range tr.Messages {
		if m.Role == kb.RoleCustomer {
			done() // unanswered by the bot: the conversation was with a person
			question = m
			continue
		}
		if m.Role != kb.RoleBot || m.Reply == nil || m.Reply.Band == kb.BandSmallTalk {
			done()
			history = append(history, m)
			continue
		}
		reply := *m.Reply
		if question == nil {
			// "Talk to a person" pressed: no question, honoured whatever
			// the policy.
			reply.Band, reply.Reasons = kb.BandHandoff, []string{kb.ReasonExplicitRequest}
		} else {
			turn := Turn{Text: question.Text, Band: p.Band(reply.Confidence, reply.InScope),
				PriorMisses: PriorMisses(history), Stage: tr.Stage, Signals: sig}
			turn.Negative, turn.Rephrase = question.Negative, question.Rephrase
			if !turn.Rephrase {
				turn.PriorRephrases = 0
			}
			if top != nil && len(reply.Citations) > 0 {
				turn.Top = top(reply.Citations[0].ArticleID)
			}
			reply.Band, reply.Reasons = turn.Band, p.Decide(turn)
			if len(reply.Reasons) > 0 {
				reply.Band = kb.BandHandoff
			}
			done()
		}
		replayed := *m
		replayed.Reply = &reply
		history = append(history, &replayed)
		out = append(out, decision{Band: reply.Band, Reasons: reply.Reasons, counted: !m.CreatedAt.Before(tr.Since)})
	}
	return out
}

// after returns the signals of the earlier turns once customer turn m is
// one of them.
func (s Signals) after(m *kb.Message) Signals {
	s.PriorNegative = append(append([]float64(nil), s.PriorNegative...), m.Negative)
	if m.Rephrase {
		s.PriorRephrases++
	} else {
		s.PriorRephrases = 0
	}
	return s
}

// PriorMisses counts the bot's replies in history, newest first, that
// were not confident answers, stopping at the first answer: the run of
// misses RepeatedMiss counts, before the current turn.
func PriorMisses(history []*kb.Message) int {
	n := 0
	for i := len(history) - 1; i >= 0; i-- {
		m := history[i]
		if m.Role != kb.RoleBot || m.Reply == nil || m.Reply.Band == kb.BandSmallTalk {
			continue
		}
		if m.Reply.Band == kb.BandAnswer {
			break
		}
		n++
	}
	return n
}
