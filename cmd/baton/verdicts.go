package main

import (
	"context"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/kb"
)

// verdictQueries turns agents' verdicts on closed hand-offs, and
// customers' thumbs on answers, into labelled questions for `baton
// calibrate --verdicts`: the customer turn that handed off, labelled with
// the article the bot put first when the agent said the bot was right (or
// should not have handed off), and with no right article when the agent
// said an article was missing or wrong; an answered question, labelled
// with the article it cited when thumbed up and none when thumbed down.
// Each also says, where it can, whether the question is in scope at all:
// an article missing says no, a wrong article or a right answer yes.
var yes, no = true, false

func verdictQueries(ctx context.Context, store kb.Store) ([]evaluate.Query, error) {
	hs, err := store.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffResolved, kb.HandoffReturned}})
	if err != nil {
		return nil, err
	}
	var qs []evaluate.Query
	for _, h := range hs {
		if h.Outcome == "" {
			continue
		}
		msgs, err := store.Messages(ctx, h.ConversationID)
		if err != nil {
			return nil, err
		}
		question, reply := h.Turn(msgs)
		if question < 0 {
			continue // the customer asked for a person before asking anything
		}
		top := ""
		if reply >= 0 && len(msgs[reply].Reply.Citations) > 0 {
			top = msgs[reply].Reply.Citations[0].ArticleID
		}
		q := evaluate.Query{Query: msgs[question].Text, Lang: h.Lang, Collection: h.Collection}
		switch h.Outcome {
		case kb.OutcomeBotRight, kb.OutcomeNeedlessHandoff:
			if top == "" {
				continue
			}
			q.GoldID, q.InScope = &top, &yes
		case kb.OutcomeArticleWrong:
			q.InScope = &yes
		case kb.OutcomeArticleMissing:
			q.InScope = &no
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
		qi := kb.QuestionOf(msgs, r.ID)
		if qi < 0 {
			continue
		}
		q := evaluate.Query{Query: msgs[qi].Text, Collection: conv.Collection}
		if r.Feedback > 0 {
			id := r.Reply.Citations[0].ArticleID
			q.GoldID, q.InScope = &id, &yes
		}
		qs = append(qs, q)
	}
	return qs, nil
}
