package main

import (
	"slices"
	"testing"
)

// TestLeastBusyRouting: with routing least_busy for collection default
// (served by team shop: ann and dina), a new hand-off is routed to the
// shop member online holding the fewest claimed hand-offs, never to bob
// (in no team) or carl (billing, serving other), even idle; only the
// chosen agent's stream carries the routed event, and the hand-off still
// queues for everyone. Collection other, not routed, gets no routed_to.
func TestLeastBusyRouting(t *testing.T) {
	t.Parallel()
	d := startTeamDesk(t)
	d.addUser(t, "dina", "agent")
	for name, c := range d.loginAll(t, "dina") {
		d.staff[name] = c
	}
	root := d.staff["root"]
	root.want(t, 200, "PUT", "/api/v1/admin/teams/"+d.teams["shop"]+"/members", `{"members":[`+quote(d.users["ann"].ID)+`,`+quote(d.users["dina"].ID)+`]}`)
	root.want(t, 200, "PUT", "/api/v1/admin/policies", `{"collections":{"default":{"routing":"least_busy"}}}`)
	for _, name := range []string{"ann", "bob", "carl", "dina"} {
		setOnline(t, d.staff[name], "online")
	}
	routedTo := func(hid string) string {
		r := root.want(t, 200, "GET", "/api/v1/handoffs/"+hid, "")
		return js(jm(r.body["handoff"])["routed_to"])
	}

	// ann and dina hold nothing: the tie goes to ann, first by name.
	first := d.handoffIn(t, "default")
	if got := routedTo(first); got != d.users["ann"].ID {
		t.Fatalf("first hand-off routed to %q, want ann (%s)", got, d.users["ann"].ID)
	}
	d.staff["ann"].want(t, 200, "POST", "/api/v1/handoffs/"+first+"/claim", "")

	// ann holds one now: the next goes to dina, and only dina hears of it.
	var annSeen, dinaSeen []string
	annStream := openStream(t, d.staff["ann"].hc, d.base+"/api/v1/events", nil)
	dinaStream := openStream(t, d.staff["dina"].hc, d.base+"/api/v1/events", nil)
	waitEvent(t, annStream, "ann's first event", &annSeen, func(ev sseEvent) bool { return ev.Type == "queue" })
	waitEvent(t, dinaStream, "dina's first event", &dinaSeen, func(ev sseEvent) bool { return ev.Type == "queue" })
	second := d.handoffIn(t, "default")
	if got := routedTo(second); got != d.users["dina"].ID {
		t.Errorf("second hand-off routed to %q, want dina (%s)", got, d.users["dina"].ID)
	}
	var dinaTypes []string
	waitEvent(t, dinaStream, "dina's routed event", &dinaSeen, func(ev sseEvent) bool {
		dinaTypes = append(dinaTypes, ev.Type)
		return ev.Type == "routed" && js(jm(ev.Data["data"])["id"]) == second
	})
	if slices.Contains(dinaTypes, "handoff") {
		t.Errorf("dina heard %v: the hand-off event came before the routed one", dinaTypes)
	}
	var annTypes []string
	waitEvent(t, annStream, "the second hand-off on ann's stream", &annSeen, func(ev sseEvent) bool {
		annTypes = append(annTypes, ev.Type)
		return ev.Type == "handoff" && js(jm(ev.Data["data"])["id"]) == second
	})
	if slices.Contains(annTypes, "routed") {
		t.Errorf("ann's stream carried a routed event for dina's hand-off: %v", annTypes)
	}
	for _, name := range []string{"ann", "bob"} {
		if got := queueIDs(t, d.staff[name]); !slices.Contains(got, second) {
			t.Errorf("%s's queue = %v, want the routed hand-off %s in it", name, got, second)
		}
	}

	// Only outsiders online: no routing, but the hand-off queues (bob may
	// take it).
	setOnline(t, d.staff["ann"], "away")
	setOnline(t, d.staff["dina"], "away")
	third := d.handoffIn(t, "default")
	if got := routedTo(third); got != "" {
		t.Errorf("hand-off with no shop member online routed to %q, want nobody", got)
	}
	r := root.want(t, 200, "GET", "/api/v1/handoffs/"+third, "")
	if got := js(jm(r.body["handoff"])["status"]); got != "queued" {
		t.Errorf("unrouted hand-off status = %s, want queued", got)
	}
	// Collection other has no routing in its policy.
	if got := routedTo(d.handoffIn(t, "other")); got != "" {
		t.Errorf("hand-off in other routed to %q, want nobody", got)
	}
}
