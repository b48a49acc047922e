package escalate

import "sync"

// Event types on the live streams.
const (
	EventMessage = "message" // a stored message (Data: *kb.Message)
	EventHandoff = "handoff" // a hand-off changed (Data: *kb.Handoff for staff, *Waiting for the customer)
	EventQueue   = "queue"   // the queue changed (staff; Data: nil, refetch)
	EventState   = "state"   // the customer's place in the queue (Data: *Waiting)
	EventJob     = "job"     // an ingestion job's progress (staff; Data: *kb.Job)
)

// Event is something that happened that a live page should show.
type Event struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversation_id,omitempty"`
	Data           any    `json:"data,omitempty"`
	// StaffOnly events never reach the customer's stream.
	StaffOnly bool `json:"-"`
}

// Broker fans events out to live subscribers in this process: each
// customer's page subscribes to its conversation, consoles to everything.
// A subscriber that falls behind loses events rather than slowing
// everyone; pages refetch state when they reconnect.
type Broker struct {
	mu    sync.Mutex
	staff map[chan Event]struct{}
	convs map[string]map[chan Event]struct{}
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

// Publish delivers e to the staff and, unless it is staff-only, to the
// conversation's subscribers. It never blocks.
func (b *Broker) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
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
