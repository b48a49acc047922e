package ingest

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/batonhq/baton/kb"
)

// FAQ spreadsheet columns, in order. Only the first two are required.
const (
	colQuestion = iota
	colAnswer
	colSimilar
	colTags
)

// parseCSV makes one article per row of an FAQ spreadsheet with the columns
// question, answer, similar questions and tags. Each article's ID comes from
// the file name and the row's question, not its position or answer, so
// reordering rows or editing answers updates the same articles.
func parseCSV(f file, text string) ([]*kb.Article, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1 // spreadsheets drop trailing empty cells
	r.TrimLeadingSpace = true
	t := newFAQTable(f)
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalidf("row %d: %v", row, err)
		}
		if err := t.add(rec, "row "+strconv.Itoa(row)); err != nil {
			return nil, err
		}
	}
	return t.arts, nil
}

// faqTable turns the rows of an FAQ table into articles, whatever file the
// rows come from, so that a CSV and a spreadsheet with the same rows make
// the same articles.
type faqTable struct {
	f       file
	prefix  string            // article ID before the question's hash
	whereOf map[string]string // article ID -> row that produced it
	arts    []*kb.Article
	rows    int // non-blank rows seen, the header included
}

func newFAQTable(f file) *faqTable {
	return &faqTable{f: f, prefix: f.collection + "/" + slug(f.stem) + "-", whereOf: map[string]string{}}
}

// add reads one row; where names it in errors, as "row 3". A header row
// naming the columns is skipped if it is the first non-blank row, and blank
// rows are skipped anywhere.
func (t *faqTable) add(rec []string, where string) error {
	if strings.TrimSpace(strings.Join(rec, "")) == "" {
		return nil
	}
	t.rows++
	if t.rows == 1 && isHeader(rec) {
		return nil
	}
	cell := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	q, ans := cell(colQuestion), cell(colAnswer)
	switch {
	case q == "":
		return invalidf("%s: answer without a question", where)
	case ans == "":
		return invalidf("%s: question %q has no answer", where, q)
	}
	id := t.prefix + shortHash(normalizeQuestion(q))
	if prev, ok := t.whereOf[id]; ok {
		return invalidf("%s: question %q repeats %s", where, q, prev)
	}
	t.whereOf[id] = where

	var similar []string
	for _, s := range splitCell(cell(colSimilar), "|\n;；") {
		if normalizeQuestion(s) != normalizeQuestion(q) {
			similar = append(similar, s)
		}
	}
	tags := splitCell(cell(colTags), "|\n")
	t.arts = append(t.arts, article(t.f, id, t.f.collection, q, ans, similar, tags, "", false))
	return nil
}

// isHeader reports whether a first row names the columns rather than
// holding an FAQ.
func isHeader(rec []string) bool {
	if len(rec) == 0 {
		return false
	}
	first := strings.ToLower(strings.TrimSpace(rec[0]))
	return first == "question" || first == "问题"
}

// normalizeQuestion is the form of a question its ID is derived from, so
// that fixing capitals or spacing does not make a new article.
func normalizeQuestion(q string) string {
	return collapseSpace(strings.ToLower(q))
}

// splitCell splits a multi-value cell on any of seps.
func splitCell(s, seps string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
}
