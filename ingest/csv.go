package ingest

import (
	"encoding/csv"
	"errors"
	"io"
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
	prefix := f.collection + "/" + slug(f.stem) + "-"

	var arts []*kb.Article
	rowOf := make(map[string]int) // article ID -> row that produced it
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalidf("row %d: %v", row, err)
		}
		if row == 1 && isHeader(rec) {
			continue
		}
		cell := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		q, ans := cell(colQuestion), cell(colAnswer)
		switch {
		case q == "":
			return nil, invalidf("row %d: answer without a question", row)
		case ans == "":
			return nil, invalidf("row %d: question %q has no answer", row, q)
		}
		id := prefix + shortHash(normalizeQuestion(q))
		if prev, ok := rowOf[id]; ok {
			return nil, invalidf("row %d: question %q repeats row %d", row, q, prev)
		}
		rowOf[id] = row

		var similar []string
		for _, s := range splitCell(cell(colSimilar), "|\n;；") {
			if normalizeQuestion(s) != normalizeQuestion(q) {
				similar = append(similar, s)
			}
		}
		tags := splitCell(cell(colTags), "|\n")
		arts = append(arts, article(f, id, f.collection, q, ans, similar, tags, "", false))
	}
	return arts, nil
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
