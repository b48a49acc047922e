package escalate

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// An event relayed through EncodeEvent and DecodeEvent streams out as the
// original would: a message is a *kb.Message again (so each reader gets
// their own view of it), other data the same JSON, staff-only kept.
func TestEventRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	msg := &kb.Message{ID: "m1", ConversationID: "c1", Role: kb.RoleBot, Text: "Returns take **30 days**.", Negative: 0.25, Rephrase: true,
		Reply:     &kb.Reply{Text: "Returns take 30 days.", Confidence: 0.9, Band: kb.BandAnswer, Citations: []kb.Citation{{ArticleID: "default/returns", Title: "Returns", Score: 1.5}}},
		CreatedAt: at}
	tests := []struct {
		name string
		e    Event
	}{
		{"message", Event{Type: EventMessage, ConversationID: "c1", Data: msg}},
		{"staff-only hand-off", Event{Type: EventHandoff, ConversationID: "c1", StaffOnly: true,
			Data: &kb.Handoff{ID: "h1", ConversationID: "c1", Status: kb.HandoffClaimed, Reasons: []string{kb.ReasonExplicitRequest}, CreatedAt: at}}},
		{"customer state", Event{Type: EventState, ConversationID: "c1", Data: &Waiting{Status: kb.HandoffQueued, Position: 2, ETASeconds: 180}}},
		{"queue without data", Event{Type: EventQueue, StaffOnly: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeEvent(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeEvent(b)
			if err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if got.Type != tt.e.Type || got.ConversationID != tt.e.ConversationID || got.StaffOnly != tt.e.StaffOnly {
				t.Errorf("decoded %s/%s staff-only %v, want %s/%s staff-only %v",
					got.Type, got.ConversationID, got.StaffOnly, tt.e.Type, tt.e.ConversationID, tt.e.StaffOnly)
			}
			if m, ok := tt.e.Data.(*kb.Message); ok {
				if gm, ok := got.Data.(*kb.Message); !ok || !reflect.DeepEqual(gm, m) {
					t.Errorf("decoded message data = %#v, want %#v", got.Data, m)
				}
			}
			if tt.e.Data == nil && got.Data != nil {
				t.Errorf("decoded data = %#v, want none", got.Data)
			}
			want, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := json.Marshal(got); err != nil || string(out) != string(want) {
				t.Errorf("decoded event streams as %s (%v), want %s", out, err, want)
			}
		})
	}
	if _, err := DecodeEvent([]byte(`{"conversation_id":"c1"}`)); err == nil {
		t.Error("an event without a type decoded")
	}
	if _, err := DecodeEvent([]byte(`not json`)); err == nil {
		t.Error("garbage decoded")
	}
}

// Published events go to the local subscribers and are forwarded in
// order; delivered ones (from another node) reach the subscribers but are
// not forwarded back.
func TestBrokerForwardAndDeliver(t *testing.T) {
	b := NewBroker()
	var forwarded []string
	b.SetForward(func(e Event) { forwarded = append(forwarded, e.Type+":"+e.ConversationID) })
	staff, cancelStaff := b.Subscribe("")
	defer cancelStaff()
	cust, cancelCust := b.Subscribe("c1")
	defer cancelCust()

	b.Publish(Event{Type: EventMessage, ConversationID: "c1", Data: &kb.Message{ID: "m1"}})
	b.Publish(Event{Type: EventQueue, StaffOnly: true})
	b.Deliver(Event{Type: EventState, ConversationID: "c1", Data: json.RawMessage(`{"status":"claimed"}`)})
	b.Deliver(Event{Type: EventHandoff, ConversationID: "c1", StaffOnly: true})

	if want := []string{"message:c1", "queue:"}; !reflect.DeepEqual(forwarded, want) {
		t.Errorf("forwarded %v, want %v (delivered events stay on this node)", forwarded, want)
	}
	if got, want := drain(staff), []string{EventMessage, EventQueue, EventState, EventHandoff}; !reflect.DeepEqual(got, want) {
		t.Errorf("staff stream got %v, want %v", got, want)
	}
	if got, want := drain(cust), []string{EventMessage, EventState}; !reflect.DeepEqual(got, want) {
		t.Errorf("customer stream got %v, want %v (staff-only kept from it)", got, want)
	}

	b.SetForward(nil)
	b.Publish(Event{Type: EventQueue, StaffOnly: true})
	if len(forwarded) != 2 {
		t.Errorf("forwarded %v after SetForward(nil), want nothing more", forwarded)
	}
}

// drain returns the types of the events waiting on ch.
func drain(ch <-chan Event) []string {
	var types []string
	for {
		select {
		case e := <-ch:
			types = append(types, e.Type)
		default:
			return types
		}
	}
}
