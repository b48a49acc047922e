package escalate

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/batonhq/baton/kb"
)

// Least-busy routing: with a collection's policy saying
// `routing: least_busy`, a new hand-off that queues is routed to one
// agent, the one holding the fewest claimed hand-offs among the online
// members of the teams serving its collection. That agent is told first
// (an EventRouted on their stream only); the hand-off still queues for
// everyone who may take it.

// Routing policies (Policy.Routing).
const (
	RoutingNone      = ""           // no routing: the queue alone
	RoutingLeastBusy = "least_busy" // to the least busy online team member
)

// validRouting checks a policy's routing.
func validRouting(r string) error {
	if r != RoutingNone && r != RoutingLeastBusy {
		return fmt.Errorf("routing %q: want %q or nothing: %w", r, RoutingLeastBusy, kb.ErrInvalid)
	}
	return nil
}

// leastBusy picks, among the online users who belong to a team serving
// collection, the one holding the fewest claimed hand-offs of open; ties
// go to the name first in order, then the id. It returns "" when no such
// user is online: agents in no team are never picked, since routing
// follows the teams.
func leastBusy(collection string, online []*kb.User, teams []*kb.Team, open []*kb.Handoff) string {
	serving := map[string]bool{}
	for _, t := range teams {
		if slices.Contains(t.Collections, collection) {
			for _, id := range t.Members {
				serving[id] = true
			}
		}
	}
	load := map[string]int{}
	for _, h := range open {
		if h.Status == kb.HandoffClaimed {
			load[h.ClaimedBy]++
		}
	}
	var best *kb.User
	for _, u := range online {
		if !serving[u.ID] || u.Disabled {
			continue
		}
		if best == nil || cmp.Or(cmp.Compare(load[u.ID], load[best.ID]), cmp.Compare(u.Name, best.Name), cmp.Compare(u.ID, best.ID)) < 0 {
			best = u
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

// route returns the agent a new hand-off in collection goes to first, or
// "" when the collection's policy does not route or nobody fits.
func (d *Desk) route(ctx context.Context, collection string) (string, error) {
	if d.Policies == nil || d.Policies().For(collection).Routing != RoutingLeastBusy {
		return "", nil
	}
	teams, err := d.Store.Teams(ctx)
	if err != nil || len(teams) == 0 {
		return "", err
	}
	ps, err := d.Store.Presences(ctx)
	if err != nil {
		return "", err
	}
	var online []*kb.User
	for _, p := range ps {
		if p.Status != kb.PresenceOnline || d.now().Sub(p.SeenAt) >= PresenceTTL {
			continue
		}
		if u, err := d.Store.User(ctx, p.UserID); err == nil {
			online = append(online, u)
		}
	}
	claimed, err := d.Store.Handoffs(ctx, kb.HandoffFilter{Status: []string{kb.HandoffClaimed}})
	if err != nil {
		return "", err
	}
	return leastBusy(collection, online, teams, claimed), nil
}
