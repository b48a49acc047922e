package escalate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/batonhq/baton/kb"
)

// Event types on the live streams.
const (
	EventMessage = "message" // a stored message (Data: *kb.Message)
	EventHandoff = "handoff" // a hand-off changed (Data: *kb.Handoff for staff, *Waiting for the customer)
	EventQueue   = "queue"   // the queue changed (staff; Data: nil, refetch)
	EventState   = "state"   // the customer's place in the queue (Data: *Waiting)
	EventJob     = "job"     // an ingestion job's progress (staff; Data: *kb.Job)
	// EventPolicies: the hand-off policies were changed (staff; Data: nil),
	// so nodes sharing a database reload them.
	EventPolicies = "policies"
	// EventRecalibrations: a node refitted the per-collection
	// recalibrations (staff; Data: nil), so nodes sharing a database
	// reload them.
	EventRecalibrations = "recalibrations"
	// EventWebhook: an admin changed the webhook's receiver (staff;
	// Data: nil), so nodes sharing a database apply it.
	EventWebhook = "webhook"
	// EventErased: the conversation was erased (Data: nil); its customer's
	// stream ends and consoles drop it.
	EventErased = "erased"
	// EventAccount: a member of staff's account changed (disabled, a new
	// role or password; staff; Data: the user id): their live streams
	// end, so a console signs in again under what the account may now do.
	EventAccount = "account"
	// EventRouted: least-busy routing chose an agent for a new hand-off
	// (staff; Data: *kb.Handoff, whose RoutedTo is the agent); only that
	// agent's stream carries it.
	EventRouted = "routed"
)

// UserID is the user id an EventAccount carries, from this node or
// another (DecodeEvent leaves it JSON).
func (e Event) UserID() string {
	switch d := e.Data.(type) {
	case string:
		return d
	case json.RawMessage:
		var id string
		if json.Unmarshal(d, &id) == nil {
			return id
		}
	}
	return ""
}

// Event is something that happened that a live page should show.
type Event struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversation_id,omitempty"`
	// Data is as the constants say, except that an event from another node
	// (DecodeEvent) holds any data other than a message as json.RawMessage.
	Data any `json:"data,omitempty"`
	// StaffOnly events never reach the customer's stream.
	StaffOnly bool `json:"-"`
}

// Broker fans events out to live subscribers in this process: each
// customer's page subscribes to its conversation, consoles to everything.
// A subscriber that falls behind loses events rather than slowing
// everyone; pages refetch state when they reconnect. With a forward func
// (SetForward) it also relays what is published here to the other nodes,
// whose events come back in through Deliver.
type Broker struct {
	mu      sync.Mutex
	staff   map[chan Event]struct{}
	convs   map[string]map[chan Event]struct{}
	forward func(Event)
}

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker {
	return &Broker{staff: map[chan Event]struct{}{}, convs: map[string]map[chan Event]struct{}{}}
}

// subscriberBuffer is how many events a subscriber may lag behind.
const subscriberBuffer = 64

// Subscribe returns a stream of one conversation's customer-visible
// events, or of every event when conversationID is empty (staff).
// Call cancel when done.
func (b *Broker) Subscribe(conversationID string) (events <-chan Event, cancel func()) {
	ch := make(chan Event, subscriberBuffer)
	b.mu.Lock()
	defer b.mu.Unlock()
	if conversationID == "" {
		b.staff[ch] = struct{}{}
	} else {
		if b.convs[conversationID] == nil {
			b.convs[conversationID] = map[chan Event]struct{}{}
		}
		b.convs[conversationID][ch] = struct{}{}
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.staff, ch)
			if subs := b.convs[conversationID]; subs != nil {
				delete(subs, ch)
				if len(subs) == 0 {
					delete(b.convs, conversationID)
				}
			}
		})
	}
}

// SetForward has Publish also hand every event to fn, nil to stop. fn is
// called in publishing order, under the broker's lock: it must not block
// or call back into the broker.
func (b *Broker) SetForward(fn func(Event)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forward = fn
}

// Publish delivers e to the staff and, unless it is staff-only, to the
// conversation's subscribers, and forwards it if SetForward asked. It
// never blocks.
func (b *Broker) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deliver(e)
	if b.forward != nil {
		b.forward(e)
	}
}

// Deliver delivers an event another node published to the local
// subscribers, as Publish does, without forwarding it again.
func (b *Broker) Deliver(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deliver(e)
}

// deliver offers e to the local subscribers; b.mu is held.
func (b *Broker) deliver(e Event) {
	for ch := range b.staff {
		offer(ch, e)
	}
	if e.StaffOnly || e.ConversationID == "" {
		return
	}
	for ch := range b.convs[e.ConversationID] {
		offer(ch, e)
	}
}

func offer(ch chan Event, e Event) {
	select {
	case ch <- e:
	default:
	}
}

// envelope is an event as it travels between nodes. A message keeps its
// type so that the receiving streams can show it per reader; any other
// data stays the JSON it was, which streams write out unchanged.
type envelope struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversation_id,omitempty"`
	StaffOnly      bool            `json:"staff_only,omitempty"`
	Message        *kb.Message     `json:"message,omitempty"`
	Data           json.RawMessage `json:"data,omitempty"`
}

// EncodeEvent encodes e for another node's DecodeEvent.
func EncodeEvent(e Event) ([]byte, error) {
	env := envelope{Type: e.Type, ConversationID: e.ConversationID, StaffOnly: e.StaffOnly}
	if m, ok := e.Data.(*kb.Message); ok {
		env.Message = m
	} else if e.Data != nil {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return nil, fmt.Errorf("encode %s event: %w", e.Type, err)
		}
		env.Data = data
	}
	return json.Marshal(env)
}

// DecodeEvent decodes an event EncodeEvent encoded: a message's Data is a
// *kb.Message again, any other data a json.RawMessage (nil when there was
// none).
func DecodeEvent(b []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	if env.Type == "" {
		return Event{}, fmt.Errorf("decode event: no type: %w", kb.ErrInvalid)
	}
	e := Event{Type: env.Type, ConversationID: env.ConversationID, StaffOnly: env.StaffOnly}
	switch {
	case env.Message != nil:
		e.Data = env.Message
	case len(env.Data) > 0 && !bytes.Equal(env.Data, []byte("null")):
		e.Data = env.Data
	}
	return e, nil
}
