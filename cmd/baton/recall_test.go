package main

import "testing"

func TestRecallAtFalse(t *testing.T) {
	// Four in-scope rows and four out-of-scope rows; the last out-of-scope
	// row was handed off by another trigger whatever its confidence.
	rows := []evalRow{{Gold: "a"}, {Gold: "a"}, {Gold: "a"}, {Gold: "a"}, {}, {}, {}, {}}
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
