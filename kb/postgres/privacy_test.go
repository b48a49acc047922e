package postgres

import (
	"context"
	"testing"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// Events relayed between nodes carry the customer's messages: erasing
// the conversation deletes them too, and only them.
func TestEraseDeletesRelayedEvents(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	defer s.Close()
	for _, id := range []string{"c0ffee00erase", "c0ffee00keep"} {
		if err := s.CreateConversation(ctx, &kb.Conversation{ID: id, Collection: "c1", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
			t.Fatal(err)
		}
		if err := s.PublishEvent(ctx, "n1", []byte(`{"type":"message","conversation_id":"`+id+`","message":{"text":"secret of `+id+`"}}`)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.EraseConversations(ctx, []string{"c0ffee00erase"}); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := s.pool.Query(ctx, `SELECT convert_from(payload, 'UTF8') FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		left = append(left, p)
	}
	if len(left) != 1 || left[0] != `{"type":"message","conversation_id":"c0ffee00keep","message":{"text":"secret of c0ffee00keep"}}` {
		t.Errorf("events left = %q, want only c0ffee00keep's", left)
	}
}
