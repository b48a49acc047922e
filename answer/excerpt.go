package answer

import (
	"net/url"
	"strings"

	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
)

// answerTokens is about what a chat bubble should hold: a few sentences or
// one table (ingest.Tokens: an English word or a Han character each).
const answerTokens = 110

// excerpt cuts a passage down to what answers the question when it is
// longer than a chat answer should be. The passage's blocks (paragraphs,
// lists, tables: what blank lines separate) are scored by the question's
// terms, each weighted by how few of the blocks hold it, so a word every
// block repeats ("refund" in a refunds article) counts for little and the
// one block that names what was asked counts most. The answer keeps the
// opening block, which in a help article usually states the rule, the best
// block, a block that introduces it ("...depends on the method:" before a
// table), and then the blocks after the best as the budget allows, in
// their order. A cut answer ends with a link to the whole article, in the
// article's language; terms splits text as the keyword index does.
func excerpt(text, question string, a *kb.Article, terms func(string) []string) string {
	if ingest.Tokens(text) <= answerTokens {
		return text
	}
	blocks := splitBlocks(text)
	if len(blocks) < 2 {
		return text
	}
	bt := make([]map[string]bool, len(blocks))
	df := map[string]int{}
	for i, b := range blocks {
		bt[i] = termSet(terms(b))
		for t := range bt[i] {
			df[t]++
		}
	}
	best, bestScore := 0, 0.0
	for i := range blocks {
		s := 0.0
		for t := range termSet(terms(question)) {
			if bt[i][t] {
				s += 1 / float64(df[t])
			}
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	keep := make([]bool, len(blocks))
	used := 0
	take := func(i int) {
		if !keep[i] {
			keep[i] = true
			used += ingest.Tokens(blocks[i])
		}
	}
	take(0)
	take(best)
	if best > 0 && announces(blocks[best-1]) {
		take(best - 1)
	}
	if announces(blocks[best]) && best+1 < len(blocks) {
		take(best + 1)
	}
	for i := best + 1; i < len(blocks) && used+ingest.Tokens(blocks[i]) <= answerTokens; i++ {
		take(i)
	}
	var out []string
	cut := false
	for i, b := range blocks {
		if keep[i] {
			out = append(out, b)
		} else {
			cut = true
		}
	}
	if !cut {
		return text
	}
	return strings.Join(out, "\n\n") + "\n\n" + fullArticleLink(a)
}

// fullArticleLink is the Markdown link under a cut answer.
func fullArticleLink(a *kb.Article) string {
	parts := strings.Split(a.ID, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	label := "Read the whole article: "
	if a.Lang == "zh" {
		label = "查看全文："
	}
	return label + "[" + strings.NewReplacer("[", `\[`, "]", `\]`).Replace(a.Title) + "](/articles/" + strings.Join(parts, "/") + ")"
}

// announces reports whether a block introduces the one after it, as
// "...depends on the payment method:" does a table.
func announces(b string) bool {
	return strings.HasSuffix(b, ":") || strings.HasSuffix(b, "：")
}

// splitBlocks splits Markdown at blank lines, except inside fenced code.
func splitBlocks(text string) []string {
	var out []string
	open := false // the last block has an unclosed fence
	for _, b := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if open {
			out[len(out)-1] += "\n\n" + b
		} else if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		} else {
			continue
		}
		if strings.Count(b, "```")%2 == 1 {
			open = !open
		}
	}
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}
