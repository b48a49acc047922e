package retrieval

import (
	"slices"
)

// Scale says where a collection's cosines lie, measured on its own titles
// and similar questions: the same question scores 0.6 against one
// knowledge base and 0.8 against another, depending on the language and on
// how alike its articles are, so a threshold on the raw cosine fitted on
// some collections misjudges others. Each field is a cosine.
type Scale struct {
	// Own is the median, over the collection's titles and similar
	// questions, of the best cosine to another text (question or passage)
	// of the same article:
	// how close an answerable question typically comes to its article.
	Own float64
	// Near is the median best cosine of those texts to a text of another
	// article: how close the nearest wrong article comes.
	Near float64
	// Background is the mean cosine between texts of different articles:
	// what an unrelated question scores.
	Background float64
	// SelfTop1 is the share of the similar questions (of articles with at
	// least two) whose nearest other title or similar question is of their
	// own article: how often the nearest article is the right one for an
	// answerable question, before any labels. Near-duplicate articles pull
	// it down. Measured on SelfN questions; 0 when SelfN is 0.
	SelfTop1 float64
	SelfN    int
}

// scaleSample bounds how many texts a scale is measured on, and so its
// cost (scaleSample x the collection's vectors dot products).
const scaleSample = 256

// measureScale computes the scale of a collection's items: its titles and
// similar questions against every other text (passages included, as a
// question is). It needs two articles, one of them with a label and
// another text; otherwise ok is false.
func measureScale(items []VectorItem) (s Scale, ok bool) {
	perArticle := map[string]int{}
	for _, it := range items {
		perArticle[it.ArticleID]++
	}
	if len(perArticle) < 2 {
		return Scale{}, false
	}
	labels := map[string]int{}
	for _, it := range items {
		if it.Label {
			labels[it.ArticleID]++
		}
	}
	var probes []int
	for i, it := range items {
		if it.Label && perArticle[it.ArticleID] > 1 {
			probes = append(probes, i)
		}
	}
	if len(probes) == 0 {
		return Scale{}, false
	}
	// An even spread over the collection, the same every time.
	if len(probes) > scaleSample {
		picked := make([]int, scaleSample)
		for k := range picked {
			picked[k] = probes[k*len(probes)/scaleSample]
		}
		probes = picked
	}
	own := make([]float64, 0, len(probes))
	near := make([]float64, 0, len(probes))
	var bgSum float64
	var bgN, selfHit int
	for _, i := range probes {
		p := items[i]
		bestOwn, bestNear := -1.0, -1.0
		ownLabel, nearLabel := -1.0, -1.0
		for j, it := range items {
			if j == i {
				continue
			}
			c := float64(dot(p.Vec, it.Vec))
			if it.ArticleID == p.ArticleID {
				bestOwn = max(bestOwn, c)
				if it.Label {
					ownLabel = max(ownLabel, c)
				}
				continue
			}
			bestNear = max(bestNear, c)
			if it.Label {
				nearLabel = max(nearLabel, c)
			}
			bgSum += c
			bgN++
		}
		own = append(own, bestOwn)
		near = append(near, bestNear)
		if labels[p.ArticleID] > 1 {
			s.SelfN++
			if ownLabel > nearLabel {
				selfHit++
			}
		}
	}
	if bgN == 0 {
		return Scale{}, false
	}
	s.Own, s.Near, s.Background = median(own), median(near), bgSum/float64(bgN)
	if s.SelfN > 0 {
		s.SelfTop1 = float64(selfHit) / float64(s.SelfN)
	}
	return s, true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
