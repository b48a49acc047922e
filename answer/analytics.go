package answer

import (
	"context"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// DayStats are one day's (or the whole period's) figures.
type DayStats struct {
	Day           string `json:"day"` // YYYY-MM-DD, UTC; empty for totals
	Conversations int    `json:"conversations"`
	// Contained conversations were answered by the bot without a hand-off
	// and without a thumbs down.
	Contained   int     `json:"contained"`
	HandedOff   int     `json:"handed_off"`
	ThumbsUp    int     `json:"thumbs_up"`
	ThumbsDown  int     `json:"thumbs_down"`
	Containment float64 `json:"containment_rate"`
	ThumbsUpPct float64 `json:"thumbs_up_rate"` // up / (up + down)
	// AvgWaitSeconds is the mean time from hand-off to an agent's claim,
	// over Claimed hand-offs.
	AvgWaitSeconds float64 `json:"avg_wait_seconds"`
	Claimed        int     `json:"claimed"`
}

// Analytics are a collection's figures over a period, day by day.
type Analytics struct {
	Since          time.Time      `json:"since"`
	Until          time.Time      `json:"until"`
	Days           []DayStats     `json:"days"`
	Totals         DayStats       `json:"totals"`
	HandoffReasons map[string]int `json:"handoff_reasons"`
	TopMisses      []*MissCluster `json:"top_misses"`
	// CSAT is the satisfaction ratings of the period's conversations.
	CSAT *CSAT `json:"csat"`
}

// Analyze computes the figures of conversations started in [since, until)
// (a conversation counts only once the customer has said something).
func Analyze(ctx context.Context, store kb.Store, emb retrieval.Embedder, collection string, since, until time.Time) (*Analytics, error) {
	convs, err := store.ConversationSummaries(ctx, collection, since, until)
	if err != nil {
		return nil, err
	}
	a := &Analytics{Since: since, Until: until, HandoffReasons: map[string]int{}}
	byDay := map[string]*DayStats{}
	day := func(t time.Time) *DayStats {
		k := t.UTC().Format("2006-01-02")
		if byDay[k] == nil {
			byDay[k] = &DayStats{Day: k}
		}
		return byDay[k]
	}
	// Every day of the period, so a chart shows quiet days as zero.
	for d := since.UTC().Truncate(24 * time.Hour); d.Before(until); d = d.Add(24 * time.Hour) {
		day(d)
	}
	for _, c := range convs {
		if c.Turns == 0 {
			continue
		}
		for _, s := range []*DayStats{day(c.CreatedAt), &a.Totals} {
			s.Conversations++
			s.ThumbsUp += c.ThumbsUp
			s.ThumbsDown += c.ThumbsDown
			if c.Handoffs > 0 {
				s.HandedOff++
			} else if c.Answers > 0 && c.ThumbsDown == 0 {
				s.Contained++
			}
		}
	}
	hs, err := store.Handoffs(ctx, kb.HandoffFilter{Collection: collection})
	if err != nil {
		return nil, err
	}
	waits := map[*DayStats]float64{}
	for _, h := range hs {
		if h.CreatedAt.Before(since) || !h.CreatedAt.Before(until) {
			continue
		}
		for _, r := range h.Reasons {
			a.HandoffReasons[r]++
		}
		if h.ClaimedAt != nil {
			w := h.ClaimedAt.Sub(h.CreatedAt).Seconds()
			for _, s := range []*DayStats{day(h.CreatedAt), &a.Totals} {
				s.Claimed++
				waits[s] += w
			}
		}
	}
	finish := func(s *DayStats) {
		if s.Conversations > 0 {
			s.Containment = float64(s.Contained) / float64(s.Conversations)
		}
		if n := s.ThumbsUp + s.ThumbsDown; n > 0 {
			s.ThumbsUpPct = float64(s.ThumbsUp) / float64(n)
		}
		if s.Claimed > 0 {
			s.AvgWaitSeconds = waits[s] / float64(s.Claimed)
		}
	}
	for d := since.UTC().Truncate(24 * time.Hour); d.Before(until); d = d.Add(24 * time.Hour) {
		s := byDay[d.Format("2006-01-02")]
		finish(s)
		a.Days = append(a.Days, *s)
	}
	finish(&a.Totals)
	if err := analyzeCSAT(ctx, store, a, collection, since, until); err != nil {
		return nil, err
	}
	clusters, err := ClusterMisses(ctx, store, emb, retrieval.DefaultClusterThreshold, kb.MissFilter{Collection: collection, Since: since, Until: until})
	if err != nil {
		return nil, err
	}
	a.TopMisses = clusters[:min(len(clusters), 5)]
	return a, nil
}
