package ingest

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/batonhq/baton/kb"
)

// Split cuts an article's body into passages of at most maxTokens tokens.
//
// It follows the body's Markdown structure so that a passage reads on its
// own once retrieved: each heading starts a section and the heading path
// ("Returns > Refund timing") goes into Chunk.Heading rather than the text;
// within a section whole paragraphs are packed greedily. A paragraph over
// the limit is cut at sentence ends, and a sentence still over it by tokens.
// Some units are worth more whole than within the limit: an FAQ pair ("Q:"
// then "A:", or "问：" then "答：") is never cut, and a table is cut only
// between rows, each piece repeating the header so its columns keep their
// meaning.
//
// An article with no body (an FAQ made only of similar questions) yields one
// passage holding its title, so that every article can be retrieved.
// maxTokens below 1 means no limit.
func Split(a *kb.Article, maxTokens int) []kb.Chunk {
	if maxTokens < 1 {
		maxTokens = math.MaxInt
	}
	var chunks []kb.Chunk
	for _, s := range sections(normalizeNewlines(a.Body)) {
		for _, text := range pack(s.units, maxTokens) {
			if text = strings.TrimSpace(text); text != "" {
				chunks = append(chunks, newChunk(a.ID, len(chunks), s.heading, text))
			}
		}
	}
	if len(chunks) > 0 {
		return chunks
	}
	text := strings.TrimSpace(a.Title)
	if text == "" {
		text = strings.Join(cleanList(a.Questions), "\n")
	}
	if text == "" {
		return nil
	}
	return []kb.Chunk{newChunk(a.ID, 0, "", text)}
}

// Tokens counts tokens the way Split does: each Han character is one token,
// each run of other letters/digits is one token.
//
// This tracks what retrieval and embedding models see (Chinese is indexed by
// character or bigram, English by word) without shipping a tokenizer.
func Tokens(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			n++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				n++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return n
}

func newChunk(articleID string, ord int, heading, text string) kb.Chunk {
	return kb.Chunk{
		ID:        articleID + "#" + strconv.Itoa(ord),
		ArticleID: articleID,
		Ord:       ord,
		Heading:   heading,
		Text:      text,
	}
}

type unitKind int

const (
	unitPara  unitKind = iota // paragraph: may be cut at sentences
	unitQA                    // FAQ question with its answer: never cut
	unitTable                 // Markdown table: cut between rows only
)

// unit is a block of text Split packs into passages.
type unit struct {
	kind unitKind
	text string
}

// section is the text under one heading.
type section struct {
	heading string // path of headings, " > " separated
	units   []unit
}

// sections reads Markdown into sections of paragraphs, tables and FAQ pairs.
// Fenced code is kept inside its paragraph so its lines are never mistaken
// for headings or tables.
func sections(body string) []section {
	var (
		secs  []section
		cur   section
		path  [6]string
		para  []string
		table []string
		fence string
	)
	flush := func() {
		if t := strings.TrimSpace(strings.Join(para, "\n")); t != "" {
			cur.units = append(cur.units, unit{kind: unitPara, text: t})
		}
		if len(table) > 0 {
			cur.units = append(cur.units, unit{kind: unitTable, text: strings.Join(table, "\n")})
		}
		para, table = nil, nil
	}
	endSection := func() {
		flush()
		if len(cur.units) > 0 {
			cur.units = pairQA(cur.units)
			secs = append(secs, cur)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if fence != "" {
			para = append(para, line)
			if closesFence(line, fence) {
				fence = ""
			}
			continue
		}
		if f := openFence(line); f != "" {
			if len(table) > 0 {
				flush()
			}
			para = append(para, line)
			fence = f
			continue
		}
		if level, text, ok := atxHeading(line); ok {
			endSection()
			path[level-1] = text
			clear(path[level:])
			cur = section{heading: headingPath(path[:])}
			continue
		}
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "|"):
			if len(para) > 0 {
				flush()
			}
			table = append(table, t)
		default:
			if len(table) > 0 {
				flush()
			}
			para = append(para, line)
		}
	}
	endSection()
	return secs
}

func headingPath(path []string) string {
	var parts []string
	for _, p := range path {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " > ")
}

// pairQA joins each question paragraph to the answer paragraph that follows
// it. A question and its answer in one paragraph is a pair too.
func pairQA(units []unit) []unit {
	out := make([]unit, 0, len(units))
	for i := 0; i < len(units); i++ {
		u := units[i]
		if u.kind == unitPara && hasPrefix(u.text, questionMarks) {
			switch {
			case hasAnswerLine(u.text):
				u.kind = unitQA
			case i+1 < len(units) && units[i+1].kind == unitPara && hasPrefix(units[i+1].text, answerMarks):
				u = unit{kind: unitQA, text: u.text + "\n\n" + units[i+1].text}
				i++
			}
		}
		out = append(out, u)
	}
	return out
}

var (
	questionMarks = []string{"Q:", "Q：", "q:", "q：", "问：", "问:"}
	answerMarks   = []string{"A:", "A：", "a:", "a：", "答：", "答:"}
)

// hasPrefix reports whether s, ignoring Markdown emphasis ("**Q:**"), starts
// with one of marks.
func hasPrefix(s string, marks []string) bool {
	s = strings.TrimLeft(s, " \t*_")
	for _, m := range marks {
		if strings.HasPrefix(s, m) {
			return true
		}
	}
	return false
}

func hasAnswerLine(para string) bool {
	lines := strings.Split(para, "\n")
	for _, l := range lines[1:] {
		if hasPrefix(l, answerMarks) {
			return true
		}
	}
	return false
}

// pack fills passages greedily with whole units, cutting only units that do
// not fit in a passage of their own.
func pack(units []unit, maxTokens int) []string {
	var (
		out    []string
		cur    []string
		curTok int
	)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n\n"))
		}
		cur, curTok = nil, 0
	}
	add := func(text string) {
		n := Tokens(text)
		if len(cur) > 0 && curTok+n > maxTokens {
			flush()
		}
		cur = append(cur, text)
		curTok += n
	}
	for _, u := range units {
		if Tokens(u.text) <= maxTokens {
			add(u.text)
			continue
		}
		switch u.kind {
		case unitQA:
			flush()
			out = append(out, u.text)
		case unitTable:
			for _, piece := range splitTable(u.text, maxTokens) {
				add(piece)
			}
		default:
			for _, piece := range splitParagraph(u.text, maxTokens) {
				add(piece)
			}
		}
	}
	flush()
	return out
}

// splitTable cuts a table between rows into pieces of at most maxTokens,
// each starting with the header row and its separator row. A piece holds at
// least one row even if that row alone is over the limit.
func splitTable(table string, maxTokens int) []string {
	rows := strings.Split(table, "\n")
	header := rows[:1]
	if len(rows) > 1 && isTableSeparator(rows[1]) {
		header = rows[:2]
	}
	body := rows[len(header):]
	if len(body) == 0 {
		return []string{table}
	}
	headTok := Tokens(strings.Join(header, "\n"))
	var (
		out    []string
		cur    []string
		curTok int
	)
	flush := func() {
		piece := append(append([]string(nil), header...), cur...)
		out = append(out, strings.Join(piece, "\n"))
		cur, curTok = nil, 0
	}
	for _, row := range body {
		n := Tokens(row)
		if len(cur) > 0 && headTok+curTok+n > maxTokens {
			flush()
		}
		cur = append(cur, row)
		curTok += n
	}
	flush()
	return out
}

// isTableSeparator reports a Markdown table's "| --- | :-: |" row.
func isTableSeparator(row string) bool {
	return strings.Contains(row, "-") && strings.Trim(row, "|:- \t") == ""
}
