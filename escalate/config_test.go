package escalate

import (
	"errors"
	"slices"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`
default:
  answer_threshold: 0.6
collections:
  shop:
    rephrases: 3
    sensitive_topics: [legal]
    service_stages:
      - {name: refunds, tags: [refund-request]}
  bank:
    handoff_threshold: 0.4
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		collection string
		check      func(p Policy) bool
		want       string
	}{
		{"default changed only what it names", "other", func(p Policy) bool {
			return p.AnswerThreshold == 0.6 && p.HandoffThreshold == DefaultPolicy.HandoffThreshold && p.RepeatedMiss == DefaultPolicy.RepeatedMiss
		}, "answer 0.6, the rest default"},
		{"collection inherits the file's default", "shop", func(p Policy) bool {
			return p.AnswerThreshold == 0.6 && p.Rephrases == 3 && slices.Equal(p.SensitiveTopics, []string{TopicLegal}) && len(p.ServiceStages) == 1
		}, "answer 0.6, rephrases 3, only legal, one stage rule"},
		{"another collection is untouched by shop", "bank", func(p Policy) bool {
			return p.HandoffThreshold == 0.4 && p.Rephrases == DefaultPolicy.Rephrases && len(p.SensitiveTopics) == len(DefaultPolicy.SensitiveTopics)
		}, "handoff 0.4, default rephrases and topics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := c.For(tt.collection); !tt.check(p) {
				t.Errorf("For(%s) = %+v, want %s", tt.collection, p, tt.want)
			}
		})
	}
	if len(DefaultPolicy.SensitiveTopics) != 5 {
		t.Errorf("parsing changed DefaultPolicy: %v", DefaultPolicy.SensitiveTopics)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"not yaml", "default: [unclosed"},
		{"threshold above 1", "default: {answer_threshold: 1.2, handoff_threshold: 0.5}"},
		{"unknown topic", "collections: {a: {sensitive_topics: [weather]}}"},
		{"empty stage rule", "collections: {a: {service_stages: [{name: x}]}}"},
		{"negative count", "default: {repeated_miss: -1}"},
		{"probability over 1", "default: {negative_turn: 1.5}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseConfig([]byte(tt.yaml)); !errors.Is(err, kb.ErrInvalid) {
				t.Errorf("ParseConfig(%q) err = %v, want ErrInvalid", tt.yaml, err)
			}
		})
	}
}

func TestTopic(t *testing.T) {
	tests := []struct{ text, want string }{
		{"my account was hacked", TopicSecurity},
		{"there's an unauthorized charge on my card", TopicSecurity},
		{"我的账号被盗了", TopicSecurity},
		{"I was charged twice for one order", TopicPaymentDispute},
		{"怎么重复扣款了", TopicPaymentDispute},
		{"please delete my personal data", TopicPrivacy},
		{"我的个人信息被泄露了", TopicPrivacy},
		{"I will contact my lawyer", TopicLegal},
		{"再不处理我就去12315投诉", TopicLegal},
		{"I want to file a complaint about your staff", TopicComplaint},
		{"我要投诉", TopicComplaint},
		// Questions about the subject, not the customer's own case.
		{"what personal data do you collect?", ""},
		{"how do I change my password", ""},
		{"隐私政策在哪里看", ""},
		{"how do I pay with a credit card", ""},
		{"is the lawn mower covered by warranty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := Topic(tt.text); got != tt.want {
				t.Errorf("Topic(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestDecideSignalsAndStages(t *testing.T) {
	refund := &kb.Article{ID: "r", Tags: []string{"refund-request"}}
	p := DefaultPolicy
	p.ServiceStages = []StageRule{
		{Name: "refunds need a person", Tags: []string{"refund-request"}},
		{Name: "after-sales changes", Stages: []string{"after_sales"}, Keywords: []string{"change", "修改"}},
	}
	tests := []struct {
		name string
		turn Turn
		want []string
	}{
		{"calm answered turn", Turn{Text: "hi", Band: kb.BandAnswer, Signals: Signals{Negative: 0.2}}, nil},
		{"one furious turn", Turn{Text: "x", Band: kb.BandAnswer, Signals: Signals{Negative: 0.98}}, []string{kb.ReasonNegativeSentiment}},
		{"rising annoyance over turns", Turn{Text: "x", Band: kb.BandAnswer, Signals: Signals{Negative: 0.88, PriorNegative: []float64{0.1, 0.85, 0.86}}}, []string{kb.ReasonNegativeSentiment}},
		{"one annoyed turn among calm ones", Turn{Text: "x", Band: kb.BandAnswer, Signals: Signals{Negative: 0.8, PriorNegative: []float64{0.1, 0.1}}}, nil},
		{"first rephrase is answered", Turn{Text: "x", Band: kb.BandAnswer, Signals: Signals{Rephrase: true}}, nil},
		{"second rephrase hands off", Turn{Text: "x", Band: kb.BandAnswer, Signals: Signals{Rephrase: true, PriorRephrases: 1}}, []string{kb.ReasonRephrase}},
		{"refund intent by article tag", Turn{Text: "money back", Band: kb.BandAnswer, Top: refund}, []string{kb.ReasonServiceStage}},
		{"after-sales stage and keyword", Turn{Text: "I need to change the size", Band: kb.BandAnswer, Stage: "after_sales"}, []string{kb.ReasonServiceStage}},
		{"after-sales keyword without the stage", Turn{Text: "I need to change the size", Band: kb.BandAnswer, Stage: "browsing"}, nil},
		{"sensitive by text alone", Turn{Text: "I was charged twice", Band: kb.BandAnswer}, []string{kb.ReasonSensitiveTopic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Decide(tt.turn); !slices.Equal(got, tt.want) {
				t.Errorf("Decide = %q, want %q", got, tt.want)
			}
		})
	}
	// Turning a topic off in the policy turns its trigger off.
	off := DefaultPolicy
	off.SensitiveTopics = []string{TopicLegal}
	if got := off.Decide(Turn{Text: "I was charged twice", Band: kb.BandAnswer}); got != nil {
		t.Errorf("payment dispute with the topic off = %q, want nothing", got)
	}
}
