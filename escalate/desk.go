package escalate

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
)

// Desk is where hand-offs meet agents: it opens hand-offs (queued, or a
// message when nobody can take them), keeps the queue in priority order,
// lets exactly one agent hold a conversation, and carries their replies.
// Every change is published to the Broker for the live pages.
type Desk struct {
	Store  kb.Store
	Events *Broker
	// Policies gives the business hours per collection.
	Policies func() *Config
	// Notify, when set, hears hand-off lifecycle events (for webhooks):
	// handoff.created, handoff.claimed, handoff.released,
	// handoff.transferred, handoff.returned, handoff.resolved,
	// handoff.contact.
	Notify func(event string, h *kb.Handoff)
	// Now is the clock; tests set it.
	Now func() time.Time
}

// PresenceTTL is how long after an agent's last sign of life they still
// count as online.
const PresenceTTL = 90 * time.Second

// defaultWait is the estimated wait when no hand-off has been picked up yet.
const defaultWait = 3 * time.Minute

// MaxReplyRunes bounds an agent's message, like a customer's.
const MaxReplyRunes = 4000

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Desk) publish(e Event) {
	if d.Events != nil {
		d.Events.Publish(e)
	}
}

func (d *Desk) notify(event string, h *kb.Handoff) {
	if d.Notify != nil {
		d.Notify(event, h)
	}
}

// Priority ranks a hand-off: angry customers and explicit requests first.
func Priority(reasons []string) int {
	if slices.Contains(reasons, kb.ReasonNegativeSentiment) || slices.Contains(reasons, kb.ReasonExplicitRequest) {
		return 1
	}
	return 0
}

// Available reports whether a hand-off in the collection can reach a
// person now: within business hours and with an agent online.
func (d *Desk) Available(ctx context.Context, collection string) (bool, error) {
	if d.Policies != nil && !d.Policies().For(collection).Hours.Open(d.now()) {
		return false, nil
	}
	n, err := d.OnlineAgents(ctx)
	return n > 0, err
}

// OnlineAgents counts agents online with a recent sign of life.
func (d *Desk) OnlineAgents(ctx context.Context) (int, error) {
	ps, err := d.Store.Presences(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range ps {
		if p.Status == kb.PresenceOnline && d.now().Sub(p.SeenAt) < PresenceTTL {
			n++
		}
	}
	return n, nil
}

// SetPresence records an agent's availability (online or away) as of now.
func (d *Desk) SetPresence(ctx context.Context, u *kb.User, status string) error {
	if status != kb.PresenceOnline && status != kb.PresenceAway {
		return fmt.Errorf("presence %q: want online or away: %w", status, kb.ErrInvalid)
	}
	if err := d.Store.SetPresence(ctx, &kb.Presence{UserID: u.ID, Status: status, SeenAt: d.now()}); err != nil {
		return err
	}
	d.publish(Event{Type: EventQueue, StaffOnly: true})
	return nil
}

// Open hands conversation c to a person for the given reasons. A
// conversation already waiting or held keeps the hand-off it has.
func (d *Desk) Open(ctx context.Context, c *kb.Conversation, reasons []string, lang string) (*kb.Handoff, error) {
	open, err := d.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: c.ID, Status: []string{kb.HandoffQueued, kb.HandoffMessage, kb.HandoffClaimed}})
	if err != nil {
		return nil, err
	}
	if len(open) > 0 {
		return open[len(open)-1], nil
	}
	avail, err := d.Available(ctx, c.Collection)
	if err != nil {
		return nil, err
	}
	h := &kb.Handoff{ID: newID(), ConversationID: c.ID, Collection: c.Collection, Reasons: reasons,
		Status: kb.HandoffMessage, Lang: lang, Priority: Priority(reasons)}
	if avail {
		h.Status = kb.HandoffQueued
	}
	if err := d.Store.CreateHandoff(ctx, h); err != nil {
		return nil, err
	}
	if err := d.Store.SetConversationStatus(ctx, c.ID, kb.StatusHandoff); err != nil {
		return nil, err
	}
	c.Status = kb.StatusHandoff
	d.changed(ctx, h, "handoff.created")
	return h, nil
}

// changed publishes a hand-off's new state to the staff, to its customer,
// and to every other waiting customer whose place in the queue moved.
func (d *Desk) changed(ctx context.Context, h *kb.Handoff, event string) {
	d.publish(Event{Type: EventHandoff, ConversationID: h.ConversationID, Data: h, StaffOnly: true})
	d.publish(Event{Type: EventQueue, StaffOnly: true})
	d.notify(event, h)
	waiting, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Collection: h.Collection, Status: []string{kb.HandoffQueued}})
	if err != nil {
		return // the pages refetch on their next poll or reconnect
	}
	seen := false
	for _, w := range waiting {
		seen = seen || w.ID == h.ID
		if st, err := d.waiting(ctx, w); err == nil {
			d.publish(Event{Type: EventState, ConversationID: w.ConversationID, Data: st})
		}
	}
	if !seen {
		if st, err := d.waiting(ctx, h); err == nil {
			d.publish(Event{Type: EventState, ConversationID: h.ConversationID, Data: st})
		}
	}
}

// Waiting is what the customer sees of their hand-off.
type Waiting struct {
	Status     string `json:"status"` // none, queued, message, claimed, resolved, returned
	Position   int    `json:"position,omitempty"`
	ETASeconds int    `json:"eta_seconds,omitempty"`
	Agent      string `json:"agent,omitempty"`
	// ContactLeft is set once the customer left contact details.
	ContactLeft bool `json:"contact_left,omitempty"`
}

// State returns the customer's view of their conversation's latest hand-off.
func (d *Desk) State(ctx context.Context, conversationID string) (*Waiting, error) {
	hs, err := d.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: conversationID})
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return &Waiting{Status: "none"}, nil
	}
	return d.waiting(ctx, hs[len(hs)-1])
}

func (d *Desk) waiting(ctx context.Context, h *kb.Handoff) (*Waiting, error) {
	w := &Waiting{Status: h.Status, ContactLeft: h.Contact != ""}
	switch h.Status {
	case kb.HandoffClaimed:
		if u, err := d.Store.User(ctx, h.ClaimedBy); err == nil {
			w.Agent = u.Name
		}
	case kb.HandoffQueued:
		q, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Collection: h.Collection, Status: []string{kb.HandoffQueued}})
		if err != nil {
			return nil, err
		}
		SortQueue(q)
		for i, o := range q {
			if o.ID == h.ID {
				w.Position = i + 1
			}
		}
		eta, err := d.ETA(ctx, h.Collection, w.Position)
		if err != nil {
			return nil, err
		}
		w.ETASeconds = int(eta.Seconds())
	}
	return w, nil
}

// SortQueue orders waiting hand-offs: higher priority first, then the
// longest waiting.
func SortQueue(q []*kb.Handoff) {
	slices.SortStableFunc(q, func(a, b *kb.Handoff) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
}

// pickupSample is how many recent pick-ups estimate the wait.
const pickupSample = 20

// ETA estimates the wait of the customer at a queue position: the median
// time to pick-up over the collection's recent claims, times the position,
// shared among the agents online.
func (d *Desk) ETA(ctx context.Context, collection string, position int) (time.Duration, error) {
	if position < 1 {
		return 0, nil
	}
	recent, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Collection: collection, Status: []string{kb.HandoffClaimed, kb.HandoffResolved, kb.HandoffReturned}, Limit: pickupSample})
	if err != nil {
		return 0, err
	}
	var waits []time.Duration
	for _, h := range recent {
		if h.ClaimedAt != nil {
			waits = append(waits, h.ClaimedAt.Sub(h.CreatedAt))
		}
	}
	median := defaultWait
	if len(waits) > 0 {
		slices.Sort(waits)
		median = waits[len(waits)/2]
	}
	agents, err := d.OnlineAgents(ctx)
	if err != nil {
		return 0, err
	}
	return median * time.Duration(position) / time.Duration(max(agents, 1)), nil
}

// Queue lists the open hand-offs: waiting ones in priority order, then
// the ones agents hold.
func (d *Desk) Queue(ctx context.Context) ([]*kb.Handoff, error) {
	q, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffQueued, kb.HandoffMessage, kb.HandoffClaimed}})
	if err != nil {
		return nil, err
	}
	SortQueue(q)
	slices.SortStableFunc(q, func(a, b *kb.Handoff) int {
		return cmp.Compare(isHeld(a), isHeld(b))
	})
	return q, nil
}

func isHeld(h *kb.Handoff) int {
	if h.Status == kb.HandoffClaimed {
		return 1
	}
	return 0
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
	return h, nil
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
	return h, nil
}

// Transfer passes a held hand-off to another agent, by name.
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
	h.ClaimedBy = target.ID
	if err := d.Store.UpdateHandoff(ctx, h, kb.HandoffClaimed, u.ID); err != nil {
		return nil, err
	}
	d.changed(ctx, h, "handoff.transferred")
	return h, nil
}

// Close ends a held hand-off: resolved, or returned to the bot. Either way
// the conversation goes back to the bot for the customer's next question.
// outcome is the agent's verdict on the bot (may be empty).
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
	if err := d.Store.SetConversationStatus(ctx, h.ConversationID, kb.StatusBot); err != nil {
		return nil, err
	}
	if outcome == kb.OutcomeArticleMissing || outcome == kb.OutcomeArticleWrong {
		if err := d.recordVerdict(ctx, h); err != nil {
			return nil, err
		}
	}
	event := "handoff.resolved"
	if status == kb.HandoffReturned {
		event = "handoff.returned"
	}
	d.changed(ctx, h, event)
	return h, nil
}

// recordVerdict makes the question behind a hand-off the agent said the
// bot missed a miss, with the agent's reply as the answer it lacked.
func (d *Desk) recordVerdict(ctx context.Context, h *kb.Handoff) error {
	msgs, err := d.Store.Messages(ctx, h.ConversationID)
	if err != nil {
		return err
	}
	var q *kb.Message
	var seen []kb.Citation
	var replies []string
	for _, m := range msgs {
		switch {
		case m.Role == kb.RoleCustomer && !m.CreatedAt.After(h.CreatedAt):
			q, seen = m, nil
		case m.Role == kb.RoleBot && m.Reply != nil && q != nil && seen == nil:
			seen = m.Reply.Citations
		case m.Role == kb.RoleAgent && m.CreatedAt.After(h.CreatedAt):
			replies = append(replies, m.Text)
		}
	}
	if q == nil {
		return nil // the customer asked for a person before asking anything
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

// MaxContactRunes bounds the contact details a customer leaves.
const MaxContactRunes = 500

// LeaveContact records how to reach a customer whose hand-off found
// nobody available.
func (d *Desk) LeaveContact(ctx context.Context, conversationID, contact string) (*Waiting, error) {
	contact = strings.TrimSpace(contact)
	if contact == "" {
		return nil, fmt.Errorf("contact details are empty: %w", kb.ErrInvalid)
	}
	if n := utf8.RuneCountInString(contact); n > MaxContactRunes {
		return nil, fmt.Errorf("contact details are %d characters, the limit is %d: %w", n, MaxContactRunes, kb.ErrInvalid)
	}
	hs, err := d.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: conversationID, Status: []string{kb.HandoffQueued, kb.HandoffMessage, kb.HandoffClaimed}})
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("conversation %s is not waiting for a person: %w", conversationID, kb.ErrConflict)
	}
	h := hs[len(hs)-1]
	h.Contact = contact
	if err := d.Store.UpdateHandoff(ctx, h, h.Status, h.ClaimedBy); err != nil {
		return nil, err
	}
	d.changed(ctx, h, "handoff.contact")
	return d.waiting(ctx, h)
}

func newID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// Touch refreshes an agent's last sign of life, keeping their status;
// consoles call it while connected.
func (d *Desk) Touch(ctx context.Context, u *kb.User) error {
	ps, err := d.Store.Presences(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.UserID == u.ID {
			p.SeenAt = d.now()
			return d.Store.SetPresence(ctx, p)
		}
	}
	return nil
}
