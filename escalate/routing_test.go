package escalate

import (
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestLeastBusy(t *testing.T) {
	ann := &kb.User{ID: "u-ann", Name: "ann", Role: kb.UserAgent}
	bob := &kb.User{ID: "u-bob", Name: "bob", Role: kb.UserAgent}
	carl := &kb.User{ID: "u-carl", Name: "carl", Role: kb.UserAgent}
	dora := &kb.User{ID: "u-dora", Name: "dora", Role: kb.UserAgent, Disabled: true}
	teams := []*kb.Team{
		{ID: "t-shop", Name: "shop", Members: []string{"u-ann", "u-bob", "u-dora"}, Collections: []string{"default"}},
		{ID: "t-billing", Name: "billing", Members: []string{"u-carl"}, Collections: []string{"other"}},
	}
	held := func(who ...string) []*kb.Handoff {
		var hs []*kb.Handoff
		for _, w := range who {
			hs = append(hs, &kb.Handoff{Status: kb.HandoffClaimed, ClaimedBy: w})
		}
		return hs
	}
	for _, tt := range []struct {
		name       string
		collection string
		online     []*kb.User
		open       []*kb.Handoff
		want       string
	}{
		{"fewest claimed wins", "default", []*kb.User{ann, bob}, held("u-ann", "u-ann", "u-bob"), "u-bob"},
		{"tie goes to the first name", "default", []*kb.User{bob, ann}, held("u-ann", "u-bob"), "u-ann"},
		{"queued hand-offs do not count", "default", []*kb.User{ann, bob}, append(held("u-bob"), &kb.Handoff{Status: kb.HandoffQueued, RoutedTo: "u-ann"}), "u-ann"},
		{"nobody online", "default", nil, nil, ""},
		{"only agents outside the teams online", "default", []*kb.User{carl}, nil, ""},
		{"an idle agent outside the teams is never picked", "default", []*kb.User{ann, carl}, held("u-ann", "u-ann"), "u-ann"},
		{"a disabled member is never picked", "default", []*kb.User{dora, bob}, held("u-bob"), "u-bob"},
		{"a collection no team serves", "nowhere", []*kb.User{ann, bob, carl}, nil, ""},
		{"the other team's collection", "other", []*kb.User{ann, carl}, held("u-carl", "u-carl"), "u-carl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := leastBusy(tt.collection, tt.online, teams, tt.open); got != tt.want {
				t.Errorf("leastBusy(%s) = %q, want %q", tt.collection, got, tt.want)
			}
		})
	}
}

func TestRoutingPolicy(t *testing.T) {
	p := DefaultPolicy
	p.Routing = "round_robin"
	if err := p.Validate(); err == nil {
		t.Errorf("routing round_robin validated, want an error")
	}
	p.Routing = RoutingLeastBusy
	if err := p.Validate(); err != nil {
		t.Errorf("routing least_busy: %v", err)
	}
}
