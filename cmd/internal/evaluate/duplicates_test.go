package evaluate

import "testing"

func TestMerged(t *testing.T) {
	rs := []Ranked{
		{Gold: "a", Top: []string{"b", "a", "x"}},                // twin first: right once merged
		{Gold: "a", Top: []string{"a", "b"}},                     // right either way
		{Gold: "y", Top: []string{"a", "b", "c", "d", "e", "y"}}, // y sixth; fifth once a and b are one
		{Gold: "x", Top: []string{"c"}},                          // wrong either way
	}
	e := Merged(rs, [][]string{{"a", "b"}})
	want := MergeEffect{Groups: 1, Articles: 2, Top1: 0.25, Recall5: 0.5, Top1M: 0.5, Recall5M: 0.75}
	if e != want {
		t.Errorf("Merged = %+v, want %+v", e, want)
	}
	if e := Merged(rs, nil); e.Top1M != e.Top1 || e.Recall5M != e.Recall5 {
		t.Errorf("no groups changed the figures: %+v", e)
	}
}
