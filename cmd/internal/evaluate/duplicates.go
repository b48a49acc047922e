package evaluate

import "context"

// Ranked is one in-scope question's gold article and the articles the bot
// ranked first, best first.
type Ranked struct {
	Gold string
	Top  []string
}

// MergeEffect is what merging each group of near-duplicate articles into
// one would do to top-1 and recall@5, estimated from the rankings as they
// are: a question counts as answered by the merged article when the top
// (or one of the top five, counted after merging) is in its gold's group.
// It assumes the merged article ranks where its best member ranked.
type MergeEffect struct {
	Groups   int     `json:"groups"`
	Articles int     `json:"articles_in_groups"`
	Top1     float64 `json:"top1"`
	Recall5  float64 `json:"recall5"`
	Top1M    float64 `json:"top1_merged"`
	Recall5M float64 `json:"recall5_merged"`
}

// Merged computes the MergeEffect of groups on the rankings.
func Merged(rs []Ranked, groups [][]string) MergeEffect {
	e := MergeEffect{Groups: len(groups)}
	group := map[string]int{}
	for i, g := range groups {
		e.Articles += len(g)
		for _, id := range g {
			group[id] = i + 1
		}
	}
	key := func(id string) string {
		if g := group[id]; g > 0 {
			return "\x00group" + string(rune(g))
		}
		return id
	}
	var top1, r5, top1m, r5m int
	for _, r := range rs {
		if len(r.Top) == 0 {
			continue
		}
		if r.Top[0] == r.Gold {
			top1++
		}
		if key(r.Top[0]) == key(r.Gold) {
			top1m++
		}
		for _, id := range r.Top[:min(5, len(r.Top))] {
			if id == r.Gold {
				r5++
				break
			}
		}
		// After merging, a group takes one place: the top five distinct.
		seen := map[string]bool{}
		for _, id := range r.Top {
			k := key(id)
			if seen[k] {
				continue
			}
			seen[k] = true
			if k == key(r.Gold) {
				r5m++
				break
			}
			if len(seen) == 5 {
				break
			}
		}
	}
	n := float64(max(len(rs), 1))
	e.Top1, e.Recall5 = round3(float64(top1)/n), round3(float64(r5)/n)
	e.Top1M, e.Recall5M = round3(float64(top1m)/n), round3(float64(r5m)/n)
	return e
}

// Duplicates runs the queries of the set in dir and returns, for each of
// thresholds, the MergeEffect of merging the groups of near-duplicate
// articles the editor lists at that threshold.
func (h Harness) Duplicates(ctx context.Context, dir string, thresholds []float64) ([]MergeEffect, error) {
	kbPath, queriesPath := SetFiles(dir)
	env, closeEnv, err := h.Open(ctx, kbPath)
	if err != nil {
		return nil, err
	}
	defer closeEnv()
	qs, err := ReadQueries(queriesPath)
	if err != nil {
		return nil, err
	}
	rows, _, err := Run(ctx, env, qs)
	if err != nil {
		return nil, err
	}
	var rs []Ranked
	collections := map[string]bool{}
	for _, r := range rows {
		collections[r.Collection] = true
		if r.Gold == "" {
			continue
		}
		k := Ranked{Gold: r.Gold}
		for _, h := range r.Hits {
			k.Top = append(k.Top, h.ID)
		}
		rs = append(rs, k)
	}
	var out []MergeEffect
	for _, t := range thresholds {
		var groups [][]string
		for c := range collections {
			groups = append(groups, env.Searcher.DuplicateArticles(c, t)...)
		}
		out = append(out, Merged(rs, groups))
	}
	return out, nil
}
