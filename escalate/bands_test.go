package escalate

import (
	"math"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestPolicyBand(t *testing.T) {
	th := Policy{AnswerThreshold: 0.7, HandoffThreshold: 0.4}
	tests := []struct {
		name          string
		th            Policy
		conf, inScope float64
		want          string
	}{
		{"certain", th, 1, 1, kb.BandAnswer},
		{"exactly the answer threshold", th, 0.7, 0.9, kb.BandAnswer},
		{"just below the answer threshold", th, math.Nextafter(0.7, 0), 0.9, kb.BandClarify},
		{"in scope but ambiguous: near-duplicates", th, 0.2, 0.95, kb.BandClarify},
		{"exactly the handoff threshold", th, 0.1, 0.4, kb.BandClarify},
		{"just below the handoff threshold", th, 0.1, math.Nextafter(0.4, 0), kb.BandHandoff},
		{"out of scope hands off however sure of the top article", th, 0.9, 0.1, kb.BandHandoff},
		{"zero", th, 0, 0, kb.BandHandoff},
		{"not a number hands off", th, 0.9, math.NaN(), kb.BandHandoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.th.Band(tt.conf, tt.inScope); got != tt.want {
				t.Errorf("Band(%v, %v) with thresholds %v/%v = %q, want %q", tt.conf, tt.inScope, tt.th.AnswerThreshold, tt.th.HandoffThreshold, got, tt.want)
			}
		})
	}
}
