package answer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// MissCluster is a group of misses that ask the same thing.
type MissCluster struct {
	// ID names the cluster by its most central miss, stable while the
	// cluster keeps it.
	ID string `json:"id"`
	// Questions are the distinct questions, most central first; Misses
	// every miss behind them (one question can be missed more than one
	// way: handed off, then thumbed down or marked by an agent).
	Questions []string   `json:"questions"`
	Misses    []*kb.Miss `json:"misses"`
	// Triggers counts the members per trigger.
	Triggers map[string]int `json:"triggers"`
	// Articles are the articles the bot most often put first for these
	// questions, most often first: candidates for "add as similar questions".
	Articles []ArticleCount `json:"articles"`
	// AgentReply is an agent's answer to one of these questions, the
	// starting point for a new article.
	AgentReply string `json:"agent_reply,omitempty"`
}

// ArticleCount is an article and how many misses saw it first.
type ArticleCount struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Count     int    `json:"count"`
}

// ClusterMisses groups the open misses f selects by meaning, largest
// group first: average-linkage agglomerative clustering of their
// questions' embeddings at cosine threshold (see retrieval.Cluster).
// Without an embedder only identical questions (case and spacing aside)
// are grouped. A cluster never spans collections.
func ClusterMisses(ctx context.Context, store kb.Store, emb retrieval.Embedder, threshold float64, f kb.MissFilter) ([]*MissCluster, error) {
	if f.Status == "" {
		f.Status = kb.MissOpen
	}
	all, err := store.Misses(ctx, f)
	if err != nil {
		return nil, err
	}
	byColl := map[string][]*kb.Miss{}
	var colls []string
	for _, m := range all {
		if byColl[m.Collection] == nil {
			colls = append(colls, m.Collection)
		}
		byColl[m.Collection] = append(byColl[m.Collection], m)
	}
	out := []*MissCluster{}
	for _, c := range colls {
		cs, err := clusterCollection(ctx, emb, threshold, byColl[c])
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	// Largest first, by distinct questions.
	slices.SortStableFunc(out, func(a, b *MissCluster) int { return len(b.Questions) - len(a.Questions) })
	return out, nil
}

func clusterCollection(ctx context.Context, emb retrieval.Embedder, threshold float64, ms []*kb.Miss) ([]*MissCluster, error) {
	// Cluster each question once, however many ways it was missed.
	byMsg := map[string][]*kb.Miss{}
	var firsts []*kb.Miss
	for _, m := range ms {
		if byMsg[m.MessageID] == nil {
			firsts = append(firsts, m)
		}
		byMsg[m.MessageID] = append(byMsg[m.MessageID], m)
	}
	var groups [][]int
	if emb != nil {
		texts := make([]string, len(firsts))
		for i, m := range firsts {
			texts[i] = m.Question
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed misses: %w", err)
		}
		groups = retrieval.ClusterMembers(vecs, retrieval.Cluster(vecs, threshold))
	} else {
		groups = sameText(firsts)
	}
	out := make([]*MissCluster, 0, len(groups))
	for _, g := range groups {
		c := &MissCluster{Triggers: map[string]int{}}
		counts := map[string]*ArticleCount{}
		for _, i := range g {
			c.Questions = append(c.Questions, firsts[i].Question)
			for _, m := range byMsg[firsts[i].MessageID] {
				c.Misses = append(c.Misses, m)
				c.Triggers[m.Trigger]++
				if c.AgentReply == "" && m.AgentReply != "" {
					c.AgentReply = m.AgentReply
				}
			}
			if m := firsts[i]; len(m.Passages) > 0 {
				p := m.Passages[0]
				if counts[p.ArticleID] == nil {
					counts[p.ArticleID] = &ArticleCount{ArticleID: p.ArticleID, Title: p.Title}
				}
				counts[p.ArticleID].Count++
			}
		}
		c.ID = c.Misses[0].ID
		for _, a := range counts {
			c.Articles = append(c.Articles, *a)
		}
		slices.SortFunc(c.Articles, func(a, b ArticleCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.ArticleID, b.ArticleID)
		})
		out = append(out, c)
	}
	return out, nil
}

// sameText groups misses whose questions are the same but for case and spacing.
func sameText(ms []*kb.Miss) [][]int {
	index := map[string]int{}
	var groups [][]int
	for i, m := range ms {
		key := strings.Join(strings.Fields(strings.ToLower(m.Question)), " ")
		g, ok := index[key]
		if !ok {
			g = len(groups)
			index[key] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// Period turns "7d", "30d", "24h" into the start of that period before now;
// empty is all time.
func Period(p string, now time.Time) (time.Time, error) {
	if p == "" || p == "all" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(p, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && days > 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	d, err := time.ParseDuration(p)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("period %q: want e.g. 7d, 30d or 24h: %w", p, kb.ErrInvalid)
	}
	return now.Add(-d), nil
}
