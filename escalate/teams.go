package escalate

import (
	"context"
	"fmt"
	"slices"

	"github.com/batonhq/baton/kb"
)

// Teams: an agent who belongs to a team sees and takes only the hand-offs
// of the collections their teams serve, and those transferred to one of
// their teams. An agent in no team (every agent, while no team exists)
// sees every collection; admins see everything.

// Scope is what one member of staff may see of the hand-offs.
type Scope struct {
	all         bool            // an admin
	teamed      bool            // in at least one team
	teams       map[string]bool // the ids of their teams
	collections map[string]bool // what their teams serve
}

// Allows reports whether h is within the scope.
func (s *Scope) Allows(h *kb.Handoff) bool {
	switch {
	case s.all:
		return true
	case h.Team != "":
		return s.teams[h.Team]
	default:
		return s.AllowsCollection(h.Collection)
	}
}

// AllowsCollection reports whether the collection's conversations are
// within the scope.
func (s *Scope) AllowsCollection(collection string) bool {
	return s.all || !s.teamed || s.collections[collection]
}

// Scope reads which hand-offs u may see and take.
func (d *Desk) Scope(ctx context.Context, u *kb.User) (*Scope, error) {
	if u.Role == kb.UserAdmin {
		return &Scope{all: true}, nil
	}
	ts, err := d.Store.Teams(ctx)
	if err != nil {
		return nil, err
	}
	return scopeOf(u, ts), nil
}

func scopeOf(u *kb.User, ts []*kb.Team) *Scope {
	s := &Scope{teams: map[string]bool{}, collections: map[string]bool{}}
	for _, t := range ts {
		if !slices.Contains(t.Members, u.ID) {
			continue
		}
		s.teamed = true
		s.teams[t.ID] = true
		for _, c := range t.Collections {
			s.collections[c] = true
		}
	}
	return s
}

// Allowed returns kb.ErrForbidden unless u may see and take h.
func (d *Desk) Allowed(ctx context.Context, u *kb.User, h *kb.Handoff) error {
	sc, err := d.Scope(ctx, u)
	if err != nil {
		return err
	}
	if !sc.Allows(h) && h.Team != "" {
		return fmt.Errorf("handoff %s was transferred to a team %s is not in: %w", h.ID, u.Name, kb.ErrForbidden)
	}
	if !sc.Allows(h) {
		return fmt.Errorf("handoff %s is in collection %s, which none of %s's teams serves: %w", h.ID, h.Collection, u.Name, kb.ErrForbidden)
	}
	return nil
}

// QueueFor is the Queue as u may see it.
func (d *Desk) QueueFor(ctx context.Context, u *kb.User) ([]*kb.Handoff, error) {
	q, err := d.Queue(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := d.Scope(ctx, u)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(q, func(h *kb.Handoff) bool { return !sc.Allows(h) }), nil
}

// TransferToTeam puts a held hand-off back in the queue for one team,
// which must serve its collection: only the team's members (and admins)
// can claim it then.
func (d *Desk) TransferToTeam(ctx context.Context, u *kb.User, id, teamID string) (*kb.Handoff, error) {
	h, err := d.held(ctx, u, id)
	if err != nil {
		return nil, err
	}
	t, err := d.Store.Team(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("transfer to team %q: %w", teamID, err)
	}
	if !slices.Contains(t.Collections, h.Collection) {
		return nil, fmt.Errorf("transfer: team %s does not serve collection %s: %w", t.Name, h.Collection, kb.ErrInvalid)
	}
	h.Status, h.ClaimedBy, h.ClaimedAt, h.Team = kb.HandoffQueued, "", nil, t.ID
	if err := d.Store.UpdateHandoff(ctx, h, kb.HandoffClaimed, u.ID); err != nil {
		return nil, err
	}
	d.changed(ctx, h, "handoff.transferred")
	return h, d.record(ctx, u.Name, "handoff.transfer", h.ID, fmt.Sprintf("conversation %s, from %s to team %s", h.ConversationID, u.Name, t.Name))
}
