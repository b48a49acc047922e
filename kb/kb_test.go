package kb

import (
	"testing"
	"time"
)

func TestHandoffTurnAndQuestionOf(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	msgs := []*Message{
		{ID: "c1", Role: RoleCustomer, CreatedAt: at(0)},
		{ID: "b1", Role: RoleBot, Reply: &Reply{}, CreatedAt: at(0)},
		{ID: "c2", Role: RoleCustomer, CreatedAt: at(1)},
		{ID: "b2", Role: RoleBot, Reply: &Reply{Band: BandHandoff}, CreatedAt: at(1)},
		{ID: "a1", Role: RoleAgent, CreatedAt: at(2)},
		{ID: "c3", Role: RoleCustomer, CreatedAt: at(3)}, // after the hand-off
		{ID: "b3", Role: RoleBot, Reply: &Reply{}, CreatedAt: at(4)},
	}
	if q, r := (&Handoff{CreatedAt: at(1)}).Turn(msgs); q != 2 || r != 3 {
		t.Errorf("Turn = %d, %d; want the second question and its reply (2, 3)", q, r)
	}
	if q, r := (&Handoff{CreatedAt: at(-1)}).Turn(msgs); q != -1 || r != -1 {
		t.Errorf("hand-off before any question: Turn = %d, %d; want -1, -1", q, r)
	}
	if q, r := (&Handoff{CreatedAt: at(0)}).Turn(msgs[:1]); q != 0 || r != -1 {
		t.Errorf("no reply yet: Turn = %d, %d; want 0, -1", q, r)
	}
	for id, want := range map[string]int{"b1": 0, "b3": 5, "c1": -1, "nope": -1} {
		if got := QuestionOf(msgs, id); got != want {
			t.Errorf("QuestionOf(%s) = %d, want %d", id, got, want)
		}
	}
}
