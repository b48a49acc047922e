package evaluate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/retrieval"
)

// priorSet draws rows whose top article is right with probability
// right(feature) and whose collection measured selfTop1.
func priorSet(name string, selfTop1 float64, seed uint64, right func(x float64) float64) RowSet {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := RowSet{Name: name}
	for i := range 400 {
		x := rng.Float64()
		r := Row{Query: fmt.Sprint(i), Gold: "g", InScope: 0.9,
			Features: answer.Features{VecTop: 0.5 + x/2, TopShare: x, Scale: retrieval.Scale{SelfTop1: selfTop1, SelfN: 256}}}
		r.Correct = rng.Float64() < right(x)
		s.Rows = append(s.Rows, r)
	}
	return s
}

func TestPriorLOSO(t *testing.T) {
	distinct := func(x float64) float64 { return 0.2 + 0.75*x }
	// Near-duplicate articles: the same features, a twin cited most times.
	twins := func(x float64) float64 { return (0.2 + 0.75*x) / 4 }
	sets := []RowSet{
		priorSet("a", 0.85, 1, distinct), priorSet("b", 0.9, 2, distinct), priorSet("c", 0.8, 3, distinct),
		priorSet("twins", 0.2, 4, twins),
	}
	folds, err := PriorLOSO(sets, 1, 0.7, 0.28)
	if err != nil {
		t.Fatal(err)
	}
	tw := folds[3]
	if tw.Set != "twins" || tw.SelfTop1 != 0.2 {
		t.Fatalf("fold 3 = %+v", tw)
	}
	if tw.With.ECE >= tw.Without.ECE/2 {
		t.Errorf("twins: ECE with the prior %.3f, without %.3f; want it at least halved", tw.With.ECE, tw.Without.ECE)
	}
	if tw.With.Answered >= tw.Without.Answered || tw.Without.AnsweredWrong < 0.5 {
		t.Errorf("twins: answered %d (wrong %.2f) with the prior, %d (wrong %.2f) without; want fewer answers with it",
			tw.With.Answered, tw.With.AnsweredWrong, tw.Without.Answered, tw.Without.AnsweredWrong)
	}
	// A collection like those fitted on is about unchanged.
	if a := folds[0]; a.With.ECE > a.Without.ECE+0.05 {
		t.Errorf("a: ECE with the prior %.3f, without %.3f", a.With.ECE, a.Without.ECE)
	}
}
