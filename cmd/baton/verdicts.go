package main

import (
	"context"

	"github.com/batonhq/baton/kb"
)

// verdictQueries turns agents' verdicts on closed hand-offs, and
// customers' thumbs on answers, into labelled questions for `baton
// calibrate --verdicts`: the customer turn that handed off, labelled with
// the article the bot put first when the agent said the bot was right (or
// should not have handed off), and with no right article when the agent
// said an article was missing or wrong; an answered question, labelled
// with the article it cited when thumbed up and none when thumbed down.
func verdictQueries(ctx context.Context, store kb.Store) ([]evalQuery, error) {
	hs, err := store.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffResolved, kb.HandoffReturned}})
	if err != nil {
		return nil, err
	}
	var qs []evalQuery
	for _, h := range hs {
		if h.Outcome == "" {
			continue
		}
		msgs, err := store.Messages(ctx, h.ConversationID)
		if err != nil {
			return nil, err
		}
		question, top := -1, ""
		for i, m := range msgs {
			if m.Role == kb.RoleCustomer && !m.CreatedAt.After(h.CreatedAt) {
				question, top = i, ""
			}
			if question >= 0 && i > question && top == "" && m.Role == kb.RoleBot && m.Reply != nil && len(m.Reply.Citations) > 0 {
				top = m.Reply.Citations[0].ArticleID
			}
		}
		if question < 0 {
			continue // the customer asked for a person before asking anything
		}
		q := evalQuery{Query: msgs[question].Text, Lang: h.Lang, Collection: h.Collection}
		switch h.Outcome {
		case kb.OutcomeBotRight, kb.OutcomeNeedlessHandoff:
			if top == "" {
				continue
			}
			q.GoldID = &top
		case kb.OutcomeArticleMissing, kb.OutcomeArticleWrong:
		default:
			continue
		}
		qs = append(qs, q)
	}
	rated, err := store.RatedMessages(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rated {
		if r.Reply == nil || r.Reply.Band != kb.BandAnswer || len(r.Reply.Citations) == 0 {
			continue
		}
		conv, err := store.Conversation(ctx, r.ConversationID)
		if err != nil {
			return nil, err
		}
		msgs, err := store.Messages(ctx, r.ConversationID)
		if err != nil {
			return nil, err
		}
		var question *kb.Message
		for _, m := range msgs {
			if m.ID == r.ID {
				break
			}
			if m.Role == kb.RoleCustomer {
				question = m
			}
		}
		if question == nil {
			continue
		}
		q := evalQuery{Query: question.Text, Collection: conv.Collection}
		if r.Feedback > 0 {
			id := r.Reply.Citations[0].ArticleID
			q.GoldID = &id
		}
		qs = append(qs, q)
	}
	return qs, nil
}
