package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
)

// TestRecalibrateFromThumbs: customers thumb down every answer to a
// question the bot answers confidently; once the collection has enough
// labels, its confidence comes down, and the recalibration is saved.
func TestRecalibrateFromThumbs(t *testing.T) {
	const admin = "test-admin-token-0123456789"
	t.Setenv("BATON_ADMIN_TOKEN", admin)
	data := t.TempDir()
	srv := launch(t, data, func(c *Config) { c.RecalibrateMin = 6; c.RecalibrateEvery = -1 })
	c := client{t, "http://" + srv.Addr()}
	ctx := context.Background()
	const q = "what is your return policy"
	before, err := srv.App.Bot.Composer.Compose(ctx, "default", q)
	if err != nil {
		t.Fatal(err)
	}
	thumbsDown := func(n int) { thumbsDown(t, c, q, n) }

	thumbsDown(5)
	rs, err := srv.App.Recalibrate(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 0 {
		t.Errorf("recalibrated on 5 labels with a minimum of 6: %+v", rs)
	}

	thumbsDown(1)
	// The command line cannot refit under a running server: it says so
	// instead of waiting for the index.
	err = run(ctx, []string{"calibrate", "--recalibrate", "--data", data, "--recalibrate-min", "6"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("calibrate --recalibrate beside the server: %v, want the index in use", err)
	}
	rs, err = srv.App.Recalibrate(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs["default"]; r.N != 6 || r.Correct != 0 {
		t.Errorf("recalibration %+v, want one on 6 labels, none right", r)
	}
	saved, err := answer.LoadRecalibrations(filepath.Join(data, recalibrationFile))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := saved.Get("default"); !ok || r != rs["default"] {
		t.Errorf("saved recalibration = %+v (%v), want %+v", r, ok, rs["default"])
	}
	// Admins see it.
	if code, m := c.do("GET", "/api/v1/admin/recalibration", "", ""); code != http.StatusUnauthorized {
		t.Errorf("recalibration without the admin token = %d %v, want 401", code, m)
	}
	code, m := c.do("GET", "/api/v1/admin/recalibration", admin, "")
	if d, _ := m["collections"].(map[string]any)["default"].(map[string]any); code != http.StatusOK || d["n"] != float64(6) || d["a"] != rs["default"].A {
		t.Errorf("GET recalibration = %d %v, want default's on 6 labels", code, m)
	}
	after, err := srv.App.Bot.Composer.Compose(ctx, "default", q)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(after.ModelConfidence-before.Reply.Confidence) > 0.05 {
		t.Errorf("model confidence %.3f, want about the %.3f before", after.ModelConfidence, before.Reply.Confidence)
	}
	if after.Reply.Confidence >= after.ModelConfidence-0.2 {
		t.Errorf("confidence %.3f after six thumbs down, the model's %.3f; want it well below", after.Reply.Confidence, after.ModelConfidence)
	}

}

// thumbsDown has n customers ask q in conversations of their own and
// thumb the answer down.
func thumbsDown(t *testing.T, c client, q string, n int) {
	t.Helper()
	for range n {
		id, token := c.start()
		code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(q)+`}`)
		if code != http.StatusOK || m["reply_id"] == nil {
			t.Fatalf("ask: %d %v", code, m)
		}
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages/"+m["reply_id"].(string)+"/feedback", token, `{"value":-1}`); code != http.StatusOK {
			t.Fatalf("feedback: %d %v", code, m)
		}
	}
}

func TestCalibrateRecalibrateCommand(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"ingest", "--data", data, "testdata/kb"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"calibrate", "--recalibrate", "--data", data, "--recalibrate-min", "6"}, &out, io.Discard); err != nil {
		t.Fatalf("calibrate --recalibrate: %v", err)
	}
	if !strings.Contains(out.String(), "no collection has 6 labelled questions yet") {
		t.Errorf("output %q, want it to say no collection has enough labels", out.String())
	}
}

// TestRecalibrateInScopeFromVerdicts: agents saying "article missing" on a
// question the model thinks in scope lower the collection's in_scope for
// it; the confidence recalibration is fitted beside it.
func TestRecalibrateInScopeFromVerdicts(t *testing.T) {
	data := t.TempDir()
	srv := launch(t, data, func(c *Config) { c.RecalibrateMin = 6; c.RecalibrateEvery = -1 })
	ctx := context.Background()
	store := srv.App.Store
	const q = "what is your return policy"
	before, err := srv.App.Bot.Composer.Compose(ctx, "default", q)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		id := fmt.Sprintf("v%d", i)
		if err := store.CreateConversation(ctx, &kb.Conversation{ID: id, Collection: "default", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []*kb.Message{
			{ID: id + "q", ConversationID: id, Role: kb.RoleCustomer, Text: q},
			{ID: id + "r", ConversationID: id, Role: kb.RoleBot, Text: "x", Reply: &kb.Reply{Band: kb.BandHandoff}},
		} {
			if err := store.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		closeWithVerdict(t, store, id, "default", kb.OutcomeArticleMissing)
	}
	rs, err := srv.App.Recalibrate(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs["default"]; r.InScopeN != 6 || r.InScopeIn != 0 {
		t.Fatalf("recalibration %+v, want in_scope fitted on 6 labels, none in scope", r)
	}
	after, err := srv.App.Bot.Composer.Compose(ctx, "default", q)
	if err != nil {
		t.Fatal(err)
	}
	if after.Reply.InScope >= before.Reply.InScope-0.2 {
		t.Errorf("in_scope %.3f after six 'article missing' verdicts, %.3f before; want it well below", after.Reply.InScope, before.Reply.InScope)
	}
	// The classifier may finish training in between; the model's own
	// estimate stays about where it was.
	if math.Abs(after.ModelInScope-before.ModelInScope) > 0.05 {
		t.Errorf("the model's own in_scope moved: %.3f -> %.3f", before.ModelInScope, after.ModelInScope)
	}
}
