package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// privacyFixture stores conversations of two customers, an anonymous
// follow-up of one, and a stranger's, each with a message, a hand-off and
// a miss, and returns the ids of customer k's conversations.
func privacyFixture(t *testing.T, s kb.Store) []string {
	t.Helper()
	ctx := context.Background()
	mk := func(id, collection, customer, previous string) {
		t.Helper()
		c := &kb.Conversation{ID: id, Collection: collection, Lang: "en", TokenHash: "t" + id, Status: kb.StatusBot, PreviousID: previous}
		if customer != "" {
			c.Context = &kb.CustomerContext{CustomerID: customer, Name: "Name of " + customer, Exp: 99}
		}
		if err := s.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		for _, m := range []*kb.Message{
			{ID: id + "-q", ConversationID: id, Role: kb.RoleCustomer, Text: "question in " + id},
			{ID: id + "-a", ConversationID: id, Role: kb.RoleBot, Text: "answer", Reply: &kb.Reply{Band: kb.BandAnswer}},
		} {
			if err := s.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetFeedback(ctx, id, id+"-a", -1); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateHandoff(ctx, &kb.Handoff{ID: id + "-h", ConversationID: id, Collection: collection, Status: kb.HandoffResolved, Contact: "mail of " + id}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddMiss(ctx, &kb.Miss{ID: id + "-m", Collection: collection, ConversationID: id, MessageID: id + "-q", Question: "question in " + id, Lang: "en", Trigger: kb.MissThumbsDown}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct start times
	}
	mk("k1", "c1", "cust-k", "")
	mk("k2", "c1", "", "k1")       // "New conversation" from k1, unsigned
	mk("o1", "c1", "cust-o", "k2") // another customer on the same device
	mk("k3", "c2", "cust-k", "")
	mk("z1", "c1", "", "")
	return []string{"k1", "k2", "k3"}
}

func conversationIDs(cs []*kb.Conversation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testCustomerConversations(t *testing.T, s kb.Store) {
	ctx := context.Background()
	want := privacyFixture(t, s)
	got, err := s.CustomerConversations(ctx, "cust-k")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(conversationIDs(got), want) {
		t.Errorf("CustomerConversations(cust-k) = %v, want %v", conversationIDs(got), want)
	}
	if got[0].Context == nil || got[0].Context.Name != "Name of cust-k" {
		t.Errorf("first conversation's context = %+v, want the signed one", got[0].Context)
	}
	if got, _ := s.CustomerConversations(ctx, "cust-o"); !slices.Equal(conversationIDs(got), []string{"o1"}) {
		t.Errorf("CustomerConversations(cust-o) = %v, want [o1]: k2 is k's", conversationIDs(got))
	}
	if got, err := s.CustomerConversations(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Errorf("CustomerConversations(nobody) = %v, %v; want none", conversationIDs(got), err)
	}
	if _, err := s.CustomerConversations(ctx, " "); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("CustomerConversations(blank) err = %v, want ErrInvalid", err)
	}
}

func testIdleConversations(t *testing.T, s kb.Store) {
	ctx := context.Background()
	privacyFixture(t, s)
	if err := s.SetConversationStatus(ctx, "k1", kb.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConversationStatus(ctx, "z1", kb.StatusHandoff); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	for _, c := range []struct {
		name string
		f    kb.IdleFilter
		want []string
	}{
		{"all but the one with a person", kb.IdleFilter{Before: later}, []string{"k1", "k2", "o1", "k3"}},
		{"one collection", kb.IdleFilter{Collection: "c2", Before: later}, []string{"k3"}},
		{"all but one collection", kb.IdleFilter{Except: []string{"c2"}, Before: later}, []string{"k1", "k2", "o1"}},
		{"limit", kb.IdleFilter{Before: later, Limit: 2}, []string{"k1", "k2"}},
		{"recent", kb.IdleFilter{Before: time.Now().Add(-time.Hour)}, nil},
	} {
		got, err := s.IdleConversations(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: IdleConversations = %v, want %v", c.name, got, c.want)
		}
	}
}

func testActiveConversations(t *testing.T, s kb.Store) {
	ctx := context.Background()
	privacyFixture(t, s)
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "e1", Collection: "c1", Lang: "en", TokenHash: "te1", Status: kb.StatusBot}); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	for _, c := range []struct {
		name       string
		collection string
		since      time.Time
		want       []string
	}{
		{"a collection, oldest first, none without messages", "c1", hourAgo, []string{"k1", "k2", "o1", "z1"}},
		{"another collection", "c2", hourAgo, []string{"k3"}},
		{"no message since", "c1", time.Now().Add(time.Hour), nil},
		{"unknown collection", "nope", hourAgo, nil},
	} {
		got, err := s.ActiveConversations(ctx, c.collection, c.since)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: ActiveConversations(%s) = %v, want %v", c.name, c.collection, got, c.want)
		}
	}
}

func testEraseConversations(t *testing.T, s kb.Store) {
	ctx := context.Background()
	ids := privacyFixture(t, s)
	n, err := s.EraseConversations(ctx, append(ids, "nope"))
	if err != nil || n != len(ids) {
		t.Fatalf("EraseConversations = %d, %v; want %d", n, err, len(ids))
	}
	for _, id := range ids {
		if _, err := s.Conversation(ctx, id); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("Conversation(%s) after erasure err = %v, want ErrNotFound", id, err)
		}
		if ms, _ := s.Messages(ctx, id); len(ms) != 0 {
			t.Errorf("Messages(%s) after erasure = %d, want 0", id, len(ms))
		}
		if hs, _ := s.Handoffs(ctx, kb.HandoffFilter{ConversationID: id}); len(hs) != 0 {
			t.Errorf("Handoffs(%s) after erasure = %d, want 0", id, len(hs))
		}
	}
	misses, _ := s.Misses(ctx, kb.MissFilter{})
	var missConvs []string
	for _, m := range misses {
		missConvs = append(missConvs, m.ConversationID)
	}
	if !slices.Equal(missConvs, []string{"o1", "z1"}) {
		t.Errorf("misses after erasure are of %v, want [o1 z1]", missConvs)
	}
	sums, _ := s.ConversationSummaries(ctx, "", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	var sumIDs []string
	for _, c := range sums {
		sumIDs = append(sumIDs, c.ID)
	}
	if !slices.Equal(sumIDs, []string{"o1", "z1"}) {
		t.Errorf("analytics count %v after erasure, want [o1 z1]", sumIDs)
	}
	rated, _ := s.RatedMessages(ctx)
	var ratedConvs []string
	for _, m := range rated {
		ratedConvs = append(ratedConvs, m.ConversationID)
	}
	if !slices.Equal(ratedConvs, []string{"o1", "z1"}) {
		t.Errorf("rated messages after erasure are of %v, want [o1 z1]", ratedConvs)
	}
	if got, _ := s.CustomerConversations(ctx, "cust-k"); len(got) != 0 {
		t.Errorf("CustomerConversations(cust-k) after erasure = %v", conversationIDs(got))
	}
	if n, err := s.EraseConversations(ctx, nil); err != nil || n != 0 {
		t.Errorf("EraseConversations(none) = %d, %v; want 0, nil", n, err)
	}
}
