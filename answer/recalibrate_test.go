package answer

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

func TestFitRecalibration(t *testing.T) {
	// Labels drawn from sigmoid(2·logit(p) - 1): an overconfident model on
	// this knowledge base.
	rng := rand.New(rand.NewPCG(1, 2))
	var conf []float64
	var right []bool
	for range 5000 {
		p := 0.02 + 0.96*rng.Float64()
		conf = append(conf, p)
		right = append(right, rng.Float64() < sigmoid(2*math.Log(p/(1-p))-1))
	}
	r, err := FitRecalibration(conf, right)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.A-2) > 0.2 || math.Abs(r.B+1) > 0.2 {
		t.Errorf("fitted A, B = %.3f, %.3f, want about 2, -1", r.A, r.B)
	}
	if r.N != 5000 || r.Correct == 0 || r.Correct == 5000 {
		t.Errorf("N, Correct = %d, %d", r.N, r.Correct)
	}
	after := make([]float64, len(conf))
	for i, p := range conf {
		after[i] = r.Apply(p)
	}
	if before, now := ECE(conf, right, 10), ECE(after, right, 10); now > 0.03 || now >= before {
		t.Errorf("ECE %.3f before, %.3f after; want it under 0.03 and lower", before, now)
	}

	// A handful of labels barely moves the identity.
	few, err := FitRecalibration(conf[:6], right[:6])
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(few.A-1) > 0.5 || math.Abs(few.B) > 0.5 {
		t.Errorf("six labels moved A, B to %.3f, %.3f", few.A, few.B)
	}
	if _, err := FitRecalibration(conf[:3], right[:2]); err == nil {
		t.Error("mismatched lengths: no error")
	}
}

func TestRecalibrationsSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recalibration.json")
	rs, err := LoadRecalibrations(path)
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if _, ok := rs.Get("shop"); ok {
		t.Fatal("a missing file holds a recalibration")
	}
	want := Recalibration{A: 1.5, B: -0.25, N: 120, Correct: 80, FittedAt: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)}
	rs.Set(map[string]Recalibration{"shop": want})
	if err := rs.Save(path); err != nil {
		t.Fatal(err)
	}
	again, err := LoadRecalibrations(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := again.Get("shop"); !ok || got != want {
		t.Errorf("loaded %+v (%v), want %+v", got, ok, want)
	}
	if _, ok := again.Get("other"); ok {
		t.Error("another collection got a recalibration")
	}
	var none *Recalibrations
	if _, ok := none.Get("shop"); ok {
		t.Error("nil Recalibrations returned one")
	}
}
