package evaluate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// TestSummarize: six in-scope questions and two out-of-scope ones, by hand.
func TestSummarize(t *testing.T) {
	rows := []Row{
		{Gold: "a", Top: []string{"a", "b"}, Band: kb.BandAnswer, Correct: true, Confidence: 0.9, InScope: 0.9},
		{Gold: "b", Top: []string{"a", "b"}, Band: kb.BandAnswer, Confidence: 0.8, InScope: 0.8}, // wrong article, recall@5 hit
		{Gold: "c", Top: []string{"c"}, Band: kb.BandAnswer, Correct: true, Confidence: 0.7, InScope: 0.7},
		{Gold: "d", Top: []string{"x", "d"}, Band: kb.BandClarify, Suggested: []string{"x", "d"}, Confidence: 0.4, InScope: 0.6},
		{Gold: "e", Top: []string{"x"}, Band: kb.BandClarify, Suggested: []string{"x"}, Confidence: 0.3, InScope: 0.5},
		{Gold: "f", Top: []string{"y"}, Band: kb.BandHandoff, Reasons: []string{kb.ReasonLowConfidence}, Confidence: 0.1, InScope: 0.2},
		{Top: []string{"a"}, Band: kb.BandHandoff, Reasons: []string{kb.ReasonLowConfidence}, Confidence: 0.2, InScope: 0.1},
		{Top: []string{"a"}, Band: kb.BandAnswer, Confidence: 0.6, InScope: 0.3},
	}
	rep := Summarize(rows)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"n_in", float64(rep.NIn), 6},
		{"n_oos", float64(rep.NOOS), 2},
		{"top1", rep.Top1, 0.333},       // a and c
		{"recall5", rep.Recall5, 0.667}, // a, b, c, d
		{"fhhandoff", rep.FalseHandoff, 0.167},
		{"handoff_recall", rep.HandoffRecal, 0.5},
		{"clarify_rate", rep.ClarifyRate, 0.25},
		{"answered_wrong", rep.AnsweredWrong, 0.5}, // b and the out-of-scope one of 4 answered
		{"gold_in_suggestions", rep.GoldSuggested, 0.5},
		// in_scope separates perfectly but for the 0.2 in-scope one below
		// the 0.3 out-of-scope one; a threshold may hand off one in-scope
		// question in ten, so none here: below 0.2 takes one of two.
		{"handoff_recall_at_fh0.10", rep.RecallAtFH10, 0.5},
		{"at_threshold", rep.AtThreshold, 0.2},
		{"in_scope_auroc", rep.InScopeAUROC, round3(11.0 / 12)},
		// The right answers' 0.9 and 0.7 outrank all six others but 0.8.
		{"auroc", rep.AUROC, round3(11.0 / 12)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if want := map[string]int{kb.ReasonLowConfidence: 2}; !maps.Equal(rep.Reasons, want) {
		t.Errorf("reasons = %v, want %v", rep.Reasons, want)
	}
}

func TestSummarizeNoRows(t *testing.T) {
	rep := Summarize(nil)
	if rep.NIn != 0 || rep.Top1 != 0 || rep.FalseHandoff != 0 || rep.Reasons == nil {
		t.Errorf("Summarize(nil) = %+v, want zeros and an empty reasons map", rep)
	}
}

func TestRowsRecallAtFalse(t *testing.T) {
	// Four in-scope rows and four out-of-scope rows; the last out-of-scope
	// row was handed off by another trigger whatever its confidence.
	rows := []Row{{Gold: "a"}, {Gold: "a"}, {Gold: "a"}, {Gold: "a"}, {}, {}, {}, {}}
	conf := []float64{0.9, 0.8, 0.7, 0.3, 0.1, 0.2, 0.5, 0.95}
	other := []bool{false, false, false, false, false, false, false, true}
	// Up to a quarter of in-scope rows may be handed off: below 0.7
	// hands off the 0.3 one, and the 0.1, 0.2 and 0.5 out-of-scope ones.
	if r, th := recallAtFalse(rows, conf, other, 0.25); r != 1 || th != 0.7 {
		t.Errorf("recallAtFalse(0.25) = %v at %v, want 1 at 0.7", r, th)
	}
	// None may be: below 0.3 hands off 0.1 and 0.2, plus the other trigger's.
	if r, th := recallAtFalse(rows, conf, other, 0); r != 0.75 || th != 0.3 {
		t.Errorf("recallAtFalse(0) = %v at %v, want 0.75 at 0.3", r, th)
	}
	if r, _ := recallAtFalse(rows[:4], conf[:4], other[:4], 0.1); r != 0 {
		t.Errorf("without out-of-scope rows recall = %v, want 0", r)
	}
}

func TestOtherTrigger(t *testing.T) {
	tests := []struct {
		name    string
		reasons []string
		want    bool
	}{
		{"none", nil, false},
		{"low confidence only", []string{kb.ReasonLowConfidence}, false},
		{"negative sentiment", []string{kb.ReasonLowConfidence, kb.ReasonNegativeSentiment}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Row{Reasons: tc.reasons}).OtherTrigger(); got != tc.want {
				t.Errorf("OtherTrigger(%v) = %v, want %v", tc.reasons, got, tc.want)
			}
		})
	}
}

// TestWriteSweep: a row another trigger handed off counts at every
// threshold; the others once the threshold passes their in_scope.
func TestWriteSweep(t *testing.T) {
	rows := []Row{
		{Gold: "a", InScope: 0.9},
		{Gold: "b", InScope: 0.32},
		{InScope: 0.12},
		{InScope: 0.9, Reasons: []string{kb.ReasonNegativeSentiment}},
	}
	var b bytes.Buffer
	WriteSweep(&b, rows)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2+15 {
		t.Fatalf("%d lines, want a header and 15 thresholds:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"| 0.05 | 0.500 | 0.000 |", "| 0.15 | 1.000 | 0.000 |", "| 0.35 | 1.000 | 0.500 |", "| 0.75 | 1.000 | 0.500 |"} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("sweep lacks %q:\n%s", want, b.String())
		}
	}
}

// TestSummarizeOneKind: a set with questions of one kind only reports
// zeros, not NaN, for the figures of the other, so --json still encodes.
func TestSummarizeOneKind(t *testing.T) {
	tests := []struct {
		name string
		rows []Row
		want Report
	}{
		{"out of scope only", []Row{
			{Band: kb.BandHandoff, Reasons: []string{kb.ReasonLowConfidence}, Confidence: 0.1, InScope: 0.1},
			{Band: kb.BandAnswer, Confidence: 0.8, InScope: 0.9},
		}, Report{NOOS: 2, HandoffRecal: 0.5, AnsweredWrong: 1, AUROC: 0.5, InScopeAUROC: 0.5}},
		{"in scope only", []Row{
			{Gold: "a", Top: []string{"a"}, Band: kb.BandAnswer, Correct: true, Confidence: 0.9, InScope: 0.9},
			{Gold: "b", Top: []string{"a"}, Band: kb.BandClarify, Suggested: []string{"a"}, Confidence: 0.4, InScope: 0.6},
		}, Report{NIn: 2, Top1: 0.5, Recall5: 0.5, ClarifyRate: 0.5, AUROC: 1, InScopeAUROC: 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := Summarize(tc.rows)
			if _, err := json.Marshal(rep); err != nil {
				t.Fatalf("encode report: %v", err)
			}
			got := rep
			got.Reasons, got.ECE, got.InScopeECE = nil, 0, 0
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Summarize = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestWriteSweepMatchesPolicy: each line hands off what a policy with
// that hand-off threshold would, rows exactly at a threshold included.
func TestWriteSweepMatchesPolicy(t *testing.T) {
	var rows []Row
	for i := 1; i <= 15; i++ {
		rows = append(rows, Row{Gold: "a", InScope: float64(i) / 20}, Row{InScope: float64(i) / 20})
	}
	var b bytes.Buffer
	WriteSweep(&b, rows)
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n")[2:] {
		var th, recall, fh float64
		if _, err := fmt.Sscanf(line, "| %f | %f | %f |", &th, &recall, &fh); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		p := escalate.Policy{HandoffThreshold: th}
		in := 0
		for _, r := range rows {
			if r.Gold != "" && p.Band(1, r.InScope) == kb.BandHandoff {
				in++
			}
		}
		if want := ratio(in, len(rows)/2); fh != want || recall != want {
			t.Errorf("%q: want %.3f of each kind handed off, as the policy does at %.2f", line, want, th)
		}
	}
}
