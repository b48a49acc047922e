package evaluate

import (
	"math"

	"github.com/batonhq/baton/answer"
)

// PriorFold is one held-out set's confidence under a model fitted on the
// other sets, without and with each collection's prior
// (answer.PriorShift of its measured scale).
type PriorFold struct {
	Set           string
	SelfTop1      float64 // the set's measured retrieval.Scale.SelfTop1 (0: unmeasured)
	Without, With PriorScore
}

// PriorScore is how a confidence scores held-out rows: AUROC and ECE of
// "the cited article is right", and at the given thresholds how many
// turns are answered (confidence at or above the answer threshold, not
// handed off by in_scope or another trigger) and the share of those
// answered wrong.
type PriorScore struct {
	AUROC, ECE    float64
	Answered      int
	AnsweredWrong float64
}

// PriorLOSO fits the confidence model (current features) on all sets but
// one and scores the one left out, for each set in turn, without and with
// the collection prior (answer.DefaultPriorRef); the rows' own in_scope
// decides what is handed off.
func PriorLOSO(sets []RowSet, l2, answerT, handoffT float64) ([]PriorFold, error) {
	var folds []PriorFold
	for held := range sets {
		f := PriorFold{Set: sets[held].Name}
		if rows := sets[held].Rows; len(rows) > 0 {
			f.SelfTop1 = rows[0].Features.Scale.SelfTop1
		}
		for v, ref := range []float64{0, answer.DefaultPriorRef} {
			var xs [][]float64
			var ys []bool
			var ws, offs []float64
			for i, s := range sets {
				if i == held {
					continue
				}
				for _, r := range s.Rows {
					xs = append(xs, r.Features.Vector())
					ys = append(ys, r.Correct)
					ws = append(ws, 1000/float64(len(s.Rows)))
					offs = append(offs, answer.PriorShift(ref, r.Features.Scale))
				}
			}
			m, err := answer.FitOffset(xs, ys, ws, offs, l2)
			if err != nil {
				return nil, err
			}
			m.PriorRef = ref
			sc := scorePrior(m, sets[held].Rows, answerT, handoffT)
			if v == 0 {
				f.Without = sc
			} else {
				f.With = sc
			}
		}
		folds = append(folds, f)
	}
	return folds, nil
}

func scorePrior(m *answer.Model, rows []Row, answerT, handoffT float64) PriorScore {
	conf := make([]float64, len(rows))
	ys := make([]bool, len(rows))
	var s PriorScore
	wrong := 0
	for i, r := range rows {
		conf[i], ys[i] = m.Prob(r.Features), r.Correct
		if r.OtherTrigger() || r.InScope < handoffT || conf[i] < answerT {
			continue
		}
		s.Answered++
		if !r.Correct {
			wrong++
		}
	}
	s.AUROC, s.ECE = round3(answer.AUROC(conf, ys)), round3(answer.ECE(conf, ys, 10))
	if s.Answered > 0 {
		s.AnsweredWrong = round3(float64(wrong) / float64(s.Answered))
	}
	if math.IsNaN(s.AUROC) {
		s.AUROC = 0
	}
	return s
}
