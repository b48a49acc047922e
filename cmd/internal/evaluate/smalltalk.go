// Package evaluate holds Baton's evaluation harness: what `baton eval`
// measures, as functions with their own tests; cmd/baton parses flags and
// prints.
package evaluate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/escalate"
)

// SmallTalkSet is how often one evaluation set's questions are taken for
// small talk. Taken counts by gold article, "" for out-of-scope ones, so a
// reader sees whether the hits are the set's own small-talk intents
// (CLINC150 has greeting and thank_you articles) or real questions.
type SmallTalkSet struct {
	Set     string         `json:"set"`
	N       int            `json:"n"`
	Taken   int            `json:"taken"`
	Share   float64        `json:"share"`
	ByGold  map[string]int `json:"by_gold"`
	Samples []string       `json:"samples"`
}

// SmallTalkQueries runs the recogniser over the queries.jsonl of each set
// directory.
func SmallTalkQueries(s *escalate.SmallTalk, dirs []string) ([]SmallTalkSet, error) {
	var out []SmallTalkSet
	for _, dir := range dirs {
		r := SmallTalkSet{Set: filepath.Base(dir), ByGold: map[string]int{}, Samples: []string{}}
		err := eachLine(filepath.Join(dir, "queries.jsonl"), func(line string) error {
			var q struct {
				Query  string  `json:"query"`
				GoldID *string `json:"gold_id"`
			}
			if err := json.Unmarshal([]byte(line), &q); err != nil {
				return err
			}
			r.N++
			if s.Kind(q.Query) == "" {
				return nil
			}
			r.Taken++
			gold := ""
			if q.GoldID != nil {
				gold = *q.GoldID
			}
			r.ByGold[gold]++
			if len(r.Samples) < 8 {
				r.Samples = append(r.Samples, q.Query)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		if r.N > 0 {
			r.Share = float64(r.Taken) / float64(r.N)
		}
		out = append(out, r)
	}
	return out, nil
}

// SmallTalkHeldOut reads a kind<TAB>text file of phrasings (# comments
// allowed) and returns how many there are and those not recognised as
// their kind.
func SmallTalkHeldOut(s *escalate.SmallTalk, path string) (n int, missed []string, err error) {
	err = eachLine(path, func(line string) error {
		if strings.HasPrefix(line, "#") {
			return nil
		}
		kind, text, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("line %q: want kind<TAB>text", line)
		}
		n++
		if got := s.Kind(text); got != kind {
			missed = append(missed, fmt.Sprintf("%s (%s, got %q)", text, kind, got))
		}
		return nil
	})
	return n, missed, err
}

func eachLine(path string, fn func(string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	return sc.Err()
}
