package main

import (
	"encoding/json"
	"fmt"
	"io"

	evalpkg "github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/escalate"
)

// evalSmallTalk prints, per set, the share of its questions the small-talk
// recogniser takes, and with file the held-back phrasings it misses.
func evalSmallTalk(dirs []string, file string, asJSON bool, stdout io.Writer) error {
	s := escalate.DefaultSmallTalk()
	var sets []evalpkg.SmallTalkSet
	if len(dirs) > 0 && dirs[0] != "" {
		var err error
		if sets, err = evalpkg.SmallTalkQueries(s, dirs); err != nil {
			return err
		}
	}
	var n int
	var missed []string
	if file != "" {
		var err error
		if n, missed, err = evalpkg.SmallTalkHeldOut(s, file); err != nil {
			return err
		}
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"sets": sets, "held_out": n, "held_out_missed": missed})
	}
	if len(sets) > 0 {
		fmt.Fprintln(stdout, "| set | questions | taken for small talk | share | by gold article |")
		fmt.Fprintln(stdout, "|---|---|---|---|---|")
		for _, r := range sets {
			fmt.Fprintf(stdout, "| %s | %d | %d | %.4f | %v |\n", r.Set, r.N, r.Taken, r.Share, r.ByGold)
		}
	}
	if file != "" {
		fmt.Fprintf(stdout, "held-back phrasings: %d, not recognised: %d\n", n, len(missed))
		for _, m := range missed {
			fmt.Fprintln(stdout, "  missed:", m)
		}
	}
	return nil
}
