package escalate

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/batonhq/baton/kb"
)

// Config holds the hand-off policies of every collection: one default and
// per-collection overrides. In the file (YAML, or JSON which is YAML too):
//
//	default:
//	  answer_threshold: 0.5
//	collections:
//	  shop:
//	    rephrases: 3
//	    service_stages:
//	      - {name: refunds, tags: [refund-request]}
//
// A collection's policy starts from the default and changes only what it names.
type Config struct {
	Default     Policy            `yaml:"default" json:"default"`
	Collections map[string]Policy `yaml:"collections" json:"collections"`
}

// NewConfig returns a config where every collection uses DefaultPolicy.
func NewConfig() *Config {
	return &Config{Default: DefaultPolicy, Collections: map[string]Policy{}}
}

// For returns the policy of a collection.
func (c *Config) For(collection string) Policy {
	if p, ok := c.Collections[collection]; ok {
		return p
	}
	return c.Default
}

// LoadConfig reads a policy file; see Config for the format.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig parses a policy file's content.
func ParseConfig(b []byte) (*Config, error) {
	var raw struct {
		Default     yaml.Node            `yaml:"default"`
		Collections map[string]yaml.Node `yaml:"collections"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("parse policy: %v: %w", err, kb.ErrInvalid)
	}
	c := NewConfig()
	if raw.Default.Kind != 0 {
		if err := raw.Default.Decode(&c.Default); err != nil {
			return nil, fmt.Errorf("parse policy default: %v: %w", err, kb.ErrInvalid)
		}
	}
	for name, node := range raw.Collections {
		p := c.Default
		// Decoding onto a copy keeps what the collection does not name;
		// slices are replaced, never appended to.
		p.SensitiveTopics = append([]string(nil), p.SensitiveTopics...)
		p.ServiceStages = append([]StageRule(nil), p.ServiceStages...)
		if err := node.Decode(&p); err != nil {
			return nil, fmt.Errorf("parse policy for %s: %v: %w", name, err, kb.ErrInvalid)
		}
		c.Collections[name] = p
	}
	for name, p := range c.all() {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("policy for %s: %w", name, err)
		}
	}
	return c, nil
}

func (c *Config) all() map[string]Policy {
	m := map[string]Policy{"default": c.Default}
	for k, v := range c.Collections {
		m[k] = v
	}
	return m
}

// Validate reports settings that cannot work.
func (p Policy) Validate() error {
	switch {
	case p.HandoffThreshold < 0 || p.HandoffThreshold > 1 || p.AnswerThreshold < 0 || p.AnswerThreshold > 1:
		return fmt.Errorf("thresholds: want handoff_threshold (%v, of in_scope) and answer_threshold (%v, of confidence) in [0,1]: %w", p.HandoffThreshold, p.AnswerThreshold, kb.ErrInvalid)
	case p.RetentionDays < 0:
		return fmt.Errorf("retention_days must not be negative (0 keeps conversations forever): %w", kb.ErrInvalid)
	case p.RepeatedMiss < 0 || p.Rephrases < 0:
		return fmt.Errorf("repeated_miss and rephrases must not be negative: %w", kb.ErrInvalid)
	case p.NegativeTurn < 0 || p.NegativeTurn > 1 || p.NegativeTrend < 0 || p.NegativeTrend > 1:
		return fmt.Errorf("negative_turn and negative_trend are probabilities in [0,1]: %w", kb.ErrInvalid)
	}
	for _, t := range p.SensitiveTopics {
		if !slices.Contains(Topics(), t) {
			return fmt.Errorf("unknown sensitive topic %q (known: %s): %w", t, strings.Join(Topics(), ", "), kb.ErrInvalid)
		}
	}
	if err := validRouting(p.Routing); err != nil {
		return err
	}
	if err := p.Hours.Validate(); err != nil {
		return err
	}
	if err := p.SmallTalk.Validate(); err != nil {
		return err
	}
	for _, r := range p.ServiceStages {
		if len(r.Stages) == 0 && len(r.Tags) == 0 && len(r.Keywords) == 0 {
			return fmt.Errorf("service stage rule %q sets no condition: %w", r.Name, kb.ErrInvalid)
		}
	}
	return nil
}
