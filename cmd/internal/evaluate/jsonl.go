package evaluate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/batonhq/baton/kb"
)

// Query is one line of an evaluation set's queries.jsonl.
type Query struct {
	Query      string  `json:"query"`
	Lang       string  `json:"lang"`
	GoldID     *string `json:"gold_id"`
	Collection string  `json:"collection"`
	// InScope, from agents' verdicts and thumbs, says whether some article
	// answers the question (article_wrong: yes, but not the one given;
	// article_missing: no); nil when the label does not say. A
	// queries.jsonl never sets it.
	InScope *bool `json:"-"`
}

// ReadQueries reads a queries.jsonl; a query without a collection is in
// the default one.
func ReadQueries(path string) ([]Query, error) {
	qs, err := ReadJSONL[Query](path)
	if err != nil {
		return nil, err
	}
	for i := range qs {
		if qs[i].Collection == "" {
			qs[i].Collection = kb.DefaultCollection
		}
	}
	return qs, nil
}

// ReadJSONL decodes a file of JSON values, one after another (JSON Lines).
func ReadJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	dec := json.NewDecoder(bufio.NewReader(f))
	for n := 1; ; n++ {
		var v T
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", path, n, err)
		}
		out = append(out, v)
	}
}

// ReadRows reads rows written by WriteRows.
func ReadRows(path string) ([]Row, error) { return ReadJSONL[Row](path) }

// WriteRows writes rows to path, one JSON object a line, as `baton eval
// --out` does.
func WriteRows(path string, rows []Row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
