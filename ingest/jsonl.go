package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/batonhq/baton/kb"
)

// jsonlRecord is one line of a JSONL export: the schema Baton reads and
// other knowledge bases can produce.
type jsonlRecord struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Lang       string   `json:"lang"`
	Questions  []string `json:"questions"`
	Collection string   `json:"collection"`
	Category   string   `json:"category"`
}

// parseJSONL makes one article per non-blank line. IDs are taken as given:
// the exporting system already keeps them stable.
func parseJSONL(f file, text string) ([]*kb.Article, error) {
	// bufio.Reader rather than bufio.Scanner: an article body on one line
	// can exceed any fixed token limit.
	r := bufio.NewReader(strings.NewReader(text))
	var arts []*kb.Article
	lineOf := make(map[string]int) // article ID -> line that defined it
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if strings.TrimSpace(line) != "" {
			a, lerr := jsonlArticle(f, line)
			if lerr != nil {
				return nil, invalidf("line %d: %v", n, lerr)
			}
			if prev, ok := lineOf[a.ID]; ok {
				return nil, invalidf("line %d: id %q repeats line %d", n, a.ID, prev)
			}
			lineOf[a.ID] = n
			arts = append(arts, a)
		}
		if errors.Is(err, io.EOF) {
			return arts, nil
		}
	}
}

// jsonlArticle decodes and checks one line.
func jsonlArticle(f file, line string) (*kb.Article, error) {
	var rec jsonlRecord
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		return nil, err
	}
	if strings.TrimSpace(rec.ID) == "" {
		return nil, errors.New("missing id")
	}
	title := strings.TrimSpace(rec.Title)
	questions := rec.Questions
	if title == "" {
		// An FAQ exported without a title is still titled by its question.
		qs := cleanList(questions)
		if len(qs) == 0 {
			return nil, errors.New("missing title")
		}
		title, questions = qs[0], qs[1:]
	}
	collection := strings.TrimSpace(rec.Collection)
	if collection == "" {
		collection = f.collection
	}
	return article(f, rec.ID, collection, title, rec.Body, questions, []string{rec.Category}, rec.Lang, false), nil
}
