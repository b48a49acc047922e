package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/fromsqlite"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// TestMigrateFromData: `baton migrate --from-data DIR` moves an embedded
// installation made through the app (the fixtures and an upload, an edit
// and a draft, a conversation handed off and rated, a miss, staff API
// keys and presence, a team, a webhook delivery, a policy saved through
// the API, a recalibration) into PostgreSQL; a node on the database then answers
// the same questions with the same articles, shows the customer the same
// transcript and the agents the hand-off, takes the same key and
// session, and applies the same policy and recalibration. A second move
// into the now full database is refused and changes nothing.
func TestMigrateFromData(t *testing.T) {
	dbURL := pgtest.Database(t)
	t.Setenv("BATON_DATABASE_URL", "")
	data := t.TempDir()
	key, uploader := addKey(t, data, kb.UserAgent, "bot-agent"), addKey(t, data, kb.UserEditor, "uploader")
	e := startDesk(t, deskOptions{data: data})
	// An upload: a job, and a sixth article.
	if job := (editorAPI{t, e.base, uploader}).upload("default", "", map[string]string{"gift-wrap.md": "# Gift wrapping\n\nGift wrapping costs 3 euros per parcel and can be chosen at checkout.\n"}); job["status"] != kb.JobDone {
		t.Fatalf("upload: %v", job)
	}
	staff := e.loginAll(t, "root", "eve")
	team := js(jm(staff["root"].want(t, http.StatusCreated, "POST", "/api/v1/admin/teams", `{"name":"shop"}`).body["team"])["id"])
	staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+team+"/members", `{"members":["user-ann"]}`)
	staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+team+"/collections", `{"collections":["default"]}`)
	staff["eve"].want(t, 200, "PUT", "/api/v1/collections/default/welcome/settings", `{"greeting":{"en":"Hello from the embedded store"}}`)
	if _, err := os.Stat(filepath.Join(data, "policy.json")); err != nil {
		t.Fatalf("the policy was not saved in the data directory: %v", err)
	}
	// An edit (a second version) and a draft restoring the first.
	art := "/api/v1/articles/" + url.PathEscape("default/hacked")
	a := jm(staff["eve"].want(t, 200, "GET", art, "").body["article"])
	edited, _ := json.Marshal(map[string]any{"title": a["title"], "body": js(a["body"]) + "\n\nChange your password at once.", "questions": a["questions"], "base_version": a["version"]})
	staff["eve"].want(t, 200, "PUT", art, string(edited))
	staff["eve"].want(t, 200, "POST", art+"/restore", `{"version":1}`)
	c := e.newConvo(t)
	e.say(t, c, "how do I send something back")
	e.say(t, c, "can I pay with PayPal?")
	e.handoff(t, c)
	if r := e.cust(t, c, c.token, http.MethodPost, "/rating", `{"score":4,"comment":"quick"}`); r.code != http.StatusOK {
		t.Fatalf("rating: %d %s", r.code, r.raw)
	}
	transcript := e.messages(t, c)
	if r := e.send(t, http.DefaultClient, "PUT", "/api/v1/presence", `{"status":"away"}`, map[string]string{"Authorization": "Bearer " + key}); r.code != http.StatusOK {
		t.Fatalf("presence through the API key: %d %s", r.code, r.raw)
	}
	// A miss: a question the knowledge base lacks.
	e.say(t, e.newConvo(t), "can I collect my order from one of your shops?")
	// A webhook delivery waiting for its retry (no webhook is configured,
	// so none is sent).
	due := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	delivery := &kb.Delivery{ID: "dlv-1", Event: "handoff.created", Body: []byte(`{"id":"x"}`), ConversationID: c.id, NextAt: due}
	if err := e.srv.App.Store.EnqueueDelivery(t.Context(), delivery); err != nil {
		t.Fatal(err)
	}
	recal := answer.Recalibration{A: 1.25, B: -0.5, N: 140, Correct: 101, FittedAt: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	rs := &answer.Recalibrations{}
	rs.Set(map[string]answer.Recalibration{"default": recal})
	if err := rs.Save(filepath.Join(data, recalibrationFile)); err != nil {
		t.Fatal(err)
	}
	questions := []string{"how do I send something back", "can I pay with PayPal?", "how long does delivery take", "my account was hacked", "I want a refund", "how much is gift wrapping"}
	var tops []string
	for _, q := range questions {
		hits, err := e.srv.App.Searcher.Search(t.Context(), "default", q, 10)
		if err != nil || len(hits) == 0 {
			t.Fatalf("%q on the embedded store: %v, %v", q, hits, err)
		}
		tops = append(tops, hits[0].ArticleID)
	}
	sqliteHandoffs, err := e.srv.App.Store.Handoffs(t.Context(), kb.HandoffFilter{ConversationID: c.id})
	if err != nil || len(sqliteHandoffs) != 1 {
		t.Fatalf("hand-offs on the embedded store: %v, %v", sqliteHandoffs, err)
	}

	// The embedded server keeps running: the move reads one snapshot.
	var out bytes.Buffer
	migrate := []string{"migrate", "--database-url", dbURL, "--from-data", data}
	if err := run(t.Context(), migrate, &out, io.Discard); err != nil {
		t.Fatalf("migrate --from-data: %v\n%s", err, out.String())
	}
	t.Logf("migrate printed:\n%s", out.String())
	for _, want := range []string{`(?m)^  articles +6 rows$`, `(?m)^  article_versions +[1-9]\d* rows$`, `(?m)^  article_drafts +1 rows$`, `(?m)^  users +6 rows$`, `(?m)^  teams +1 rows$`, `(?m)^  handoffs +1 rows$`,
		`(?m)^  messages +[1-9]\d* rows$`, `(?m)^  vectors +[1-9]\d* rows$`, `(?m)^  ratings +1 rows$`, `(?m)^  misses +[1-9]\d* rows$`, `(?m)^  jobs +1 rows$`, `(?m)^  presence +1 rows$`, `(?m)^  webhook_outbox +[1-9]\d* rows$`, `(?m)^  audit_log +[1-9]\d* rows$`, `settings policies .*policy\.json`, `settings recalibrations .*recalibration\.json`,
		`(?m)^check: all \d+ tables hold as many rows in PostgreSQL as in SQLite`, `not carried.*index.*classifiers`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("migrate output does not match %s:\n%s", want, out.String())
		}
	}

	t.Setenv("BATON_DATABASE_URL", dbURL)
	pg := serveData(t, t.TempDir(), nil)
	pe := &deskEnv{base: "http://" + pg.Addr(), srv: pg, users: e.users, clock: e.clock}
	for i, q := range questions {
		hits, err := pg.App.Searcher.Search(t.Context(), "default", q, 10)
		if err != nil || len(hits) == 0 || hits[0].ArticleID != tops[i] {
			t.Errorf("%q on PostgreSQL: %v, %v; want top article %s as on the embedded store", q, hits, err, tops[i])
		}
	}
	moved := pe.messages(t, c)
	if len(moved) != len(transcript) {
		t.Fatalf("transcript on PostgreSQL has %d messages, want %d", len(moved), len(transcript))
	}
	for i := range moved {
		if moved[i]["role"] != transcript[i]["role"] || moved[i]["text"] != transcript[i]["text"] || moved[i]["id"] != transcript[i]["id"] {
			t.Errorf("message %d on PostgreSQL = %v, want %v", i, moved[i], transcript[i])
		}
	}
	hs, err := pg.App.Store.Handoffs(t.Context(), kb.HandoffFilter{ConversationID: c.id})
	if err != nil || len(hs) != 1 || hs[0].ID != sqliteHandoffs[0].ID || !slices.Equal(hs[0].Reasons, sqliteHandoffs[0].Reasons) ||
		!hs[0].CreatedAt.Equal(sqliteHandoffs[0].CreatedAt.Truncate(time.Microsecond)) {
		t.Errorf("hand-offs on PostgreSQL = %v, %v; want %v", hs, err, sqliteHandoffs)
	}
	ds, err := pg.App.Store.ClaimDeliveries(t.Context(), due, time.Minute, 10)
	if err != nil || len(ds) != 1 || ds[0].ID != delivery.ID || string(ds[0].Body) != string(delivery.Body) || !ds[0].NextAt.Equal(due) || ds[0].ConversationID != c.id {
		t.Errorf("webhook deliveries on PostgreSQL = %v, %v; want %+v", ds, err, delivery)
	}
	r := pe.send(t, http.DefaultClient, "GET", "/api/v1/handoffs", "", map[string]string{"Authorization": "Bearer " + key})
	if r.code != http.StatusOK || !strings.Contains(r.raw, sqliteHandoffs[0].ID) {
		t.Errorf("the agent's API key on PostgreSQL: GET /api/v1/handoffs = %d %s, want 200 with the hand-off", r.code, r.raw)
	}
	root := *staff["root"]
	root.e = pe
	if r := root.want(t, 200, "GET", "/api/v1/admin/teams", ""); !strings.Contains(r.raw, `"shop"`) || !strings.Contains(r.raw, "user-ann") {
		t.Errorf("teams on PostgreSQL, through root's session: %s", r.raw)
	}
	// What is added now is numbered after what was copied.
	root.want(t, http.StatusCreated, "POST", "/api/v1/admin/teams", `{"name":"billing"}`)
	pe.say(t, c, "thanks, one more thing")
	if ms := pe.messages(t, c); len(ms) != len(transcript)+1 || ms[len(ms)-1]["text"] != "thanks, one more thing" {
		t.Errorf("transcript after a new message on PostgreSQL: %v", ms)
	}
	if got := pg.App.Bot.Policies().For("default").Welcome.Greeting["en"]; got != "Hello from the embedded store" {
		t.Errorf("greeting on PostgreSQL = %q, want the one saved in policy.json", got)
	}
	if got, ok := pg.App.Bot.Composer.Recalibrations.Get("default"); !ok || got.A != recal.A || got.B != recal.B || got.N != recal.N || !got.FittedAt.Equal(recal.FittedAt) {
		t.Errorf("recalibration on PostgreSQL = %+v, %v; want %+v", got, ok, recal)
	}

	out.Reset()
	err = run(t.Context(), migrate, &out, io.Discard)
	if !errors.Is(err, fromsqlite.ErrNotEmpty) || !strings.Contains(err.Error(), "articles") {
		t.Errorf("second migrate = %v, want a refusal naming the articles already there", err)
	}
	if arts, err := pg.App.Store.Articles(t.Context(), "default"); err != nil || len(arts) != 6 {
		t.Errorf("after the refused migrate, %d articles, %v; want the 6 copied once", len(arts), err)
	}
}

// TestMigrateFromDataUnknown: a table or column of the SQLite store that
// PostgreSQL's schema lacks stops the move before anything is copied.
func TestMigrateFromDataUnknown(t *testing.T) {
	dbURL := pgtest.Database(t)
	t.Setenv("BATON_DATABASE_URL", "")
	data := t.TempDir()
	addKey(t, data, kb.UserAdmin, "root")
	db, err := sql.Open("sqlite", filepath.Join(data, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE users ADD COLUMN mood TEXT; CREATE TABLE notes (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = run(t.Context(), []string{"migrate", "--database-url", dbURL, "--from-data", data}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "users.mood") || !strings.Contains(err.Error(), "table notes") {
		t.Errorf("migrate of a store with an unknown column and table = %v, want an error naming both", err)
	}
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 0 {
		t.Errorf("users in PostgreSQL after the refusal = %d, %v; want none", n, err)
	}
}
