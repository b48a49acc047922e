package main

import (
	"net/http"
	"testing"
	"time"
)

// TestDisabledAgentStreamEnds: disabling an agent ends their live event
// stream at once (not at their next reconnect), and only theirs; the
// console's reconnect is then refused.
func TestDisabledAgentStreamEnds(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	staff := e.loginAll(t, "root", "ann", "bob")
	var annSeen, bobSeen []string
	ann := openStream(t, staff["ann"].hc, e.base+"/api/v1/events", nil)
	bob := openStream(t, staff["bob"].hc, e.base+"/api/v1/events", nil)
	waitEvent(t, ann, "ann's first event", &annSeen, func(sseEvent) bool { return true })
	waitEvent(t, bob, "bob's first event", &bobSeen, func(sseEvent) bool { return true })

	staff["root"].want(t, http.StatusOK, "PATCH", "/api/v1/admin/users/"+e.users["ann"].ID, `{"disabled":true}`)
	deadline := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, ok := <-ann:
			open = ok
		case <-deadline:
			t.Fatal("ann's stream still open 5 s after her account was disabled")
		}
	}
	// Bob hears of it and stays connected: a hand-off still reaches him.
	waitEvent(t, bob, "the account event on bob's stream", &bobSeen, func(ev sseEvent) bool { return ev.Type == "account" })
	e.handoff(t, e.newConvo(t))
	waitEvent(t, bob, "a new hand-off on bob's stream", &bobSeen, func(ev sseEvent) bool { return ev.Type == "handoff" })

	req, _ := http.NewRequest("GET", e.base+"/api/v1/events", nil)
	res, err := staff["ann"].hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("ann reconnecting = %d, want 401", res.StatusCode)
	}
}
