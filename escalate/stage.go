package escalate

import (
	"slices"
	"strings"
)

// StageRule hands off when every condition it sets holds: the
// conversation is at one of Stages, the top article carries one of Tags,
// the message contains one of Keywords. Unset conditions match anything,
// but a rule must set at least one.
type StageRule struct {
	Name     string   `yaml:"name" json:"name"`
	Stages   []string `yaml:"stages" json:"stages"`
	Tags     []string `yaml:"tags" json:"tags"`
	Keywords []string `yaml:"keywords" json:"keywords"`
}

// Match reports whether the rule applies to the turn.
func (r StageRule) Match(t Turn) bool {
	if len(r.Stages) == 0 && len(r.Tags) == 0 && len(r.Keywords) == 0 {
		return false
	}
	if len(r.Stages) > 0 && !slices.Contains(r.Stages, t.Stage) {
		return false
	}
	if len(r.Tags) > 0 {
		if t.Top == nil || !slices.ContainsFunc(t.Top.Tags, func(tag string) bool { return slices.Contains(r.Tags, tag) }) {
			return false
		}
	}
	if len(r.Keywords) > 0 {
		lower := strings.ToLower(t.Text)
		if !slices.ContainsFunc(r.Keywords, func(k string) bool { return strings.Contains(lower, strings.ToLower(k)) }) {
			return false
		}
	}
	return true
}
