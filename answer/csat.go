package answer

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/batonhq/baton/kb"
)

// Rate stores the customer's satisfaction score (1-5) and comment for
// their conversation, replacing an earlier one. The rating is the
// agent's when an agent held the conversation's last claimed hand-off.
func (b *Bot) Rate(ctx context.Context, c *kb.Conversation, score int, comment string) (*kb.Rating, error) {
	r := &kb.Rating{ConversationID: c.ID, Collection: c.Collection, Score: score, Comment: comment}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	hs, err := b.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: c.ID})
	if err != nil {
		return nil, err
	}
	for _, h := range slices.Backward(hs) {
		if h.ClaimedBy != "" {
			r.AgentID = h.ClaimedBy
			break
		}
	}
	if err := b.Store.PutRating(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// CSATStats are the mean score and count of a group of ratings.
type CSATStats struct {
	Key   string  `json:"key,omitempty"` // the collection or agent id
	Name  string  `json:"name,omitempty"`
	Count int     `json:"count"`
	Mean  float64 `json:"mean"` // 0 when Count is 0
	sum   int
}

func (s *CSATStats) add(score int) {
	s.Count++
	s.sum += score
	s.Mean = float64(s.sum) / float64(s.Count)
}

// CSAT is the customers' satisfaction over an analytics period: all
// ratings, those of conversations only the bot handled and of those an
// agent did, then per collection and per agent.
type CSAT struct {
	All          CSATStats   `json:"all"`
	BotOnly      CSATStats   `json:"bot_only"`
	AgentHandled CSATStats   `json:"agent_handled"`
	Collections  []CSATStats `json:"collections"`
	Agents       []CSATStats `json:"agents"`
}

// SummarizeCSAT groups ratings; name gives an agent's display name.
func SummarizeCSAT(rs []*kb.Rating, name func(agentID string) string) *CSAT {
	out := &CSAT{Collections: []CSATStats{}, Agents: []CSATStats{}}
	cols, agents := map[string]*CSATStats{}, map[string]*CSATStats{}
	group := func(m map[string]*CSATStats, k string) *CSATStats {
		if m[k] == nil {
			m[k] = &CSATStats{Key: k}
		}
		return m[k]
	}
	for _, r := range rs {
		out.All.add(r.Score)
		group(cols, r.Collection).add(r.Score)
		if r.AgentID == "" {
			out.BotOnly.add(r.Score)
			continue
		}
		out.AgentHandled.add(r.Score)
		group(agents, r.AgentID).add(r.Score)
	}
	for _, s := range cols {
		out.Collections = append(out.Collections, *s)
	}
	for _, s := range agents {
		s.Name = name(s.Key)
		out.Agents = append(out.Agents, *s)
	}
	byKey := func(a, b CSATStats) int { return cmp.Compare(a.Key, b.Key) }
	slices.SortFunc(out.Collections, byKey)
	slices.SortFunc(out.Agents, byKey)
	return out
}

// analyzeCSAT adds the period's ratings to a.
func analyzeCSAT(ctx context.Context, store kb.Store, a *Analytics, collection string, since, until time.Time) error {
	rs, err := store.Ratings(ctx, collection, since, until)
	if err != nil {
		return err
	}
	a.CSAT = SummarizeCSAT(rs, func(id string) string {
		if u, err := store.User(ctx, id); err == nil {
			return u.Name
		}
		return id
	})
	return nil
}
