package escalate

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/sqlite"
)

// newDesk returns a desk over a fresh store with a settable clock, agent
// ann (online unless away) and editor eve.
func newDesk(t *testing.T, hours Hours) (*Desk, *time.Time, *kb.User) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC) // a Monday
	cfg := NewConfig()
	cfg.Default.Hours = hours
	d := &Desk{Store: store, Events: NewBroker(), Policies: func() *Config { return cfg }, Now: func() time.Time { return clock }}
	ann := &kb.User{ID: "u-ann", Name: "ann", Role: kb.UserAgent, PasswordHash: "x"}
	for _, u := range []*kb.User{ann, {ID: "u-eve", Name: "eve", Role: kb.UserEditor, PasswordHash: "x"}} {
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return d, &clock, ann
}

func newConversation(t *testing.T, d *Desk, id string) *kb.Conversation {
	t.Helper()
	c := &kb.Conversation{ID: id, Collection: "default", Lang: "en", TokenHash: "x", Status: kb.StatusBot}
	if err := d.Store.CreateConversation(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeskOpenQueuesOnlyWhenSomeoneCanTakeIt(t *testing.T) {
	ctx := context.Background()
	d, clock, ann := newDesk(t, Hours{Timezone: "UTC", Week: map[string]string{"mon": "09:00-17:00"}})
	h, err := d.Open(ctx, newConversation(t, d, "c1"), []string{kb.ReasonLowConfidence}, "en")
	if err != nil || h.Status != kb.HandoffMessage {
		t.Fatalf("nobody online: status %v, %v; want message", h, err)
	}
	if err := d.SetPresence(ctx, ann, kb.PresenceOnline); err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Open(ctx, newConversation(t, d, "c2"), nil, "en"); h.Status != kb.HandoffQueued {
		t.Errorf("ann online in hours: status %s, want queued", h.Status)
	}
	*clock = clock.Add(8 * time.Hour) // 18:00, closed
	if err := d.SetPresence(ctx, ann, kb.PresenceOnline); err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Open(ctx, newConversation(t, d, "c3"), nil, "en"); h.Status != kb.HandoffMessage {
		t.Errorf("after hours: status %s, want message", h.Status)
	}
	*clock = clock.Add(-7 * time.Hour) // 11:00, in hours again; but ann has gone quiet
	if err := d.Store.SetPresence(ctx, &kb.Presence{UserID: ann.ID, Status: kb.PresenceOnline, SeenAt: clock.Add(-2 * PresenceTTL)}); err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Open(ctx, newConversation(t, d, "c4"), nil, "en"); h.Status != kb.HandoffMessage {
		t.Errorf("ann's console gone quiet: status %s, want message", h.Status)
	}
	again, err := d.Open(ctx, &kb.Conversation{ID: "c4", Collection: "default"}, []string{kb.ReasonExplicitRequest}, "en")
	if err != nil || again.ID == "" {
		t.Fatal(err)
	}
	if hs, _ := d.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: "c4"}); len(hs) != 1 {
		t.Errorf("second hand-off of a waiting conversation made %d hand-offs, want 1", len(hs))
	}
}

func TestDeskPositionAndETA(t *testing.T) {
	ctx := context.Background()
	d, clock, ann := newDesk(t, Hours{})
	if err := d.SetPresence(ctx, ann, kb.PresenceOnline); err != nil {
		t.Fatal(err)
	}
	open := func(id string, reasons ...string) *kb.Handoff {
		h, err := d.Open(ctx, newConversation(t, d, id), reasons, "en")
		if err != nil {
			t.Fatal(err)
		}
		*clock = clock.Add(time.Second)
		return h
	}
	// No history: 3 minutes a place.
	first := open("c1", kb.ReasonLowConfidence)
	st, err := d.State(ctx, "c1")
	if err != nil || st.Position != 1 || st.ETASeconds != 180 {
		t.Fatalf("State = %+v, %v; want position 1, eta 180", st, err)
	}
	// An explicit request goes ahead of the earlier low-confidence one.
	open("c2", kb.ReasonExplicitRequest)
	if st, _ := d.State(ctx, "c1"); st.Position != 2 || st.ETASeconds != 360 {
		t.Errorf("after an urgent hand-off, c1 = %+v; want position 2, eta 360", st)
	}
	// Picking up after 60 s makes the median 60 s.
	*clock = first.CreatedAt.Add(60 * time.Second)
	if _, err := d.Claim(ctx, ann, first.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := d.State(ctx, "c2"); st.Position != 1 || st.ETASeconds != 60 {
		t.Errorf("c2 = %+v; want position 1, eta 60", st)
	}
	if st, _ := d.State(ctx, "c1"); st.Status != kb.HandoffClaimed || st.Agent != "ann" {
		t.Errorf("c1 = %+v; want claimed by ann", st)
	}
	if st, _ := d.State(ctx, "nobody"); st.Status != "none" {
		t.Errorf("conversation without hand-off: %+v", st)
	}
}

func TestDeskOwnership(t *testing.T) {
	ctx := context.Background()
	d, _, ann := newDesk(t, Hours{})
	eve, _ := d.Store.UserByName(ctx, "eve")
	bob := &kb.User{ID: "u-bob", Name: "bob", Role: kb.UserAgent, PasswordHash: "x"}
	if err := d.Store.CreateUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	h, _ := d.Open(ctx, newConversation(t, d, "c1"), nil, "en")
	if _, err := d.Claim(ctx, eve, h.ID); !errors.Is(err, kb.ErrForbidden) {
		t.Errorf("editor claim: %v, want ErrForbidden", err)
	}
	if _, err := d.Reply(ctx, ann, h.ID, "hi"); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("reply before claiming: %v, want ErrConflict", err)
	}
	if _, err := d.Claim(ctx, ann, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim(ctx, bob, h.ID); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("second claim: %v, want ErrConflict", err)
	}
	for name, err := range map[string]error{
		"bob replies":   second(d.Reply(ctx, bob, h.ID, "hi")),
		"bob releases":  second(d.Release(ctx, bob, h.ID)),
		"bob resolves":  second(d.Close(ctx, bob, h.ID, kb.HandoffResolved, "")),
		"bob transfers": second(d.Transfer(ctx, bob, h.ID, "bob")),
	} {
		if !errors.Is(err, kb.ErrConflict) {
			t.Errorf("%s a hand-off ann holds: %v, want ErrConflict", name, err)
		}
	}
	if _, err := d.Transfer(ctx, ann, h.ID, "eve"); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("transfer to an editor: %v, want ErrInvalid", err)
	}
	gone := &kb.User{ID: "u-gone", Name: "gone", Role: kb.UserAgent, Disabled: true, PasswordHash: "x"}
	if err := d.Store.CreateUser(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Transfer(ctx, ann, h.ID, "gone"); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("transfer to a disabled agent: %v, want ErrInvalid", err)
	}
	if _, err := d.Close(ctx, ann, h.ID, kb.HandoffResolved, "meh"); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("unknown outcome: %v, want ErrInvalid", err)
	}
	if _, err := d.Reply(ctx, ann, h.ID, "  "); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("empty reply: %v, want ErrInvalid", err)
	}
	m, err := d.Reply(ctx, ann, h.ID, "Hello, Ann here")
	if err != nil || m.Author != "ann" || m.Role != kb.RoleAgent {
		t.Fatalf("reply = %+v, %v", m, err)
	}
	if _, err := d.Transfer(ctx, ann, h.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	got, err := d.Close(ctx, bob, h.ID, kb.HandoffReturned, kb.OutcomeNeedlessHandoff)
	if err != nil || got.Status != kb.HandoffReturned || got.ClosedAt == nil {
		t.Fatalf("hand back = %+v, %v", got, err)
	}
	if c, _ := d.Store.Conversation(ctx, "c1"); c.Status != kb.StatusBot {
		t.Errorf("conversation after hand back is %s, want bot", c.Status)
	}
}

func second[T any](_ T, err error) error { return err }

// TestDeskActionsAudited: every desk action is in the audit log, by whom,
// on which hand-off, with the transfer's target and the verdict.
func TestDeskActionsAudited(t *testing.T) {
	ctx := context.Background()
	d, _, ann := newDesk(t, Hours{})
	bob := &kb.User{ID: "u-bob", Name: "bob", Role: kb.UserAgent, PasswordHash: "x"}
	if err := d.Store.CreateUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	h, err := d.Open(ctx, newConversation(t, d, "c1"), []string{kb.ReasonLowConfidence}, "en")
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() (*kb.Handoff, error){
		func() (*kb.Handoff, error) { return d.Claim(ctx, ann, h.ID) },
		func() (*kb.Handoff, error) { return d.Release(ctx, ann, h.ID) },
		func() (*kb.Handoff, error) { return d.Claim(ctx, ann, h.ID) },
		func() (*kb.Handoff, error) { return d.Transfer(ctx, ann, h.ID, "bob") },
		func() (*kb.Handoff, error) { return d.Close(ctx, bob, h.ID, kb.HandoffResolved, kb.OutcomeBotRight) },
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	log, err := d.Store.Audit(ctx, kb.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		if e.Target != h.ID {
			t.Errorf("audit entry %s targets %q, want the hand-off %s", e.Action, e.Target, h.ID)
		}
		got = append(got, e.Actor+" "+e.Action+": "+e.Detail)
	}
	slices.Reverse(got) // the log lists the newest first
	want := []string{
		"ann handoff.claim: conversation c1",
		"ann handoff.release: conversation c1",
		"ann handoff.claim: conversation c1",
		"ann handoff.transfer: conversation c1, from ann to bob",
		"bob handoff.resolve: conversation c1, verdict " + kb.OutcomeBotRight,
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
