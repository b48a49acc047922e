// Package storetest is the conformance suite every kb.Store backend passes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// Run runs the suite; open returns a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) kb.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s kb.Store)
	}{
		{"ArticleVersions", testArticleVersions},
		{"ArticleNotFound", testArticleNotFound},
		{"ArticlesBySource", testArticlesBySource},
		{"Conversation", testConversation},
		{"EarlierConversations", testEarlierConversations},
		{"Handoffs", testHandoffs},
		{"ClaimRace", testClaimRace},
		{"UsersAndSessions", testUsersAndSessions},
		{"UpdateUser", testUpdateUser},
		{"LastAdmin", testLastAdmin},
		{"APIKeys", testAPIKeys},
		{"Feedback", testFeedback},
		{"Ratings", testRatings},
		{"UpdateArticleVersionCheck", testUpdateArticle},
		{"Drafts", testDrafts},
		{"JobsAndAudit", testJobsAndAudit},
		{"JobClaims", testJobClaims},
		{"JobLeaseExtended", testJobLeaseExtended},
		{"Misses", testMisses},
		{"Vectors", testVectors},
		{"CustomerConversations", testCustomerConversations},
		{"IdleConversations", testIdleConversations},
		{"ActiveConversations", testActiveConversations},
		{"EraseConversations", testEraseConversations},
		{"Outbox", testOutbox},
		{"OutboxOrder", testOutboxOrder},
		{"CountDeliveries", testCountDeliveries},
		{"EraseDeliveries", testEraseDeliveries},
		{"Teams", testTeams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

func article(id, body, hash string) *kb.Article {
	return &kb.Article{ID: id, Collection: "c1", Title: "T " + id, Body: body, Questions: []string{"q1", "q2"}, Tags: []string{}, Lang: "en", Source: "src.md", Hash: hash}
}

func testArticleVersions(t *testing.T, s kb.Store) {
	ctx := context.Background()
	a := article("a1", "one", "h1")
	chunks := []kb.Chunk{{ID: "a1#0", ArticleID: "a1", Text: "one"}}
	changed, err := s.PutArticle(ctx, a, chunks)
	if err != nil || !changed || a.Version != 1 {
		t.Fatalf("first put: changed=%v version=%d err=%v, want true 1 nil", changed, a.Version, err)
	}
	changed, err = s.PutArticle(ctx, article("a1", "one", "h1"), chunks)
	if err != nil || changed {
		t.Fatalf("same hash: changed=%v err=%v, want false nil", changed, err)
	}
	b := article("a1", "two", "h2")
	chunks2 := []kb.Chunk{{ID: "a1#0", ArticleID: "a1", Text: "two"}, {ID: "a1#1", ArticleID: "a1", Ord: 1, Text: "more"}}
	changed, err = s.PutArticle(ctx, b, chunks2)
	if err != nil || !changed || b.Version != 2 {
		t.Fatalf("new hash: changed=%v version=%d err=%v, want true 2 nil", changed, b.Version, err)
	}
	got, err := s.Article(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "two" || got.Version != 2 || len(got.Questions) != 2 {
		t.Errorf("stored article = %+v, want body two, version 2, 2 questions", got)
	}
	cs, err := s.Chunks(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[1].Text != "more" {
		t.Errorf("chunks = %+v, want the 2 new ones", cs)
	}
	if err := s.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Chunks(ctx, "a1"); len(cs) != 0 {
		t.Errorf("chunks after delete = %d, want 0", len(cs))
	}
}

func testArticleNotFound(t *testing.T, s kb.Store) {
	ctx := context.Background()
	if _, err := s.Article(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Article(nope) err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteArticle(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("DeleteArticle(nope) err = %v, want ErrNotFound", err)
	}
	if _, err := s.Conversation(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Conversation(nope) err = %v, want ErrNotFound", err)
	}
	if _, err := s.PutArticle(ctx, &kb.Article{ID: "x"}, nil); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("PutArticle without hash err = %v, want ErrInvalid", err)
	}
}

func testArticlesBySource(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, id := range []string{"b", "a"} {
		if _, err := s.PutArticle(ctx, article(id, "x", "h"+id), nil); err != nil {
			t.Fatal(err)
		}
	}
	other := article("c", "x", "hc")
	other.Source = "other.md"
	if _, err := s.PutArticle(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	ids, err := s.ArticlesBySource(ctx, "c1", "src.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != "a" || ids[1] != "b" {
		t.Errorf("ArticlesBySource = %v, want [a b]", ids)
	}
	all, err := s.Articles(ctx, "c1")
	if err != nil || len(all) != 3 {
		t.Errorf("Articles(c1) = %d, %v; want 3", len(all), err)
	}
	none, err := s.Articles(ctx, "c2")
	if err != nil || len(none) != 0 {
		t.Errorf("Articles(c2) = %d, %v; want 0", len(none), err)
	}
}

// A customer's history: the same signed customer id, or the chain of
// conversations started one from another; never someone else's, never a
// later one.
func testEarlierConversations(t *testing.T, s kb.Store) {
	ctx := context.Background()
	mk := func(id, customer, previous string) {
		t.Helper()
		c := &kb.Conversation{ID: id, Collection: "c1", Lang: "en", TokenHash: "t" + id, Status: kb.StatusBot, PreviousID: previous}
		if customer != "" {
			c.Context = &kb.CustomerContext{CustomerID: customer, Exp: 99}
		}
		if err := s.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct start times
	}
	mk("a1", "cust-a", "")
	mk("b1", "cust-b", "")
	mk("x1", "", "")   // anonymous
	mk("x2", "", "x1") // "New conversation" from x1
	mk("a2", "cust-a", "x2")
	mk("x3", "", "")
	mk("a3", "cust-a", "")
	ids := func(id string, limit int) []string {
		t.Helper()
		cs, err := s.EarlierConversations(ctx, id, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, c := range []struct {
		id    string
		limit int
		want  []string
	}{
		{"a3", 10, []string{"a2", "x2", "x1", "a1"}},
		{"a3", 2, []string{"a2", "x2"}},
		{"a2", 10, []string{"x2", "x1", "a1"}},
		{"a1", 10, nil},
		{"x2", 10, []string{"x1"}},
		{"x3", 10, nil},
		{"b1", 10, nil},
	} {
		if got := ids(c.id, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("EarlierConversations(%s, %d) = %v, want %v", c.id, c.limit, got, c.want)
		}
	}
	if got, _ := s.Conversation(ctx, "x2"); got.PreviousID != "x1" {
		t.Errorf("PreviousID = %q, want x1", got.PreviousID)
	}
}

func testConversation(t *testing.T, s kb.Store) {
	ctx := context.Background()
	c := &kb.Conversation{ID: "conv1", Collection: "c1", Lang: "auto", TokenHash: "th", Status: kb.StatusBot}
	if err := s.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	cc := &kb.CustomerContext{Name: "Li Lei", CustomerID: "c-9", OrderID: "o-1", Locale: "zh-CN", Stage: "after_sales", Exp: 99}
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "conv2", Collection: "c1", Lang: "zh", TokenHash: "t2", Status: kb.StatusBot, Context: cc}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Conversation(ctx, "conv2"); err != nil || got.Context == nil || *got.Context != *cc {
		t.Errorf("customer context = %+v, %v; want %+v", got.Context, err, cc)
	}
	if got, _ := s.Conversation(ctx, "conv1"); got.Context != nil {
		t.Errorf("conversation without context got %+v", got.Context)
	}
	msgs := []*kb.Message{
		{ID: "m1", ConversationID: "conv1", Role: kb.RoleCustomer, Text: "hello"},
		{ID: "m2", ConversationID: "conv1", Role: kb.RoleBot, Text: "hi", Reply: &kb.Reply{Text: "hi", Confidence: 0.7, Band: kb.BandAnswer, Citations: []kb.Citation{{ArticleID: "a"}}}},
		{ID: "m3", ConversationID: "conv1", Role: kb.RoleCustomer, Text: "thanks"},
	}
	for _, m := range msgs {
		if err := s.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutArticle(ctx, article("a", "body", "h"), nil); err != nil {
		t.Fatal(err)
	}
	if cs, err := s.Collections(ctx); err != nil || !slices.Equal(cs, []string{"c1"}) {
		t.Errorf("Collections = %v, %v; want [c1]", cs, err)
	}
	if got, err := s.MostAnswered(ctx, "c1", time.Now().Add(-time.Hour), 5); err != nil || len(got) != 1 || got[0] != (kb.ArticleCount{ArticleID: "a", Count: 1}) {
		t.Errorf("MostAnswered = %v, %v; want a once", got, err)
	}
	if got, err := s.MostAnswered(ctx, "c1", time.Now().Add(time.Hour), 5); err != nil || len(got) != 0 {
		t.Errorf("MostAnswered since the future = %v, %v; want none", got, err)
	}
	got, err := s.Messages(ctx, "conv1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "m1" || got[2].ID != "m3" {
		t.Fatalf("messages out of order: %+v", got)
	}
	if got[1].Reply == nil || got[1].Reply.Confidence != 0.7 || got[1].Reply.Citations[0].ArticleID != "a" {
		t.Errorf("bot reply not kept: %+v", got[1].Reply)
	}
	if err := s.SetMessageSignals(ctx, "m3", 0.8, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMessageSignals(ctx, "nope", 0.8, true); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("SetMessageSignals(nope) err = %v, want ErrNotFound", err)
	}
	got, _ = s.Messages(ctx, "conv1")
	if got[2].Negative != 0.8 || !got[2].Rephrase || got[0].Negative != 0 || got[0].Rephrase {
		t.Errorf("signals = %+v / %+v, want only m3 set", got[2], got[0])
	}
	if err := s.SetConversationStatus(ctx, "conv1", kb.StatusHandoff); err != nil {
		t.Fatal(err)
	}
	c2, err := s.Conversation(ctx, "conv1")
	if err != nil || c2.Status != kb.StatusHandoff || c2.TokenHash != "th" {
		t.Errorf("conversation = %+v, %v; want status handoff, token hash kept", c2, err)
	}
	if err := s.SetConversationStatus(ctx, "nope", kb.StatusHandoff); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("SetConversationStatus(nope) err = %v, want ErrNotFound", err)
	}
	if err := s.AddMessage(ctx, &kb.Message{ID: "m9", ConversationID: "nope", Role: kb.RoleCustomer, Text: "x"}); err == nil {
		t.Errorf("AddMessage to unknown conversation succeeded")
	}
}

func testHandoffs(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, id := range []string{"conv1", "conv2"} {
		if err := s.CreateConversation(ctx, &kb.Conversation{ID: id, Collection: "c1", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
			t.Fatal(err)
		}
	}
	h := &kb.Handoff{ID: "h1", ConversationID: "conv1", Collection: "c1", Reasons: []string{kb.ReasonLowConfidence, kb.ReasonExplicitRequest}, Status: kb.HandoffQueued, Lang: "en", Priority: 1, RoutedTo: "u1"}
	if err := s.CreateHandoff(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateHandoff(ctx, &kb.Handoff{ID: "h2", ConversationID: "conv2", Collection: "c2", Status: kb.HandoffMessage}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffQueued}})
	if err != nil || len(got) != 1 || len(got[0].Reasons) != 2 || got[0].Reasons[1] != kb.ReasonExplicitRequest || got[0].Priority != 1 || got[0].Lang != "en" {
		t.Errorf("Handoffs(queued) = %+v, %v", got, err)
	}
	if got, _ := s.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffQueued, kb.HandoffMessage}}); len(got) != 2 {
		t.Errorf("Handoffs(queued, message) = %d, want 2", len(got))
	}
	if got, _ := s.Handoffs(ctx, kb.HandoffFilter{Collection: "c2"}); len(got) != 1 || got[0].ID != "h2" || got[0].RoutedTo != "" {
		t.Errorf("Handoffs(collection c2) = %+v", got)
	}
	if got, _ := s.Handoffs(ctx, kb.HandoffFilter{ConversationID: "conv1"}); len(got) != 1 || got[0].ID != "h1" {
		t.Errorf("Handoffs(conversation conv1) = %+v", got)
	}
	if got, _ := s.Handoffs(ctx, kb.HandoffFilter{Limit: 1}); len(got) != 1 {
		t.Errorf("Handoffs(limit 1) = %d, want 1", len(got))
	}
	if got, _ := s.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffResolved}}); len(got) != 0 {
		t.Errorf("Handoffs(resolved) = %d, want 0", len(got))
	}
	if _, err := s.Handoff(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Handoff(nope) err = %v, want ErrNotFound", err)
	}

	// Claim: a compare-and-set on status and owner.
	at := time.Now().UTC().Truncate(time.Millisecond)
	claim := *h
	claim.Status, claim.ClaimedBy, claim.ClaimedAt = kb.HandoffClaimed, "u1", &at
	if err := s.UpdateHandoff(ctx, &claim, kb.HandoffQueued, ""); err != nil {
		t.Fatal(err)
	}
	other := *h
	other.Status, other.ClaimedBy = kb.HandoffClaimed, "u2"
	if err := s.UpdateHandoff(ctx, &other, kb.HandoffQueued, ""); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("second claim err = %v, want ErrConflict", err)
	}
	if err := s.UpdateHandoff(ctx, &kb.Handoff{ID: "nope"}, kb.HandoffQueued, ""); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("update of unknown handoff err = %v, want ErrNotFound", err)
	}
	h1, err := s.Handoff(ctx, "h1")
	if err != nil || h1.ClaimedBy != "u1" || h1.Status != kb.HandoffClaimed || h1.ClaimedAt == nil || !h1.ClaimedAt.Equal(at) || h1.ClosedAt != nil || h1.RoutedTo != "u1" {
		t.Errorf("after claim = %+v, %v", h1, err)
	}
	h1.Status, h1.Outcome, h1.ClosedAt = kb.HandoffResolved, kb.OutcomeArticleMissing, &at
	if err := s.UpdateHandoff(ctx, h1, kb.HandoffClaimed, "u1"); err != nil {
		t.Fatal(err)
	}
	if h1, _ = s.Handoff(ctx, "h1"); h1.Outcome != kb.OutcomeArticleMissing || h1.ClosedAt == nil || h1.Open() {
		t.Errorf("after resolve = %+v", h1)
	}
}

// testClaimRace has many agents claim one hand-off at once: exactly one wins.
func testClaimRace(t *testing.T, s kb.Store) {
	ctx := context.Background()
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "conv1", Collection: "c1", Lang: "en", TokenHash: "x", Status: kb.StatusHandoff}); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		id := fmt.Sprintf("h%d", round)
		if err := s.CreateHandoff(ctx, &kb.Handoff{ID: id, ConversationID: "conv1", Collection: "c1", Status: kb.HandoffQueued}); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for agent := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := &kb.Handoff{ID: id, Status: kb.HandoffClaimed, ClaimedBy: fmt.Sprintf("u%d", agent)}
				err := s.UpdateHandoff(ctx, h, kb.HandoffQueued, "")
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, kb.ErrConflict):
					t.Errorf("claim: %v", err)
				}
			}()
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d agents won the claim, want 1", round, n)
		}
	}
}

func testUsersAndSessions(t *testing.T, s kb.Store) {
	ctx := context.Background()
	u := &kb.User{ID: "u1", Name: "ann", Role: kb.UserAgent, PasswordHash: "h1"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, &kb.User{ID: "u2", Name: "ann", Role: kb.UserAdmin, PasswordHash: "h"}); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("duplicate name err = %v, want ErrConflict", err)
	}
	got, err := s.UserByName(ctx, "ann")
	if err != nil || got.ID != "u1" || got.Role != kb.UserAgent || got.PasswordHash != "h1" {
		t.Errorf("UserByName = %+v, %v", got, err)
	}
	if _, err := s.User(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("User(nope) err = %v, want ErrNotFound", err)
	}
	if err := s.CreateSession(ctx, &kb.Session{IDHash: "s1", UserID: "u1", CSRF: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, &kb.Session{IDHash: "old", UserID: "u1", CSRF: "c", ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if sess, err := s.Session(ctx, "s1"); err != nil || sess.UserID != "u1" || sess.CSRF != "c" {
		t.Errorf("Session(s1) = %+v, %v", sess, err)
	}
	if _, err := s.Session(ctx, "old"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("expired session err = %v, want ErrNotFound", err)
	}
	if err := s.SetPassword(ctx, "u1", "h2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "s1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("session survived a password change: %v", err)
	}
	if err := s.CreateSession(ctx, &kb.Session{IDHash: "s2", UserID: "u1", CSRF: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "s2"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("deleted session err = %v, want ErrNotFound", err)
	}
	for _, k := range []*kb.APIKey{{ID: "k1", UserID: "u1", KeyHash: "kh1"}, {ID: "k2", UserID: "u1", KeyHash: "kh2"}} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if k, err := s.APIKeyByHash(ctx, "kh2"); err != nil || k.ID != "k2" || k.UserID != "u1" {
		t.Errorf("APIKeyByHash(kh2) = %+v, %v", k, err)
	}
	if n, err := s.RevokeAPIKeys(ctx, "u1"); err != nil || n != 2 {
		t.Errorf("RevokeAPIKeys = %d, %v; want 2", n, err)
	}
	if _, err := s.APIKeyByHash(ctx, "kh1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("revoked key still found: %v", err)
	}
	seen := time.Now().UTC().Truncate(time.Millisecond)
	for _, st := range []string{kb.PresenceAway, kb.PresenceOnline} {
		if err := s.SetPresence(ctx, &kb.Presence{UserID: "u1", Status: st, SeenAt: seen}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := s.Presences(ctx)
	if err != nil || len(ps) != 1 || ps[0].Status != kb.PresenceOnline || ps[0].Name != "ann" || !ps[0].SeenAt.Equal(seen) {
		t.Errorf("Presences = %+v, %v", ps, err)
	}
}

func testUpdateUser(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, u := range []*kb.User{
		{ID: "u1", Name: "root", Role: kb.UserAdmin, PasswordHash: "h"},
		{ID: "u2", Name: "ann", Role: kb.UserAgent, PasswordHash: "h"},
	} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := s.User(ctx, "u2"); err != nil || u.Disabled {
		t.Fatalf("new user = %+v, %v; want enabled", u, err)
	}
	for _, id := range []string{"s1", "s2"} {
		if err := s.CreateSession(ctx, &kb.Session{IDHash: id, UserID: map[string]string{"s1": "u1", "s2": "u2"}[id], CSRF: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.UpdateUser(ctx, &kb.User{ID: "u2", Role: kb.UserEditor, Disabled: true}); err != nil {
		t.Fatalf("disable ann: %v", err)
	}
	u, err := s.User(ctx, "u2")
	if err != nil || u.Role != kb.UserEditor || !u.Disabled || u.Name != "ann" || u.PasswordHash != "h" {
		t.Errorf("after UpdateUser: %+v, %v; want ann, editor, disabled, password kept", u, err)
	}
	if us, err := s.Users(ctx); err != nil || len(us) != 2 || us[0].Name != "ann" || !us[0].Disabled || us[1].Disabled {
		t.Errorf("Users = %+v, %v; want ann disabled, root enabled", us, err)
	}
	if _, err := s.Session(ctx, "s2"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("a disabled user's session survived: %v", err)
	}
	if _, err := s.Session(ctx, "s1"); err != nil {
		t.Errorf("another user's session ended with ann's: %v", err)
	}
	if err := s.UpdateUser(ctx, &kb.User{ID: "u2", Role: kb.UserAgent}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByName(ctx, "ann"); err != nil || u.Disabled || u.Role != kb.UserAgent {
		t.Errorf("enabled again: %+v, %v", u, err)
	}
	if err := s.UpdateUser(ctx, &kb.User{ID: "nope", Role: kb.UserAgent}); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("UpdateUser(nope) err = %v, want ErrNotFound", err)
	}
	// A disabled account can be created (an import, say) and is kept so.
	if err := s.CreateUser(ctx, &kb.User{ID: "u3", Name: "gone", Role: kb.UserAgent, Disabled: true, PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, "u3"); err != nil || !u.Disabled {
		t.Errorf("created disabled: %+v, %v", u, err)
	}
}

// testLastAdmin: the last enabled admin can be neither demoted nor
// disabled; with several, any can go, but of all stepping down at once
// one stays.
func testLastAdmin(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, u := range []*kb.User{
		{ID: "a1", Name: "root", Role: kb.UserAdmin, PasswordHash: "h"},
		{ID: "a2", Name: "boss", Role: kb.UserAdmin, PasswordHash: "h"},
		{ID: "a3", Name: "old", Role: kb.UserAdmin, Disabled: true, PasswordHash: "h"},
		{ID: "e1", Name: "eve", Role: kb.UserEditor, PasswordHash: "h"},
	} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.UpdateUser(ctx, &kb.User{ID: "a2", Role: kb.UserAdmin, Disabled: true}); err != nil {
		t.Fatalf("disable one of two admins: %v", err)
	}
	for _, tt := range []struct {
		name string
		u    *kb.User
	}{
		{"demote the last admin", &kb.User{ID: "a1", Role: kb.UserEditor}},
		{"disable the last admin", &kb.User{ID: "a1", Role: kb.UserAdmin, Disabled: true}},
	} {
		if err := s.UpdateUser(ctx, tt.u); !errors.Is(err, kb.ErrConflict) {
			t.Errorf("%s: err = %v, want ErrConflict", tt.name, err)
		}
	}
	if u, err := s.User(ctx, "a1"); err != nil || u.Role != kb.UserAdmin || u.Disabled {
		t.Errorf("the last admin after the refused changes: %+v, %v", u, err)
	}
	// Changes that leave an enabled admin are fine: others' roles, a
	// disabled admin's, the last admin's own unchanged.
	for _, u := range []*kb.User{
		{ID: "e1", Role: kb.UserAgent},
		{ID: "a3", Role: kb.UserEditor, Disabled: true},
		{ID: "a1", Role: kb.UserAdmin},
	} {
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Errorf("UpdateUser(%s to %s, disabled %v): %v", u.ID, u.Role, u.Disabled, err)
		}
	}
	// Eight admins all step down at once: exactly one must stay.
	admins := []string{"a1", "a2"}
	for i := range 6 {
		id := fmt.Sprintf("x%d", i)
		if err := s.CreateUser(ctx, &kb.User{ID: id, Name: "admin-" + id, Role: kb.UserAdmin, PasswordHash: "h"}); err != nil {
			t.Fatal(err)
		}
		admins = append(admins, id)
	}
	if err := s.UpdateUser(ctx, &kb.User{ID: "a2", Role: kb.UserAdmin}); err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, len(admins))
		for i, id := range admins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.UpdateUser(ctx, &kb.User{ID: id, Role: kb.UserAgent})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, kb.ErrConflict):
				t.Fatalf("round %d: %v, want nil or ErrConflict", round, err)
			}
		}
		if won != len(admins)-1 {
			t.Fatalf("round %d: %d of %d admins stepping down at once won, want all but one", round, won, len(admins))
		}
		for _, id := range admins {
			if err := s.UpdateUser(ctx, &kb.User{ID: id, Role: kb.UserAdmin}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func testAPIKeys(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, u := range []*kb.User{{ID: "u1", Name: "ann", Role: kb.UserAgent, PasswordHash: "h"}, {ID: "u2", Name: "bob", Role: kb.UserAgent, PasswordHash: "h"}} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if ks, err := s.APIKeys(ctx, "u1"); err != nil || len(ks) != 0 {
		t.Errorf("APIKeys before any = %+v, %v; want none", ks, err)
	}
	for _, k := range []*kb.APIKey{{ID: "k1", UserID: "u1", KeyHash: "kh1"}, {ID: "k2", UserID: "u1", KeyHash: "kh2"}, {ID: "k3", UserID: "u1", KeyHash: "kh3"}, {ID: "b1", UserID: "u2", KeyHash: "bh1"}} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeAPIKey(ctx, "u1", "k2"); err != nil {
		t.Fatalf("RevokeAPIKey(k2): %v", err)
	}
	for _, tt := range []struct{ name, user, key string }{
		{"already revoked", "u1", "k2"},
		{"another user's key", "u1", "b1"},
		{"unknown key", "u1", "nope"},
	} {
		if err := s.RevokeAPIKey(ctx, tt.user, tt.key); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("RevokeAPIKey %s: err = %v, want ErrNotFound", tt.name, err)
		}
	}
	if _, err := s.APIKeyByHash(ctx, "kh2"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("a revoked key still signs in: %v", err)
	}
	for _, h := range []string{"kh1", "kh3", "bh1"} {
		if _, err := s.APIKeyByHash(ctx, h); err != nil {
			t.Errorf("key %s, not revoked: %v", h, err)
		}
	}
	ks, err := s.APIKeys(ctx, "u1")
	if err != nil || len(ks) != 3 {
		t.Fatalf("APIKeys(u1) = %+v, %v; want 3", ks, err)
	}
	var got []string
	for _, k := range ks {
		got = append(got, k.ID)
		if k.UserID != "u1" || k.KeyHash != "" || k.CreatedAt.IsZero() || (k.RevokedAt != nil) != (k.ID == "k2") {
			t.Errorf("key %+v: want u1's, no hash, a creation time, revoked only k2", k)
		}
	}
	if strings.Join(got, ",") != "k3,k2,k1" {
		t.Errorf("APIKeys order = %v, want the newest first: k3,k2,k1", got)
	}
}

func testFeedback(t *testing.T, s kb.Store) {
	ctx := context.Background()
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "conv1", Collection: "c1", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*kb.Message{
		{ID: "m1", ConversationID: "conv1", Role: kb.RoleCustomer, Text: "hi"},
		{ID: "m2", ConversationID: "conv1", Role: kb.RoleBot, Text: "hello", Reply: &kb.Reply{Band: kb.BandAnswer}},
		{ID: "m3", ConversationID: "conv1", Role: kb.RoleAgent, Text: "I am Ann", Author: "Ann"},
	} {
		if err := s.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetFeedback(ctx, "conv1", "m2", -1); err != nil {
		t.Fatal(err)
	}
	sums, err := s.ConversationSummaries(ctx, "", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(sums) != 1 || sums[0].Turns != 1 || sums[0].Answers != 1 || sums[0].ThumbsDown != 1 || sums[0].ThumbsUp != 0 || sums[0].Handoffs != 0 {
		t.Errorf("ConversationSummaries = %+v, %v; want one conversation, one answer thumbed down", sums, err)
	}
	if sums, _ := s.ConversationSummaries(ctx, "other", time.Now().Add(-time.Hour), time.Now().Add(time.Hour)); len(sums) != 0 {
		t.Errorf("summaries of another collection = %+v", sums)
	}
	for _, id := range []string{"m1", "m3", "nope"} {
		if err := s.SetFeedback(ctx, "conv1", id, 1); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("SetFeedback(%s) err = %v, want ErrNotFound (only bot messages take feedback)", id, err)
		}
	}
	if err := s.SetFeedback(ctx, "other", "m2", 1); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("feedback through another conversation err = %v, want ErrNotFound", err)
	}
	rated, err := s.RatedMessages(ctx)
	if err != nil || len(rated) != 1 || rated[0].ID != "m2" || rated[0].Feedback != -1 {
		t.Errorf("RatedMessages = %+v, %v; want m2 with -1", rated, err)
	}
	got, _ := s.Messages(ctx, "conv1")
	if got[1].Feedback != -1 || got[2].Author != "Ann" {
		t.Errorf("messages = %+v %+v; want feedback -1 and author Ann", got[1], got[2])
	}
}

func testUpdateArticle(t *testing.T, s kb.Store) {
	ctx := context.Background()
	a := article("a1", "one", "h1")
	if _, err := s.UpdateArticle(ctx, a, nil, 1); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("update of a missing article at base 1: %v, want ErrConflict", err)
	}
	if _, err := s.UpdateArticle(ctx, a, nil, 0); err != nil || a.Version != 1 {
		t.Fatalf("create at base 0: version %d, %v", a.Version, err)
	}
	b := article("a1", "two", "h2")
	if _, err := s.UpdateArticle(ctx, b, nil, 1); err != nil || b.Version != 2 {
		t.Fatalf("update at base 1: version %d, %v", b.Version, err)
	}
	stale := article("a1", "three", "h3")
	if _, err := s.UpdateArticle(ctx, stale, nil, 1); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("second editor saving over version 2 from base 1: %v, want ErrConflict", err)
	}
	if got, _ := s.Article(ctx, "a1"); got.Body != "two" {
		t.Errorf("refused save changed the article: %q", got.Body)
	}
	vs, err := s.ArticleVersions(ctx, "a1")
	if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[0].Body != "two" || vs[1].Version != 1 || vs[1].Body != "one" {
		t.Errorf("ArticleVersions = %+v, %v; want 2 (two) then 1 (one)", vs, err)
	}
	if _, err := s.ArticleVersions(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("versions of a missing article: %v", err)
	}
}

func testDrafts(t *testing.T, s kb.Store) {
	ctx := context.Background()
	d := &kb.Draft{Article: *article("a1", "draft body", ""), BaseVersion: 0, UpdatedBy: "eve"}
	if err := s.PutDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	d.Article.Body = "second draft"
	if err := s.PutDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDraft(ctx, &kb.Draft{Article: kb.Article{ID: "b1", Collection: "c2", Title: "B"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Draft(ctx, "a1")
	if err != nil || got.Article.Body != "second draft" || got.UpdatedBy != "eve" || got.Article.Questions[0] != "q1" {
		t.Errorf("Draft = %+v, %v", got, err)
	}
	if _, err := s.Article(ctx, "a1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("a draft is visible as a published article: %v", err)
	}
	if ds, _ := s.Drafts(ctx, "c1"); len(ds) != 1 {
		t.Errorf("Drafts(c1) = %d, want 1", len(ds))
	}
	if ds, _ := s.Drafts(ctx, ""); len(ds) != 2 {
		t.Errorf("Drafts(all) = %d, want 2", len(ds))
	}
	if err := s.DeleteDraft(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDraft(ctx, "a1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

func testJobsAndAudit(t *testing.T, s kb.Store) {
	ctx := context.Background()
	j := &kb.Job{ID: "j1", Collection: "c1", Status: kb.JobRunning, FilesTotal: 2, Files: []kb.JobFileResult{{Name: "a.md", Status: kb.FilePending}}}
	if err := s.PutJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	j.Status, j.FilesDone, j.Files[0].Status = kb.JobDone, 2, kb.FileIngested
	if err := s.PutJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, "j1")
	if err != nil || got.Status != kb.JobDone || got.FilesDone != 2 || got.Files[0].Status != kb.FileIngested || got.CreatedAt.IsZero() {
		t.Errorf("Job = %+v, %v", got, err)
	}
	if js, _ := s.Jobs(ctx, kb.JobRunning); len(js) != 0 {
		t.Errorf("Jobs(running) = %d, want 0", len(js))
	}
	if js, _ := s.Jobs(ctx); len(js) != 1 {
		t.Errorf("Jobs() = %d, want 1", len(js))
	}
	if _, err := s.Job(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Job(nope): %v", err)
	}
	for _, a := range []string{"article.publish", "article.delete"} {
		if err := s.AddAudit(ctx, &kb.AuditEntry{Actor: "eve", Action: a, Target: "a1"}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.Audit(ctx, kb.AuditFilter{Limit: 10})
	if err != nil || len(log) != 2 || log[0].Action != "article.delete" || log[1].Actor != "eve" || log[0].At.IsZero() {
		t.Errorf("Audit = %+v, %v; want newest first", log, err)
	}
	for _, e := range []kb.AuditEntry{{Actor: "ann", Action: "handoff.claim", Target: "h1"}, {Actor: "ann", Action: "handoff.resolve", Target: "h1"},
		{Actor: "bob", Action: "handoff.claim", Target: "h2"}, {Actor: "ann", Action: "handoffs.export", Target: "h1"}} {
		if err := s.AddAudit(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	newest, _ := s.Audit(ctx, kb.AuditFilter{Limit: 1})
	for _, tt := range []struct {
		name string
		f    kb.AuditFilter
		want []string // actor action target, newest first
	}{
		{"by actor", kb.AuditFilter{Actor: "bob"}, []string{"bob handoff.claim h2"}},
		{"exact action", kb.AuditFilter{Action: "handoff.claim"}, []string{"bob handoff.claim h2", "ann handoff.claim h1"}},
		{"action prefix", kb.AuditFilter{Action: "handoff.", Actor: "ann"}, []string{"ann handoff.resolve h1", "ann handoff.claim h1"}},
		{"no prefix without the dot", kb.AuditFilter{Action: "handoff"}, nil},
		{"by target", kb.AuditFilter{Target: "h1"}, []string{"ann handoffs.export h1", "ann handoff.resolve h1", "ann handoff.claim h1"}},
		{"next page", kb.AuditFilter{Target: "h1", Before: newest[0].Seq, Limit: 1}, []string{"ann handoff.resolve h1"}},
	} {
		log, err := s.Audit(ctx, tt.f)
		var got []string
		for _, e := range log {
			got = append(got, e.Actor+" "+e.Action+" "+e.Target)
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Audit(%s) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func testMisses(t *testing.T, s kb.Store) {
	ctx := context.Background()
	add := func(id, coll, msg, trigger string) {
		t.Helper()
		m := &kb.Miss{ID: id, Collection: coll, ConversationID: "c", MessageID: msg, Question: "q " + id, Lang: "en",
			Trigger: trigger, Reasons: []string{kb.ReasonLowConfidence}, Passages: []kb.Citation{{ArticleID: "a1", Score: 0.2}}}
		if err := s.AddMiss(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	add("m1", "c1", "msg1", kb.MissHandoff)
	add("m1b", "c1", "msg1", kb.MissHandoff) // the same question missed the same way: kept once
	add("m2", "c1", "msg1", kb.MissThumbsDown)
	add("m3", "c2", "msg3", kb.MissClarify)
	all, err := s.Misses(ctx, kb.MissFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("Misses = %d, %v; want 3", len(all), err)
	}
	if all[0].Passages[0].ArticleID != "a1" || all[0].Reasons[0] != kb.ReasonLowConfidence || all[0].Status != kb.MissOpen {
		t.Errorf("miss = %+v", all[0])
	}
	if got, _ := s.Misses(ctx, kb.MissFilter{Collection: "c1"}); len(got) != 2 {
		t.Errorf("Misses(c1) = %d, want 2", len(got))
	}
	if got, _ := s.Misses(ctx, kb.MissFilter{Since: time.Now().Add(time.Hour)}); len(got) != 0 {
		t.Errorf("Misses(since an hour ahead) = %d, want 0", len(got))
	}
	if err := s.CloseMisses(ctx, []string{"m1", "m2"}, kb.MissFixed, "added to a1"); err != nil {
		t.Fatal(err)
	}
	open, _ := s.Misses(ctx, kb.MissFilter{Status: kb.MissOpen})
	if len(open) != 1 || open[0].ID != "m3" {
		t.Errorf("open misses after closing two = %+v", open)
	}
}

func testVectors(t *testing.T, s kb.Store) {
	ctx := context.Background()
	a := article("a1", "one", "h1")
	if _, err := s.PutArticle(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutArticle(ctx, article("a2", "two", "h2"), nil); err != nil {
		t.Fatal(err)
	}
	missing, err := s.ArticlesMissingVectors(ctx, "m")
	if err != nil || len(missing) != 2 {
		t.Fatalf("missing before = %v, %v; want both", missing, err)
	}
	vs := []kb.Vector{{ArticleID: "a1", ChunkID: "a1#0", Vec: []float32{0.5, -1.25, 3}}, {ArticleID: "a1", ChunkID: "a1#1", Vec: []float32{1, 0, 0}}}
	if err := s.PutVectors(ctx, "a1", "m", "h1", vs); err != nil {
		t.Fatal(err)
	}
	var got []kb.Vector
	err = s.Vectors(ctx, "m", func(coll string, v kb.Vector) error {
		if coll != "c1" {
			t.Errorf("collection = %q, want c1", coll)
		}
		got = append(got, v)
		return nil
	})
	if err != nil || len(got) != 2 || got[0].Vec[1] != -1.25 || got[1].ChunkID != "a1#1" {
		t.Errorf("Vectors = %+v, %v; want the two stored, in order, exactly", got, err)
	}
	if missing, _ := s.ArticlesMissingVectors(ctx, "m"); len(missing) != 1 || missing[0] != "a2" {
		t.Errorf("missing = %v, want [a2]", missing)
	}
	if missing, _ := s.ArticlesMissingVectors(ctx, "other-model"); len(missing) != 2 {
		t.Errorf("another model's vectors counted: missing = %v", missing)
	}
	// An edited article's old vectors are stale: not served, and it is missing again.
	if _, err := s.PutArticle(ctx, article("a1", "changed", "h1b"), nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.Vectors(ctx, "m", func(string, kb.Vector) error { n++; return nil })
	if n != 0 {
		t.Errorf("stale vectors served: %d", n)
	}
	if missing, _ := s.ArticlesMissingVectors(ctx, "m"); len(missing) != 2 {
		t.Errorf("missing after edit = %v, want both", missing)
	}
	if err := s.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
}
