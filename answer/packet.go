package answer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
)

// Packet is what an agent sees beside a handed-off chat, so the customer
// never has to repeat themselves: the whole transcript (customer turns
// carry their sentiment), why the bot gave up, what it found, and a
// reply the agent can edit and send.
type Packet struct {
	Handoff      *kb.Handoff      `json:"handoff"`
	Conversation *kb.Conversation `json:"conversation"`
	// Holder is the name of the agent holding the hand-off.
	Holder   string        `json:"holder,omitempty"`
	Messages []*kb.Message `json:"messages"`
	// Question is the customer turn that led to the hand-off.
	Question   string          `json:"question"`
	Confidence float64         `json:"confidence"`
	InScope    float64         `json:"in_scope"`
	Passages   []PacketPassage `json:"passages"`
	// Summary is three lines: what the customer wants, what the bot did,
	// what it found (or, from a language model, what to do first);
	// SummaryGenerated tells which. Draft is a suggested reply;
	// DraftGenerated tells whether a language model wrote it from the
	// passages.
	Summary          []string `json:"summary"`
	SummaryGenerated bool     `json:"summary_generated"`
	Draft            string   `json:"draft"`
	DraftGenerated   bool     `json:"draft_generated"`
	// NegativeTurn is the collection's negative-sentiment trigger: a
	// customer turn at or above it is one that fired.
	NegativeTurn float64 `json:"negative_turn"`
	// Band is where Confidence and InScope put the question now.
	Band string `json:"band,omitempty"`
	// History is the customer's earlier conversations, newest first.
	History []PastConversation `json:"history"`
}

// PastConversation is one of the customer's earlier conversations as the
// agent's packet lists it: when, what they asked first, and how it ended.
type PastConversation struct {
	ID         string    `json:"id"`
	Collection string    `json:"collection"`
	CreatedAt  time.Time `json:"created_at"`
	// Question is the customer's first message ("" when they wrote none).
	Question string `json:"question"`
	// Turns counts the customer's messages.
	Turns int `json:"turns"`
	// Outcome is "bot" when no hand-off was opened, else the status of
	// its last hand-off (queued, message, claimed, resolved, returned).
	Outcome string `json:"outcome"`
	// Verdict and Agent are the last hand-off's outcome and holder's name.
	Verdict string   `json:"verdict,omitempty"`
	Agent   string   `json:"agent,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// historyLimit is how many earlier conversations a packet lists.
const historyLimit = 5

// history lists the customer's earlier conversations with their outcome.
func (b *Bot) history(ctx context.Context, conversationID string) ([]PastConversation, error) {
	convs, err := b.Store.EarlierConversations(ctx, conversationID, historyLimit)
	if err != nil {
		return nil, err
	}
	out := make([]PastConversation, 0, len(convs))
	for _, c := range convs {
		pc := PastConversation{ID: c.ID, Collection: c.Collection, CreatedAt: c.CreatedAt, Outcome: "bot"}
		msgs, err := b.Store.Messages(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Role == kb.RoleCustomer {
				if pc.Turns == 0 {
					pc.Question = truncate(m.Text, 160)
				}
				pc.Turns++
			}
		}
		hs, err := b.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: c.ID})
		if err != nil {
			return nil, err
		}
		if len(hs) > 0 {
			h := hs[len(hs)-1]
			pc.Outcome, pc.Verdict, pc.Reasons = h.Status, h.Outcome, h.Reasons
			if h.ClaimedBy != "" {
				if u, err := b.Store.User(ctx, h.ClaimedBy); err == nil {
					pc.Agent = u.Name
				}
			}
		}
		out = append(out, pc)
	}
	return out, nil
}

// PacketPassage is one retrieved passage with its score and article.
type PacketPassage struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	// HTML is Text rendered, filled in by the web layer.
	HTML  string  `json:"html,omitempty"`
	Score float64 `json:"score"`
}

// Packet assembles the hand-off packet of h. The passages are retrieved
// again for the question that handed off, so they reflect the knowledge
// base as it is now. The summary is written in uiLang, the agent's
// language ("" for the customer's); the draft reply in the customer's.
func (b *Bot) Packet(ctx context.Context, h *kb.Handoff, uiLang string) (*Packet, error) {
	conv, err := b.Store.Conversation(ctx, h.ConversationID)
	if err != nil {
		return nil, err
	}
	msgs, err := b.Store.Messages(ctx, h.ConversationID)
	if err != nil {
		return nil, err
	}
	p := &Packet{Handoff: h, Conversation: conv, Messages: msgs, Passages: []PacketPassage{}}
	if p.Messages == nil {
		p.Messages = []*kb.Message{}
	}
	if h.ClaimedBy != "" {
		if u, err := b.Store.User(ctx, h.ClaimedBy); err == nil {
			p.Holder = u.Name
		}
	}
	first := ""
	if qi, _ := h.Turn(msgs); qi >= 0 {
		p.Question = msgs[qi].Text
		for _, m := range msgs[:qi+1] {
			if m.Role == kb.RoleCustomer && first == "" {
				first = m.Text
			}
		}
	}
	lang := h.Lang
	if lang == "" {
		lang = "en"
	}
	if uiLang == "" {
		uiLang = lang
	}
	policy := b.Policies().For(conv.Collection)
	p.NegativeTurn = policy.NegativeTurn
	if p.Question != "" {
		res, err := b.Composer.Compose(ctx, conv.Collection, p.Question)
		if err != nil {
			return nil, err
		}
		p.Confidence, p.InScope = res.Reply.Confidence, res.Reply.InScope
		p.Band = policy.Band(p.Confidence, p.InScope)
		for i, ps := range res.Passages {
			p.Passages = append(p.Passages, PacketPassage{ArticleID: ps.ArticleID, Title: ps.Title, Text: ps.Text, Score: res.Reply.Citations[i].Score})
		}
		// A draft from an article the bot was not confident in (a wrong
		// low-confidence hit) would put the wrong policy in the agent's
		// mouth: the agent starts from a blank reply instead.
		confident := p.Band == kb.BandAnswer
		if len(res.Passages) > 0 && confident {
			p.Draft = res.Passages[0].Text
			if b.Generator != nil {
				if text, _, err := b.Generator.Generate(ctx, lang, p.Question, res.Passages); err == nil {
					p.Draft, p.DraftGenerated = text, true
				}
			}
		}
	}
	if p.History, err = b.history(ctx, conv.ID); err != nil {
		return nil, err
	}
	p.Summary = summary(uiLang, first, h, p.Passages)
	if b.Generator != nil && len(msgs) > 0 {
		if lines, err := b.Generator.Summarize(ctx, uiLang, msgs, h.Reasons); err == nil {
			p.Summary, p.SummaryGenerated = lines, true
		} else {
			b.signalError(fmt.Errorf("hand-off summary not generated: %w", err))
		}
	}
	return p, nil
}

// summary is the extractive three-line summary: the customer's first
// question, the hand-off reasons, the best passage found.
func summary(lang, first string, h *kb.Handoff, ps []PacketPassage) []string {
	zh := lang == "zh"
	want := "Customer asked: " + truncate(first, 160)
	if zh {
		want = "客户问题：" + truncate(first, 160)
	}
	if first == "" {
		want = map[bool]string{false: "Customer asked for a person before asking anything.", true: "客户未提问，直接要求人工。"}[zh]
	}
	words := make([]string, len(h.Reasons))
	for i, r := range h.Reasons {
		words[i] = r
		if w, ok := reasonWords[r]; ok {
			words[i] = w[zh]
		}
	}
	why := fmt.Sprintf("Bot handed off: %s.", strings.Join(words, "; "))
	if zh {
		why = fmt.Sprintf("转人工原因：%s。", strings.Join(words, "；"))
	}
	found := map[bool]string{false: "Nothing relevant found in the knowledge base.", true: "知识库中未找到相关内容。"}[zh]
	if len(ps) > 0 {
		found = fmt.Sprintf("Best passage: %s.", ps[0].Title)
		if zh {
			found = fmt.Sprintf("最相关文章：%s。", ps[0].Title)
		}
	}
	return []string{want, why, found}
}

// reasonWords says each hand-off reason in English and Chinese (keyed by
// "is Chinese"), for the summary an agent reads.
var reasonWords = map[string]map[bool]string{
	kb.ReasonLowConfidence:     {false: "no article covers this", true: "没有文章能回答这个问题"},
	kb.ReasonRepeatedMiss:      {false: "several articles could fit, still unsure after asking", true: "多篇文章都可能相关，多次澄清仍未确定"},
	kb.ReasonRephrase:          {false: "the customer asked the same again", true: "客户换了说法重复提问"},
	kb.ReasonNegativeSentiment: {false: "the customer is upset", true: "客户情绪负面"},
	kb.ReasonExplicitRequest:   {false: "the customer asked for a person", true: "客户要求转人工"},
	kb.ReasonSensitiveTopic:    {false: "sensitive topic", true: "敏感话题"},
	kb.ReasonServiceStage:      {false: "service stage rule", true: "服务阶段规则"},
	kb.ReasonAgentRequest:      {false: "an agent asked to take over", true: "客服要求接入"},
}
