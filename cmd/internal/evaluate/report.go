package evaluate

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// Row is what one query's turn came to, as `baton eval --out` writes it.
type Row struct {
	Query      string   `json:"query"`
	Collection string   `json:"collection"`
	Gold       string   `json:"gold"`
	Top        []string `json:"top"`
	Band       string   `json:"band"`
	Reasons    []string `json:"reasons"`
	Confidence float64  `json:"confidence"`
	InScope    float64  `json:"in_scope"`
	Negative   float64  `json:"negative"` // the sentiment model's P(negative) of the question
	// Suggested are the "did you mean" choices of a clarify turn.
	Suggested []string        `json:"suggested,omitempty"`
	Correct   bool            `json:"correct"`
	Features  answer.Features `json:"features"`
	// InScopeFeatures are what InScope was computed from
	// (answer.InScopeNames order); rows written before they were kept
	// lack them.
	InScopeFeatures []float64 `json:"in_scope_features,omitempty"`
	// Hits are every fused candidate with its rank and score per ranking,
	// for tuning fusion offline.
	Hits []Hit `json:"hits,omitempty"`
}

// Hit is one fused candidate of a Row.
type Hit struct {
	ID       string    `json:"id"`
	Ranks    []int     `json:"ranks"`
	Scores   []float64 `json:"scores"`
	Features []float64 `json:"features,omitempty"`
}

// OtherTrigger reports whether a trigger other than low confidence handed
// the row off: a hand-off threshold cannot undo it.
func (r Row) OtherTrigger() bool {
	return slices.ContainsFunc(r.Reasons, func(s string) bool { return s != kb.ReasonLowConfidence })
}

// Fused returns the row's hits as the search returned them, for features
// computed from the candidates (answer.OOSFeatures).
func (r Row) Fused() []retrieval.Fused {
	out := make([]retrieval.Fused, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = retrieval.Fused{ArticleID: h.ID, Ranks: h.Ranks, Scores: h.Scores, Features: h.Features}
	}
	return out
}

// Report is what `baton eval --json` prints.
type Report struct {
	Search       string  `json:"search"`
	NIn          int     `json:"n_in"`
	NOOS         int     `json:"n_oos"`
	Top1         float64 `json:"top1"`
	Recall5      float64 `json:"recall5"`
	HandoffRecal float64 `json:"handoff_recall"`
	FalseHandoff float64 `json:"false_handoff"`
	ClarifyRate  float64 `json:"clarify_rate"`
	AUROC        float64 `json:"auroc"`
	ECE          float64 `json:"ece"`
	// InScopeAUROC and InScopeECE measure in_scope on in- vs out-of-scope
	// questions (AUROC and ECE above: confidence on "answered with the
	// right article").
	InScopeAUROC float64 `json:"in_scope_auroc"`
	InScopeECE   float64 `json:"in_scope_ece"`
	// AnsweredWrong is the share of answered turns answered with a wrong
	// article or answering an out-of-scope question; GoldSuggested the
	// share of in-scope clarify turns whose suggestions hold the right
	// article.
	AnsweredWrong float64 `json:"answered_wrong"`
	GoldSuggested float64 `json:"gold_in_suggestions"`
	// CosineAtFH10 is the plain max-cosine baseline on the same rows: the
	// best hand-off recall of a threshold on the best cosine of the
	// question to any article text, no other trigger, handing off at most
	// 10% of in-scope questions.
	CosineAtFH10 float64 `json:"cosine_recall_at_false_0.10"`
	// NegativeFire is the share of in-scope questions the negative
	// sentiment trigger handed off: plain questions, not upset customers.
	NegativeFire float64 `json:"negative_fire_in_scope"`
	// RecallAtFH10 is the best hand-off recall over in_scope thresholds
	// that hand off at most 10% of in-scope questions, every other trigger
	// on, and AtThreshold that threshold: what the estimate allows,
	// whatever the policy.
	RecallAtFH10 float64        `json:"handoff_recall_at_false_0.10"`
	AtThreshold  float64        `json:"at_threshold"`
	Reasons      map[string]int `json:"reasons"`
	Seconds      float64        `json:"seconds"`
}

// Summarize computes the report of rows; Search and Seconds are the
// caller's to fill in.
func Summarize(rows []Row) Report {
	rep := Report{Reasons: map[string]int{}}
	var top1, r5, fh, hr, clar, answered, wrong, clarIn, suggested, negIn int
	conf := make([]float64, len(rows))
	correct := make([]bool, len(rows))
	inScope := make([]float64, len(rows))
	cosine := make([]float64, len(rows))
	isIn := make([]bool, len(rows))
	for i, r := range rows {
		conf[i], correct[i] = r.Confidence, r.Correct
		inScope[i], cosine[i], isIn[i] = r.InScope, r.Features.VecTop, r.Gold != ""
		if r.Band == kb.BandAnswer {
			answered++
			if !r.Correct {
				wrong++
			}
		}
		if r.Gold != "" && slices.Contains(r.Reasons, kb.ReasonNegativeSentiment) {
			negIn++
		}
		if r.Band == kb.BandClarify && r.Gold != "" {
			clarIn++
			if slices.Contains(r.Suggested, r.Gold) {
				suggested++
			}
		}
		for _, reason := range r.Reasons {
			rep.Reasons[reason]++
		}
		if r.Band == kb.BandClarify {
			clar++
		}
		if r.Gold == "" {
			rep.NOOS++
			if r.Band == kb.BandHandoff {
				hr++
			}
			continue
		}
		rep.NIn++
		if r.Correct {
			top1++
		}
		for _, id := range r.Top {
			if id == r.Gold {
				r5++
				break
			}
		}
		if r.Band == kb.BandHandoff {
			fh++
		}
	}
	rep.Top1 = ratio(top1, rep.NIn)
	rep.Recall5 = ratio(r5, rep.NIn)
	rep.FalseHandoff = ratio(fh, rep.NIn)
	rep.HandoffRecal = ratio(hr, rep.NOOS)
	rep.ClarifyRate = ratio(clar, len(rows))
	rep.AUROC = round3(answer.AUROC(conf, correct))
	rep.ECE = round3(answer.ECE(conf, correct, 10))
	rec, t := recallAtFalse(rows, inScope, otherTriggers(rows), 0.10)
	rep.RecallAtFH10, rep.AtThreshold = round3(rec), round3(t)
	rec, _ = recallAtFalse(rows, cosine, make([]bool, len(rows)), 0.10)
	rep.CosineAtFH10 = round3(rec)
	rep.InScopeAUROC = round3(answer.AUROC(inScope, isIn))
	rep.InScopeECE = round3(answer.ECE(inScope, isIn, 10))
	rep.AnsweredWrong = round3(ratio(wrong, answered))
	rep.GoldSuggested = round3(ratio(suggested, clarIn))
	rep.NegativeFire = round3(ratio(negIn, rep.NIn))
	return rep
}

// WriteSweep shows what the hand-off threshold alone trades: for each
// threshold, the share of out-of-scope queries and of in-scope queries that
// would be handed off, other triggers' hand-offs kept as they were.
func WriteSweep(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| hand-off threshold (in_scope) | hand-off recall | false hand-off |")
	fmt.Fprintln(w, "|---|---|---|")
	// Thresholds are i/20, not a running sum of 0.05, which drifts off
	// the value a policy file's 0.15 or 0.7 parses to.
	for i := 1; i <= 15; i++ {
		t := float64(i) / 20
		var in, oos, hin, hoos int
		for _, r := range rows {
			handoff := r.OtherTrigger() || r.InScope < t
			if r.Gold == "" {
				oos++
				if handoff {
					hoos++
				}
			} else {
				in++
				if handoff {
					hin++
				}
			}
		}
		fmt.Fprintf(w, "| %.2f | %.3f | %.3f |\n", t, ratio(hoos, oos), ratio(hin, in))
	}
}

// otherTriggers is OtherTrigger of each row.
func otherTriggers(rows []Row) []bool {
	other := make([]bool, len(rows))
	for i, r := range rows {
		other[i] = r.OtherTrigger()
	}
	return other
}

// recallAtFalse is RecallAtFalse on rows, in scope when they have a gold
// article.
func recallAtFalse(rows []Row, conf []float64, other []bool, maxFalse float64) (recall, threshold float64) {
	in := make([]bool, len(rows))
	for i, r := range rows {
		in[i] = r.Gold != ""
	}
	return RecallAtFalse(conf, in, other, maxFalse)
}

// ratio is a/b to three decimals, 0 when b is.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return round3(float64(a) / float64(b))
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
