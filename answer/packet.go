package answer

import (
	"context"
	"fmt"
	"strings"

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
}

// PacketPassage is one retrieved passage with its score and article.
type PacketPassage struct {
	ArticleID string  `json:"article_id"`
	Title     string  `json:"title"`
	Text      string  `json:"text"`
	Score     float64 `json:"score"`
}

// Packet assembles the hand-off packet of h. The passages are retrieved
// again for the question that handed off, so they reflect the knowledge
// base as it is now.
func (b *Bot) Packet(ctx context.Context, h *kb.Handoff) (*Packet, error) {
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
	if p.Question != "" {
		res, err := b.Composer.Compose(ctx, conv.Collection, p.Question)
		if err != nil {
			return nil, err
		}
		p.Confidence, p.InScope = res.Reply.Confidence, res.Reply.InScope
		for i, ps := range res.Passages {
			p.Passages = append(p.Passages, PacketPassage{ArticleID: ps.ArticleID, Title: ps.Title, Text: ps.Text, Score: res.Reply.Citations[i].Score})
		}
		// A draft from an article the bot was not confident in (a wrong
		// low-confidence hit) would put the wrong policy in the agent's
		// mouth: the agent starts from a blank reply instead.
		confident := b.Policies().For(conv.Collection).Band(res.Reply.Confidence, res.Reply.InScope) == kb.BandAnswer
		if len(res.Passages) > 0 && confident {
			p.Draft = res.Passages[0].Text
			if b.Generator != nil {
				if text, _, err := b.Generator.Generate(ctx, lang, p.Question, res.Passages); err == nil {
					p.Draft, p.DraftGenerated = text, true
				}
			}
		}
	}
	p.Summary = summary(lang, first, h, p.Passages)
	if b.Generator != nil && len(msgs) > 0 {
		if lines, err := b.Generator.Summarize(ctx, lang, msgs, h.Reasons); err == nil {
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
	why := fmt.Sprintf("Bot handed off: %s.", strings.Join(h.Reasons, ", "))
	if zh {
		why = fmt.Sprintf("转人工原因：%s。", strings.Join(h.Reasons, "、"))
	}
	found := map[bool]string{false: "Nothing relevant found in the knowledge base.", true: "知识库中未找到相关内容。"}[zh]
	if len(ps) > 0 {
		found = fmt.Sprintf("Best passage: %s (score %.2f).", ps[0].Title, ps[0].Score)
		if zh {
			found = fmt.Sprintf("最相关文章：%s（得分 %.2f）。", ps[0].Title, ps[0].Score)
		}
	}
	return []string{want, why, found}
}
