package evaluate

import (
	"context"
	"fmt"
	"sort"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// Dialogue is one line of dialogues.jsonl.
type Dialogue struct {
	ID    string `json:"id"`
	Lang  string `json:"lang"`
	Turns []struct {
		Role string `json:"role"`
		Text string `json:"text"`
	} `json:"turns"`
	Dissatisfied bool `json:"dissatisfied"`
}

// DialogueReport says, per language, how early the conversation-level
// triggers (sentiment, rephrase, explicit request, sensitive topic) would
// hand off dissatisfied dialogues, and how many satisfied ones they would
// hand off too. Retrieval is not involved: these are helpdesk chats
// without a knowledge base.
type DialogueReport struct {
	Lang                string         `json:"lang"`
	Dissatisfied        int            `json:"dissatisfied"`
	Satisfied           int            `json:"satisfied"`
	DissatisfiedHandoff float64        `json:"dissatisfied_handoff"`  // share handed off at some turn
	SatisfiedHandoff    float64        `json:"satisfied_handoff"`     // share of satisfied ones handed off (false alarms)
	MedianHandoffTurn   float64        `json:"median_handoff_turn"`   // customer turn (1-based) of the first hand-off, dissatisfied
	MeanCustomerTurns   float64        `json:"mean_customer_turns"`   // customer turns per dissatisfied dialogue
	HandoffAtFirstTurn  float64        `json:"handoff_at_first_turn"` // share of dissatisfied handed off on their first turn
	Reasons             map[string]int `json:"reasons"`
}

// ReadDialogues reads a dialogues.jsonl.
func ReadDialogues(path string) ([]Dialogue, error) { return ReadJSONL[Dialogue](path) }

// Dialogues replays each dialogue's customer turns through policy with
// the sentiment and rephrase measures, and reports per language, sorted
// by language, how early they hand off.
func Dialogues(ctx context.Context, policy escalate.Policy, sent *escalate.Sentiment, reph *escalate.Rephraser, ds []Dialogue) ([]DialogueReport, error) {
	type acc struct {
		rep   DialogueReport
		turns []float64
		nTurn int
		first int
		dh    int
		sh    int
	}
	byLang := map[string]*acc{}
	for _, d := range ds {
		a := byLang[d.Lang]
		if a == nil {
			a = &acc{rep: DialogueReport{Lang: d.Lang, Reasons: map[string]int{}}}
			byLang[d.Lang] = a
		}
		turn, reasons, err := firstHandoff(ctx, policy, sent, reph, d)
		if err != nil {
			return nil, fmt.Errorf("dialogue %s: %w", d.ID, err)
		}
		for _, r := range reasons {
			a.rep.Reasons[r]++
		}
		if !d.Dissatisfied {
			a.rep.Satisfied++
			if turn > 0 {
				a.sh++
			}
			continue
		}
		a.rep.Dissatisfied++
		for _, t := range d.Turns {
			if t.Role == "customer" {
				a.nTurn++
			}
		}
		if turn > 0 {
			a.dh++
			a.turns = append(a.turns, float64(turn))
			if turn == 1 {
				a.first++
			}
		}
	}
	var reps []DialogueReport
	for _, a := range byLang {
		r := a.rep
		r.DissatisfiedHandoff = ratio(a.dh, r.Dissatisfied)
		r.SatisfiedHandoff = ratio(a.sh, r.Satisfied)
		r.HandoffAtFirstTurn = ratio(a.first, r.Dissatisfied)
		r.MeanCustomerTurns = ratio(a.nTurn, r.Dissatisfied)
		r.MedianHandoffTurn = median(a.turns)
		reps = append(reps, r)
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].Lang < reps[j].Lang })
	return reps, nil
}

// firstHandoff replays a dialogue's customer turns through the triggers
// and returns the 1-based customer turn of the first hand-off (0 if none)
// with its reasons. The helpdesk's replies count as answers for rephrase.
func firstHandoff(ctx context.Context, p escalate.Policy, sent *escalate.Sentiment, reph *escalate.Rephraser, d Dialogue) (int, []string, error) {
	var sig escalate.Signals
	var prev string
	answered := false
	n := 0
	for _, t := range d.Turns {
		if t.Role != "customer" {
			answered = prev != ""
			continue
		}
		n++
		neg, _, err := sent.Negative(ctx, t.Text)
		if err != nil {
			return 0, nil, err
		}
		s := escalate.Signals{Negative: neg, PriorNegative: sig.PriorNegative}
		if prev != "" && answered {
			prob, sim, cue, err := reph.Score(ctx, prev, t.Text, nil) // the dialogues come without their knowledge base
			if err != nil {
				return 0, nil, err
			}
			s.Similarity = sim
			s.Rephrase = cue || prob >= 0.5
		}
		if s.Rephrase {
			s.PriorRephrases = sig.PriorRephrases
		}
		reasons := p.Decide(escalate.Turn{Text: t.Text, Band: kb.BandAnswer, Signals: s})
		if len(reasons) > 0 {
			return n, reasons, nil
		}
		sig.PriorNegative = append(sig.PriorNegative, neg)
		if s.Rephrase {
			sig.PriorRephrases++
		} else {
			sig.PriorRephrases = 0
		}
		prev, answered = t.Text, false
	}
	return 0, nil, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
