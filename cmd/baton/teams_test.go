package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// teamDesk is a desk with two teams: shop (ann, serving default) and
// billing (carl, serving other); bob is in no team.
type teamDesk struct {
	*deskEnv
	staff map[string]*staffClient
	teams map[string]string // name: id
}

func startTeamDesk(t *testing.T) *teamDesk {
	t.Helper()
	e := startDesk(t, deskOptions{})
	addOtherCollection(t, e)
	e.addUser(t, "carl", "agent")
	d := &teamDesk{deskEnv: e, staff: e.loginAll(t, "root", "ann", "bob", "carl"), teams: map[string]string{}}
	for _, tm := range []struct{ name, member, collection string }{{"shop", "ann", "default"}, {"billing", "carl", "other"}} {
		id := d.createTeam(t, tm.name)
		d.staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+id+"/members", `{"members":[`+quote(e.users[tm.member].ID)+`]}`)
		d.staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+id+"/collections", `{"collections":[`+quote(tm.collection)+`]}`)
	}
	return d
}

func (d *teamDesk) createTeam(t *testing.T, name string) string {
	t.Helper()
	r := d.staff["root"].want(t, http.StatusCreated, "POST", "/api/v1/admin/teams", `{"name":`+quote(name)+`}`)
	id := js(jm(r.body["team"])["id"])
	d.teams[name] = id
	return id
}

// addOtherCollection gives the server a second collection, other, with
// one article, so that conversations may start in it.
func addOtherCollection(t *testing.T, e *deskEnv) {
	t.Helper()
	a := &kb.Article{ID: "other/hours", Collection: "other", Title: "Opening hours", Body: "We open at nine.", Lang: "en", Hash: "h1"}
	if _, err := e.srv.App.Store.PutArticle(context.Background(), a, []kb.Chunk{{ID: a.ID + "#0", ArticleID: a.ID, Text: a.Body}}); err != nil {
		t.Fatal(err)
	}
}

// handoffIn opens a hand-off in a conversation of collection.
func (d *teamDesk) handoffIn(t *testing.T, collection string) string {
	t.Helper()
	hid, _ := d.handoffConvo(t, collection)
	return hid
}

// handoffConvo is handoffIn with the conversation.
func (d *teamDesk) handoffConvo(t *testing.T, collection string) (string, convo) {
	t.Helper()
	r := d.send(t, http.DefaultClient, http.MethodPost, "/api/v1/conversations", `{"collection":`+quote(collection)+`,"lang":"en"}`, nil)
	if r.code != http.StatusCreated {
		t.Fatalf("create conversation in %s: %d %s", collection, r.code, r.raw)
	}
	c := convo{js(r.body["id"]), js(r.body["token"])}
	return js(jm(d.handoff(t, c)["handoff"])["id"]), c
}

func queueIDs(t *testing.T, s *staffClient) []string {
	t.Helper()
	items, _ := queue(t, s)
	return ids(items)
}

// Without teams every agent sees every hand-off; once ann is in a team
// she sees only its collections, while bob (in none) and root (admin)
// still see all.
func TestTeamQueueScope(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	addOtherCollection(t, e)
	staff := e.loginAll(t, "root", "ann", "bob")
	d := &teamDesk{deskEnv: e, staff: staff, teams: map[string]string{}}
	inDefault, inOther := d.handoffIn(t, "default"), d.handoffIn(t, "other")
	if got := queueIDs(t, staff["ann"]); !slices.Contains(got, inDefault) || !slices.Contains(got, inOther) {
		t.Fatalf("ann's queue with no teams = %v, want both %s and %s", got, inDefault, inOther)
	}
	staff["ann"].want(t, 200, "GET", "/api/v1/handoffs/"+inOther, "")

	id := d.createTeam(t, "shop")
	staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+id+"/members", `{"members":[`+quote(e.users["ann"].ID)+`]}`)
	staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+id+"/collections", `{"collections":["default"]}`)
	if got := queueIDs(t, staff["ann"]); !slices.Contains(got, inDefault) || slices.Contains(got, inOther) {
		t.Errorf("ann's queue in team shop (default) = %v, want %s and not %s", got, inDefault, inOther)
	}
	for _, name := range []string{"bob", "root"} {
		if got := queueIDs(t, staff[name]); !slices.Contains(got, inDefault) || !slices.Contains(got, inOther) {
			t.Errorf("%s's queue = %v, want both hand-offs", name, got)
		}
	}

	// Deleting the team gives ann everything again.
	staff["root"].want(t, http.StatusNoContent, "DELETE", "/api/v1/admin/teams/"+id, "")
	if got := queueIDs(t, staff["ann"]); !slices.Contains(got, inOther) {
		t.Errorf("ann's queue after the team was deleted = %v, want %s back", got, inOther)
	}
}

// TestTeamAuthzHandoffRoutes: on every hand-off route an agent in a team
// serving the hand-off's collection is admitted and one whose teams do
// not serve it gets 403, whatever the hand-off's state.
func TestTeamAuthzHandoffRoutes(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	ann, carl := d.staff["ann"], d.staff["carl"]
	for _, tt := range []struct {
		name, method, sub, body string
		held                    bool // ann claims it first
		want                    int
	}{
		{"read", "GET", "", "", false, 200},
		{"claim", "POST", "/claim", "", false, 200},
		{"reply", "POST", "/messages", `{"text":"hello"}`, true, http.StatusCreated},
		{"transfer", "POST", "/transfer", `{"to":"bob"}`, true, 200},
		{"release", "POST", "/release", "", true, 200},
		{"handback", "POST", "/handback", "{}", true, 200},
		{"resolve", "POST", "/resolve", "{}", true, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hid := d.handoffIn(t, "default")
			if tt.held {
				ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
			}
			path := "/api/v1/handoffs/" + hid + tt.sub
			if r := carl.do(t, tt.method, path, tt.body); r.code != http.StatusForbidden {
				t.Errorf("carl (team billing) %s %s = %d %s, want 403", tt.method, path, r.code, r.raw)
			}
			ann.want(t, tt.want, tt.method, path, tt.body)
		})
	}
}

// Transfers go only to agents (or teams) that serve the collection.
func TestTeamTransfer(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	ann, bob, carl := d.staff["ann"], d.staff["bob"], d.staff["carl"]
	hid := d.handoffIn(t, "default")
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")

	r := ann.want(t, http.StatusBadRequest, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"to":"carl"}`)
	if r.errCode() == "" {
		t.Errorf("transfer to carl: no error code in %s", r.raw)
	}
	ann.want(t, http.StatusBadRequest, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"team":`+quote(d.teams["billing"])+`}`)
	ann.want(t, http.StatusBadRequest, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"to":"bob","team":`+quote(d.teams["shop"])+`}`)
	ann.want(t, http.StatusNotFound, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"team":"no-such-team"}`)

	// To her own team: back in the queue for shop only.
	r = ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"team":`+quote(d.teams["shop"])+`}`)
	if h := jm(r.body["handoff"]); js(h["status"]) != "queued" || js(h["team"]) != d.teams["shop"] || js(h["claimed_by"]) != "" {
		t.Errorf("transferred to team shop = %v, want queued for shop, unclaimed", h)
	}
	if got := queueIDs(t, bob); slices.Contains(got, hid) {
		t.Errorf("bob (no team) sees %s, transferred to team shop: %v", hid, got)
	}
	bob.want(t, http.StatusForbidden, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
	if got := queueIDs(t, d.staff["root"]); !slices.Contains(got, hid) {
		t.Errorf("root (admin) queue = %v, want %s", got, hid)
	}
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")

	// In collection other, carl's: bob (no team) may take it, ann not.
	other := d.handoffIn(t, "other")
	carl.want(t, 200, "POST", "/api/v1/handoffs/"+other+"/claim", "")
	carl.want(t, http.StatusBadRequest, "POST", "/api/v1/handoffs/"+other+"/transfer", `{"to":"ann"}`)
	r = carl.want(t, 200, "POST", "/api/v1/handoffs/"+other+"/transfer", `{"to":"bob"}`)
	if js(jm(r.body["handoff"])["claimed_by"]) != d.users["bob"].ID {
		t.Errorf("transfer to bob = %s, want held by bob", r.raw)
	}

	audit := d.staff["root"].want(t, 200, "GET", "/api/v1/audit?action=handoff.transfer", "")
	var details []string
	for _, e := range ja(audit.body["audit"]) {
		details = append(details, js(jm(e)["detail"]))
	}
	if !slices.ContainsFunc(details, func(s string) bool { return s == "conversation "+convOf(t, d, hid)+", from ann to team shop" }) {
		t.Errorf("transfer audit = %q, want ann's transfer to team shop", details)
	}
}

func convOf(t *testing.T, d *teamDesk, hid string) string {
	t.Helper()
	r := d.staff["root"].want(t, 200, "GET", "/api/v1/handoffs/"+hid, "")
	if id := js(jm(r.body["handoff"])["conversation_id"]); id != "" {
		return id
	}
	return js(r.body["conversation_id"])
}

// A teamed agent's live stream carries the hand-offs of their teams'
// collections only.
func TestTeamLiveEvents(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	var seen []string
	stream := openStream(t, d.staff["ann"].hc, d.base+"/api/v1/events", nil)
	waitEvent(t, stream, "the first event", &seen, func(ev sseEvent) bool { return ev.Type == "queue" })
	hidden, hiddenConv := d.handoffConvo(t, "other")
	shown, shownConv := d.handoffConvo(t, "default")
	var got []string
	waitEvent(t, stream, "the hand-off in default", &seen, func(ev sseEvent) bool {
		if ev.Type == "handoff" {
			got = append(got, js(jm(ev.Data["data"])["id"]))
		}
		return ev.Type == "handoff" && js(jm(ev.Data["data"])["id"]) == shown
	})
	if slices.Contains(got, hidden) {
		t.Errorf("ann's stream carried hand-off %s of collection other: %v", hidden, got)
	}
	// Nor the messages of a conversation in other.
	convs := map[string]bool{} // conversation id, and conversation id + " " + text
	messageFrom := func(c convo) func(ev sseEvent) bool {
		return func(ev sseEvent) bool {
			if ev.Type == "message" {
				m := jm(ev.Data["data"])
				convs[js(m["conversation_id"])] = true
				convs[js(m["conversation_id"])+" "+js(m["text"])] = true
			}
			return ev.Type == "message" && js(jm(ev.Data["data"])["conversation_id"]) == c.id
		}
	}
	d.say(t, hiddenConv, "is anyone there")
	d.say(t, shownConv, "is anyone there")
	waitEvent(t, stream, "the message in default", &seen, messageFrom(shownConv))
	if convs[hiddenConv.id] {
		t.Errorf("ann's stream carried a message of conversation %s in collection other", hiddenConv.id)
	}
	// Transferred to team billing (now serving default too), the
	// conversation's messages no longer reach ann.
	d.staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+d.teams["billing"]+"/collections", `{"collections":["default","other"]}`)
	d.staff["ann"].want(t, 200, "POST", "/api/v1/handoffs/"+shown+"/claim", "")
	d.staff["ann"].want(t, 200, "POST", "/api/v1/handoffs/"+shown+"/transfer", `{"team":`+quote(d.teams["billing"])+`}`)
	d.say(t, shownConv, "still there?")
	d.say(t, hiddenConv, "hello?")
	_, sentinelConv := d.handoffConvo(t, "default")
	d.say(t, sentinelConv, "hi")
	waitEvent(t, stream, "a message in a later conversation", &seen, messageFrom(sentinelConv))
	if convs[shownConv.id+" still there?"] {
		t.Errorf("ann's stream carried a message of %s after it went to team billing", shownConv.id)
	}

	// A change to her team ends her stream, to be reopened under it.
	d.staff["root"].want(t, 200, "PUT", "/api/v1/admin/teams/"+d.teams["shop"]+"/collections", `{"collections":["default","other"]}`)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-stream:
			if ok {
				continue
			}
			return
		case <-deadline:
			t.Fatal("ann's stream still open 10s after her team changed")
		}
	}
}

// TestTeamAdminAPI: create, rename, members, collections, delete, each
// audited with before and after; bad input is refused.
func TestTeamAdminAPI(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	root := d.staff["root"]
	root.want(t, http.StatusConflict, "POST", "/api/v1/admin/teams", `{"name":"shop"}`)
	root.want(t, http.StatusBadRequest, "POST", "/api/v1/admin/teams", `{"name":"  "}`)
	id := d.teams["shop"]
	root.want(t, http.StatusConflict, "PATCH", "/api/v1/admin/teams/"+id, `{"name":"billing"}`)
	root.want(t, http.StatusNotFound, "PATCH", "/api/v1/admin/teams/no-such-team", `{"name":"x"}`)
	r := root.want(t, 200, "PATCH", "/api/v1/admin/teams/"+id, `{"name":"webshop"}`)
	if js(jm(r.body["team"])["name"]) != "webshop" {
		t.Errorf("rename = %s, want webshop", r.raw)
	}
	root.want(t, http.StatusBadRequest, "PUT", "/api/v1/admin/teams/"+id+"/members", `{"members":["no-such-user"]}`)
	root.want(t, http.StatusBadRequest, "PUT", "/api/v1/admin/teams/"+id+"/members", `{"members":[`+quote(d.users["eve"].ID)+`]}`)
	root.want(t, http.StatusBadRequest, "PUT", "/api/v1/admin/teams/"+id+"/collections", `{"collections":[""]}`)
	r = root.want(t, 200, "PUT", "/api/v1/admin/teams/"+id+"/members", `{"members":[`+quote(d.users["ann"].ID)+`,`+quote(d.users["bob"].ID)+`]}`)
	if got := ja(jm(r.body["team"])["members"]); len(got) != 2 {
		t.Errorf("members = %v, want ann and bob", got)
	}

	list := root.want(t, 200, "GET", "/api/v1/admin/teams", "")
	var names []string
	for _, tm := range ja(list.body["teams"]) {
		names = append(names, js(jm(tm)["name"]))
	}
	if !slices.Equal(names, []string{"billing", "webshop"}) {
		t.Errorf("teams = %v, want billing, webshop", names)
	}
	root.want(t, http.StatusNoContent, "DELETE", "/api/v1/admin/teams/"+id, "")
	root.want(t, http.StatusNotFound, "DELETE", "/api/v1/admin/teams/"+id, "")

	audit := root.want(t, 200, "GET", "/api/v1/audit?action=team.", "")
	var actions []string
	var members struct{ Before, After struct{ Members []string } }
	for _, e := range ja(audit.body["audit"]) {
		e := jm(e)
		if js(e["actor"]) != "root" {
			t.Errorf("audit entry %v: want actor root", e)
		}
		actions = append(actions, js(e["action"]))
		if js(e["action"]) == "team.members" && js(e["target"]) == "webshop" {
			if err := json.Unmarshal([]byte(js(e["detail"])), &members); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"team.delete", "team.members", "team.rename", "team.collections", "team.members", "team.create", "team.collections", "team.members", "team.create"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit actions = %v, want %v", actions, want)
	}
	if !slices.Equal(members.Before.Members, []string{d.users["ann"].ID}) || len(members.After.Members) != 2 {
		t.Errorf("team.members audit before/after = %+v, want [ann] then [ann bob]", members)
	}
}

// A hand-off reaches a person only when an agent who may take it is
// online: with only ann (team shop, serving default) online, one in
// collection other becomes a message; once bob (in no team) is online
// too, it is queued.
func TestTeamAvailability(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	setOnline(t, d.staff["ann"], "online")
	status := func(hid string) string {
		r := d.staff["root"].want(t, 200, "GET", "/api/v1/handoffs/"+hid, "")
		return js(jm(r.body["handoff"])["status"])
	}
	if got := status(d.handoffIn(t, "default")); got != "queued" {
		t.Errorf("hand-off in default with ann online = %s, want queued", got)
	}
	if got := status(d.handoffIn(t, "other")); got != "message" {
		t.Errorf("hand-off in other with only ann (shop) online = %s, want message", got)
	}
	setOnline(t, d.staff["bob"], "online")
	if got := status(d.handoffIn(t, "other")); got != "queued" {
		t.Errorf("hand-off in other with bob (no team) online = %s, want queued", got)
	}
}

// TestTeamDirectory: any agent reads the teams to transfer to, with
// member names and collections and nothing else of the accounts.
func TestTeamDirectory(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	r := d.staff["bob"].want(t, 200, "GET", "/api/v1/teams", "")
	got := map[string]string{}
	for _, tm := range ja(r.body["teams"]) {
		tm := jm(tm)
		var members []string
		for _, m := range ja(tm["members"]) {
			m := jm(m)
			if len(m) != 2 {
				t.Errorf("team %s member %v: want only id and name", js(tm["name"]), m)
			}
			members = append(members, js(m["id"])+"="+js(m["name"]))
		}
		var colls []string
		for _, c := range ja(tm["collections"]) {
			colls = append(colls, js(c))
		}
		if js(tm["id"]) != d.teams[js(tm["name"])] {
			t.Errorf("team %s id = %s, want %s", js(tm["name"]), js(tm["id"]), d.teams[js(tm["name"])])
		}
		got[js(tm["name"])] = strings.Join(members, ",") + " / " + strings.Join(colls, ",")
	}
	want := map[string]string{
		"shop":    d.users["ann"].ID + "=ann / default",
		"billing": d.users["carl"].ID + "=carl / other",
	}
	if !maps.Equal(got, want) {
		t.Errorf("GET /api/v1/teams = %v, want %v", got, want)
	}
	if strings.Contains(r.raw, "password") || strings.Contains(r.raw, "role") {
		t.Errorf("team directory leaks account fields: %s", r.raw)
	}
}
