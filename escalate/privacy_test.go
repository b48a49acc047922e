package escalate

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// TestSweepRetention on a stopped clock: a collection's conversations go
// once its retention period has passed since their last message, not
// before; one with a person stays; a collection with retention 0 keeps
// its conversations forever, one without a policy takes the default's;
// each erasure is audited, and erased conversations' streams end.
func TestSweepRetention(t *testing.T) {
	ctx := context.Background()
	d, clock, _ := newDesk(t, Hours{})
	cfg, err := ParseConfig([]byte("default:\n  retention_days: 30\ncollections:\n  shop:\n    retention_days: 7\n  forever:\n    retention_days: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	d.Policies = func() *Config { return cfg }
	*clock = time.Now().UTC()
	mk := func(id, collection, status string) {
		t.Helper()
		c := &kb.Conversation{ID: id, Collection: collection, Lang: "en", TokenHash: "x", Status: status}
		if err := d.Store.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := d.Store.AddMessage(ctx, &kb.Message{ID: id + "-q", ConversationID: id, Role: kb.RoleCustomer, Text: "text of " + id}); err != nil {
			t.Fatal(err)
		}
	}
	mk("shop-closed", "shop", kb.StatusClosed)
	mk("shop-bot", "shop", kb.StatusBot)
	mk("shop-waiting", "shop", kb.StatusHandoff)
	mk("forever-1", "forever", kb.StatusClosed)
	mk("other-1", "other", kb.StatusClosed)
	events, cancel := d.Events.Subscribe("shop-closed")
	defer cancel()

	left := func() []string {
		t.Helper()
		var out []string
		for _, id := range []string{"shop-closed", "shop-bot", "shop-waiting", "forever-1", "other-1"} {
			if _, err := d.Store.Conversation(ctx, id); err == nil {
				out = append(out, id)
			}
		}
		return out
	}
	for _, step := range []struct {
		after time.Duration
		want  []string
	}{
		{6 * 24 * time.Hour, []string{"shop-closed", "shop-bot", "shop-waiting", "forever-1", "other-1"}},
		{8 * 24 * time.Hour, []string{"shop-waiting", "forever-1", "other-1"}},
		{29 * 24 * time.Hour, []string{"shop-waiting", "forever-1", "other-1"}},
		{31 * 24 * time.Hour, []string{"shop-waiting", "forever-1"}},
		{3650 * 24 * time.Hour, []string{"shop-waiting", "forever-1"}},
	} {
		d.Now = func() time.Time { return clock.Add(step.after) }
		if _, err := d.SweepRetention(ctx); err != nil {
			t.Fatal(err)
		}
		if got := left(); !slices.Equal(got, step.want) {
			t.Errorf("%v on: conversations left %v, want %v", step.after, got, step.want)
		}
	}
	if ms, _ := d.Store.Messages(ctx, "shop-closed"); len(ms) != 0 {
		t.Errorf("an erased conversation keeps %d messages", len(ms))
	}
	select {
	case e := <-events:
		if e.Type != EventErased {
			t.Errorf("event on the erased conversation's stream = %s, want %s", e.Type, EventErased)
		}
	default:
		t.Error("no event on the erased conversation's stream")
	}
	log, _ := d.Store.Audit(ctx, kb.AuditFilter{Limit: 10})
	var got []string
	for _, e := range log {
		got = append(got, e.Actor+" "+e.Action+" "+e.Target)
		if strings.Contains(e.Detail, "text of") {
			t.Errorf("audit entry keeps the text: %+v", e)
		}
	}
	if want := []string{"system retention.erase (default policy)", "system retention.erase shop"}; !slices.Equal(got, want) {
		t.Errorf("audit = %q, want %q", got, want)
	}
}

func TestRetentionDaysValidated(t *testing.T) {
	if _, err := ParseConfig([]byte("default:\n  retention_days: -1\n")); err == nil {
		t.Error("retention_days -1 accepted")
	}
}

// cancelAfterErase is the store as it is, except that the context of the
// erasure ends as soon as the rows are gone, as at a shutdown mid-sweep.
type cancelAfterErase struct {
	kb.Store
	cancel context.CancelFunc
}

func (s cancelAfterErase) EraseConversations(ctx context.Context, ids []string) (int, error) {
	n, err := s.Store.EraseConversations(ctx, ids)
	s.cancel()
	return n, err
}

// TestEraseAuditedThoughCanceled: an erasure whose context ends once the
// rows are gone is still audited; an erasure never goes unrecorded.
func TestEraseAuditedThoughCanceled(t *testing.T) {
	d, _, _ := newDesk(t, Hours{})
	bg := context.Background()
	if err := d.Store.CreateConversation(bg, &kb.Conversation{ID: "c-1", Collection: "shop", Lang: "en", TokenHash: "x", Status: kb.StatusClosed}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	d.Store = cancelAfterErase{d.Store, cancel}
	if _, err := d.Erase(ctx, "system", "retention.erase", "shop", []string{"c-1"}); err != nil {
		t.Fatalf("erase: %v", err)
	}
	log, err := d.Store.Audit(bg, kb.AuditFilter{Limit: 10})
	if err != nil || len(log) != 1 || log[0].Action != "retention.erase" || !strings.Contains(log[0].Detail, "c-1") {
		t.Errorf("audit log = %v (%v), want the erasure of c-1", log, err)
	}
}
