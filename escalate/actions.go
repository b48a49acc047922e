package escalate

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
)

// What agents do with a hand-off: claim it, release or transfer it, close
// it with a verdict, and reply. Only the holder acts on a claimed one.

// record appends an entry to the audit log. The action is done by then,
// so the entry is written even when ctx has just ended.
func (d *Desk) record(ctx context.Context, actor, action, target, detail string) error {
	if err := d.Store.AddAudit(context.WithoutCancel(ctx), &kb.AuditEntry{Actor: actor, Action: action, Target: target, Detail: detail}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func canTakeHandoffs(u *kb.User) error {
	if u.Role != kb.UserAgent && u.Role != kb.UserAdmin {
		return fmt.Errorf("%s is %s; only agents and admins handle hand-offs: %w", u.Name, u.Role, kb.ErrForbidden)
	}
	return nil
}

// Claim gives hand-off id to agent u. Of agents claiming at once exactly
// one wins; the others get kb.ErrConflict.
func (d *Desk) Claim(ctx context.Context, u *kb.User, id string) (*kb.Handoff, error) {
	if err := canTakeHandoffs(u); err != nil {
		return nil, err
	}
	h, err := d.Store.Handoff(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := d.Allowed(ctx, u, h); err != nil {
		return nil, err
	}
	if h.Status != kb.HandoffQueued && h.Status != kb.HandoffMessage {
		return nil, d.heldError(ctx, h)
	}
	from := h.Status
	at := d.now()
	h.Status, h.ClaimedBy, h.ClaimedAt = kb.HandoffClaimed, u.ID, &at
	if err := d.Store.UpdateHandoff(ctx, h, from, ""); err != nil {
		return nil, err
	}
	d.changed(ctx, h, "handoff.claimed")
	return h, d.record(ctx, u.Name, "handoff.claim", h.ID, "conversation "+h.ConversationID)
}

// heldError explains why a hand-off cannot be taken.
func (d *Desk) heldError(ctx context.Context, h *kb.Handoff) error {
	if h.Status == kb.HandoffClaimed {
		name := h.ClaimedBy
		if u, err := d.Store.User(ctx, h.ClaimedBy); err == nil {
			name = u.Name
		}
		return fmt.Errorf("handoff %s is held by %s: %w", h.ID, name, kb.ErrConflict)
	}
	return fmt.Errorf("handoff %s is %s: %w", h.ID, h.Status, kb.ErrConflict)
}

// held loads a hand-off that u must hold.
func (d *Desk) held(ctx context.Context, u *kb.User, id string) (*kb.Handoff, error) {
	if err := canTakeHandoffs(u); err != nil {
		return nil, err
	}
	h, err := d.Store.Handoff(ctx, id)
	if err != nil {
		return nil, err
	}
	// A holder whose teams changed since the claim no longer acts on it.
	if err := d.Allowed(ctx, u, h); err != nil {
		return nil, err
	}
	if h.Status != kb.HandoffClaimed {
		return nil, fmt.Errorf("handoff %s is %s, claim it first: %w", id, h.Status, kb.ErrConflict)
	}
	if h.ClaimedBy != u.ID {
		return nil, fmt.Errorf("%w (you cannot act on it)", d.heldError(ctx, h))
	}
	return h, nil
}

// Release puts a held hand-off back in the queue.
func (d *Desk) Release(ctx context.Context, u *kb.User, id string) (*kb.Handoff, error) {
	h, err := d.held(ctx, u, id)
	if err != nil {
		return nil, err
	}
	h.Status, h.ClaimedBy, h.ClaimedAt = kb.HandoffQueued, "", nil
	if err := d.Store.UpdateHandoff(ctx, h, kb.HandoffClaimed, u.ID); err != nil {
		return nil, err
	}
	d.changed(ctx, h, "handoff.released")
	return h, d.record(ctx, u.Name, "handoff.release", h.ID, "conversation "+h.ConversationID)
}

// Transfer passes a held hand-off to another agent, by name, who must
// be allowed to take it (Scope): once they are in a team, one serving
// its collection.
func (d *Desk) Transfer(ctx context.Context, u *kb.User, id, to string) (*kb.Handoff, error) {
	h, err := d.held(ctx, u, id)
	if err != nil {
		return nil, err
	}
	target, err := d.Store.UserByName(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("transfer to %q: %w", to, err)
	}
	if err := canTakeHandoffs(target); err != nil {
		return nil, fmt.Errorf("transfer: %v: %w", err, kb.ErrInvalid)
	}
	if target.Disabled {
		return nil, fmt.Errorf("transfer: %s's account is disabled: %w", target.Name, kb.ErrInvalid)
	}
	if err := d.Allowed(ctx, target, h); err != nil {
		return nil, fmt.Errorf("transfer: %s is outside the teams serving collection %s: %w", target.Name, h.Collection, kb.ErrInvalid)
	}
	h.ClaimedBy = target.ID
	if err := d.Store.UpdateHandoff(ctx, h, kb.HandoffClaimed, u.ID); err != nil {
		return nil, err
	}
	d.changed(ctx, h, "handoff.transferred")
	return h, d.record(ctx, u.Name, "handoff.transfer", h.ID, fmt.Sprintf("conversation %s, from %s to %s", h.ConversationID, u.Name, target.Name))
}

// Close ends a held hand-off: resolved, which ends the conversation (the
// customer starts a new one, or reopens it explicitly), or returned to the
// bot, which takes the customer's next question. outcome is the agent's
// verdict on the bot (may be empty).
func (d *Desk) Close(ctx context.Context, u *kb.User, id, status, outcome string) (*kb.Handoff, error) {
	if status != kb.HandoffResolved && status != kb.HandoffReturned {
		return nil, fmt.Errorf("close as %q: want resolved or returned: %w", status, kb.ErrInvalid)
	}
	if err := ValidOutcome(outcome); err != nil {
		return nil, err
	}
	h, err := d.held(ctx, u, id)
	if err != nil {
		return nil, err
	}
	at := d.now()
	h.Status, h.Outcome, h.ClosedAt = status, outcome, &at
	if err := d.Store.UpdateHandoff(ctx, h, kb.HandoffClaimed, u.ID); err != nil {
		return nil, err
	}
	next := kb.StatusBot
	if status == kb.HandoffResolved {
		next = kb.StatusClosed
	}
	if err := d.Store.SetConversationStatus(ctx, h.ConversationID, next); err != nil {
		return nil, err
	}
	if outcome == kb.OutcomeArticleMissing || outcome == kb.OutcomeArticleWrong {
		if err := d.recordVerdict(ctx, h); err != nil {
			return nil, err
		}
	}
	event, action := "handoff.resolved", "handoff.resolve"
	if status == kb.HandoffReturned {
		event, action = "handoff.returned", "handoff.handback"
	}
	d.changed(ctx, h, event)
	verdict := outcome
	if verdict == "" {
		verdict = "none"
	}
	return h, d.record(ctx, u.Name, action, h.ID, fmt.Sprintf("conversation %s, verdict %s", h.ConversationID, verdict))
}

// recordVerdict makes the question behind a hand-off the agent said the
// bot missed a miss, with the agent's reply as the answer it lacked.
func (d *Desk) recordVerdict(ctx context.Context, h *kb.Handoff) error {
	msgs, err := d.Store.Messages(ctx, h.ConversationID)
	if err != nil {
		return err
	}
	qi, ri := h.Turn(msgs)
	if qi < 0 {
		return nil // the customer asked for a person before asking anything
	}
	q := msgs[qi]
	var seen []kb.Citation
	if ri >= 0 {
		seen = msgs[ri].Reply.Citations
	}
	var replies []string
	for _, m := range msgs {
		if m.Role == kb.RoleAgent && m.CreatedAt.After(h.CreatedAt) {
			replies = append(replies, m.Text)
		}
	}
	return d.Store.AddMiss(ctx, &kb.Miss{ID: newID(), Collection: h.Collection, ConversationID: h.ConversationID, MessageID: q.ID,
		Question: q.Text, Lang: h.Lang, Trigger: kb.MissAgentVerdict, Reasons: []string{h.Outcome}, Passages: seen,
		AgentReply: strings.Join(replies, "\n\n")})
}

// ValidOutcome accepts the agent verdicts and the empty one.
func ValidOutcome(o string) error {
	switch o {
	case "", kb.OutcomeBotRight, kb.OutcomeArticleMissing, kb.OutcomeArticleWrong, kb.OutcomeNeedlessHandoff:
		return nil
	}
	return fmt.Errorf("outcome %q: want bot_right, article_missing, article_wrong or needless_handoff: %w", o, kb.ErrInvalid)
}

// Reply stores agent u's message in the conversation of a hand-off they
// hold and sends it to the customer live.
func (d *Desk) Reply(ctx context.Context, u *kb.User, id, text string) (*kb.Message, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("reply text is empty: %w", kb.ErrInvalid)
	}
	if n := utf8.RuneCountInString(text); n > MaxReplyRunes {
		return nil, fmt.Errorf("reply is %d characters, the limit is %d: %w", n, MaxReplyRunes, kb.ErrInvalid)
	}
	h, err := d.held(ctx, u, id)
	if err != nil {
		return nil, err
	}
	m := &kb.Message{ID: newID(), ConversationID: h.ConversationID, Role: kb.RoleAgent, Text: text, Author: u.Name}
	if err := d.Store.AddMessage(ctx, m); err != nil {
		return nil, err
	}
	d.Posted(m)
	return m, nil
}

// Posted publishes a stored message to the live pages.
func (d *Desk) Posted(m *kb.Message) {
	d.publish(Event{Type: EventMessage, ConversationID: m.ConversationID, Data: m})
}
