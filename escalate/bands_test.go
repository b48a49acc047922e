package escalate

import (
	"math"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestPolicyBand(t *testing.T) {
	th := Policy{AnswerThreshold: 0.7, HandoffThreshold: 0.4}
	tests := []struct {
		name string
		th   Policy
		conf float64
		want string
	}{
		{"certain", th, 1, kb.BandAnswer},
		{"exactly the answer threshold", th, 0.7, kb.BandAnswer},
		{"just below the answer threshold", th, math.Nextafter(0.7, 0), kb.BandClarify},
		{"between", th, 0.55, kb.BandClarify},
		{"exactly the handoff threshold", th, 0.4, kb.BandClarify},
		{"just below the handoff threshold", th, math.Nextafter(0.4, 0), kb.BandHandoff},
		{"zero", th, 0, kb.BandHandoff},
		{"not a number hands off", th, math.NaN(), kb.BandHandoff},
		{"equal thresholds skip clarify", Policy{AnswerThreshold: 0.5, HandoffThreshold: 0.5}, 0.5, kb.BandAnswer},
		{"equal thresholds, below", Policy{AnswerThreshold: 0.5, HandoffThreshold: 0.5}, 0.49, kb.BandHandoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.th.Band(tt.conf); got != tt.want {
				t.Errorf("Band(%v) with thresholds %v/%v = %q, want %q", tt.conf, tt.th.AnswerThreshold, tt.th.HandoffThreshold, got, tt.want)
			}
		})
	}
}
