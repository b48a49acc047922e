package escalate

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	// Forget, when set, hears which conversations were erased, so that
	// what is queued about them elsewhere (webhook deliveries) is dropped.
	Forget func(ctx context.Context, conversationIDs []string)
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
// person now: within business hours and with an agent online who may take
// it (Scope: once in a team, one serving the collection).
func (d *Desk) Available(ctx context.Context, collection string) (bool, error) {
	if d.Policies != nil && !d.Policies().For(collection).Hours.Open(d.now()) {
		return false, nil
	}
	ps, err := d.Store.Presences(ctx)
	if err != nil {
		return false, err
	}
	var teams []*kb.Team
	for _, p := range ps {
		if p.Status != kb.PresenceOnline || d.now().Sub(p.SeenAt) >= PresenceTTL {
			continue
		}
		if teams == nil {
			if teams, err = d.Store.Teams(ctx); err != nil {
				return false, err
			}
			if len(teams) == 0 {
				return true, nil // no teams: every agent takes every collection
			}
		}
		u, err := d.Store.User(ctx, p.UserID)
		if err != nil {
			continue // an account removed since
		}
		if u.Role == kb.UserAdmin || scopeOf(u, teams).AllowsCollection(collection) {
			return true, nil
		}
	}
	return false, nil
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
		if h.RoutedTo, err = d.route(ctx, c.Collection); err != nil {
			return nil, err
		}
	}
	if err := d.Store.CreateHandoff(ctx, h); err != nil {
		return nil, err
	}
	if err := d.Store.SetConversationStatus(ctx, c.ID, kb.StatusHandoff); err != nil {
		return nil, err
	}
	c.Status = kb.StatusHandoff
	if h.RoutedTo != "" {
		// The chosen agent hears of it first; then everyone, as always.
		d.publish(Event{Type: EventRouted, ConversationID: h.ConversationID, Data: h, StaffOnly: true})
	}
	d.changed(ctx, h, "handoff.created")
	return h, nil
}

// changed publishes a hand-off's new state to the staff, to its customer,
// and to every other waiting customer whose place in the queue moved.
func (d *Desk) changed(ctx context.Context, h *kb.Handoff, event string) {
	d.publish(Event{Type: EventHandoff, ConversationID: h.ConversationID, Data: h, StaffOnly: true})
	d.publish(Event{Type: EventQueue, StaffOnly: true})
	d.notify(event, h)
	queue, states, err := d.queueStates(ctx, h.Collection)
	if err != nil {
		return // the pages refetch on their next poll or reconnect
	}
	for _, w := range queue {
		d.publish(Event{Type: EventState, ConversationID: w.ConversationID, Data: states[w.ID]})
	}
	if states[h.ID] == nil {
		if st, err := d.waiting(ctx, h); err == nil {
			d.publish(Event{Type: EventState, ConversationID: h.ConversationID, Data: st})
		}
	}
}

// queueStates reads a collection's queue, its recent pick-ups and the
// agents online once, and returns the queue in order with each waiting
// customer's place and estimated wait by hand-off id.
func (d *Desk) queueStates(ctx context.Context, collection string) ([]*kb.Handoff, map[string]*Waiting, error) {
	q, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Collection: collection, Status: []string{kb.HandoffQueued}})
	if err != nil {
		return nil, nil, err
	}
	SortQueue(q)
	p, err := d.pace(ctx, collection)
	if err != nil {
		return nil, nil, err
	}
	states := make(map[string]*Waiting, len(q))
	for i, h := range q {
		states[h.ID] = &Waiting{Status: h.Status, ContactLeft: h.Contact != "", Position: i + 1, ETASeconds: int(p.eta(i + 1).Seconds())}
	}
	return q, states, nil
}

// Waiting is what the customer sees of their hand-off.
type Waiting struct {
	Status     string `json:"status"` // none, queued, message, claimed, resolved, returned
	Position   int    `json:"position,omitempty"`
	ETASeconds int    `json:"eta_seconds,omitempty"`
	Agent      string `json:"agent,omitempty"`
	// ContactLeft is set once the customer left contact details.
	ContactLeft bool `json:"contact_left,omitempty"`
	// Ended is set while the conversation an agent resolved, or the
	// customer ended, stays ended: the customer's next message needs a
	// new conversation or a reopen.
	Ended bool `json:"ended,omitempty"`
}

// State returns the customer's view of their conversation's latest hand-off.
func (d *Desk) State(ctx context.Context, conversationID string) (*Waiting, error) {
	hs, err := d.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: conversationID})
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 || hs[len(hs)-1].Status == kb.HandoffReturned {
		// The bot has the conversation, unless the customer ended it.
		w := &Waiting{Status: "none"}
		if len(hs) > 0 {
			w.Status = kb.HandoffReturned
		}
		c, err := d.Store.Conversation(ctx, conversationID)
		if err != nil && !errors.Is(err, kb.ErrNotFound) {
			return nil, err
		}
		w.Ended = err == nil && c.Status == kb.StatusClosed
		return w, nil
	}
	return d.waiting(ctx, hs[len(hs)-1])
}

func (d *Desk) waiting(ctx context.Context, h *kb.Handoff) (*Waiting, error) {
	w := &Waiting{Status: h.Status, ContactLeft: h.Contact != ""}
	switch h.Status {
	case kb.HandoffResolved:
		c, err := d.Store.Conversation(ctx, h.ConversationID)
		if err != nil {
			return nil, err
		}
		w.Ended = c.Status == kb.StatusClosed
	case kb.HandoffClaimed:
		if u, err := d.Store.User(ctx, h.ClaimedBy); err == nil {
			w.Agent = u.Name
		}
	case kb.HandoffQueued:
		_, states, err := d.queueStates(ctx, h.Collection)
		if err != nil {
			return nil, err
		}
		if st := states[h.ID]; st != nil {
			return st, nil
		}
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

// pace is what estimates waits in a collection's queue: the median time
// to pick-up over its recent claims, shared among the agents online.
type pace struct {
	median time.Duration
	agents int
}

// eta estimates the wait of the customer at a queue position.
func (p pace) eta(position int) time.Duration {
	if position < 1 {
		return 0
	}
	return p.median * time.Duration(position) / time.Duration(max(p.agents, 1))
}

func (d *Desk) pace(ctx context.Context, collection string) (pace, error) {
	recent, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Collection: collection, Status: []string{kb.HandoffClaimed, kb.HandoffResolved, kb.HandoffReturned}, Limit: pickupSample})
	if err != nil {
		return pace{}, err
	}
	var waits []time.Duration
	for _, h := range recent {
		if h.ClaimedAt != nil {
			waits = append(waits, h.ClaimedAt.Sub(h.CreatedAt))
		}
	}
	p := pace{median: defaultWait}
	if len(waits) > 0 {
		slices.Sort(waits)
		p.median = waits[len(waits)/2]
	}
	p.agents, err = d.OnlineAgents(ctx)
	return p, err
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
