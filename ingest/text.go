package ingest

import (
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
)

// maxTextTitle is the longest first line, in characters, that a plain-text
// file may have for it to be taken as the title. Longer lines are prose.
const maxTextTitle = 120

// parseText makes one article of a plain-text file. A short first line set
// off by a blank line is the title, as people write it in a text editor;
// otherwise the file name is.
func parseText(f file, text string) ([]*kb.Article, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	title, body := f.stem, strings.Join(lines, "\n")
	if first := strings.TrimSpace(lines[0]); len(lines) > 1 &&
		strings.TrimSpace(lines[1]) == "" &&
		utf8.RuneCountInString(first) <= maxTextTitle {
		title, body = first, strings.Join(lines[2:], "\n")
	}
	return []*kb.Article{
		article(f, docID(f), f.collection, title, body, nil, nil, "", false),
	}, nil
}
