package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/batonhq/baton/kb"
)

func testTeams(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, u := range []*kb.User{
		{ID: "u1", Name: "ann", Role: kb.UserAgent, PasswordHash: "h"},
		{ID: "u2", Name: "bob", Role: kb.UserAgent, PasswordHash: "h"},
	} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if ts, err := s.Teams(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("Teams() on an empty store = %v, %v; want none", ts, err)
	}
	if err := s.CreateTeam(ctx, &kb.Team{ID: "t1", Name: "billing"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTeam(ctx, &kb.Team{ID: "t2", Name: "account"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTeam(ctx, &kb.Team{ID: "t3", Name: "billing"}); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("CreateTeam(taken name) err = %v, want ErrConflict", err)
	}
	if err := s.CreateTeam(ctx, &kb.Team{ID: "t3", Name: " "}); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("CreateTeam(blank name) err = %v, want ErrInvalid", err)
	}

	if err := s.SetTeamMembers(ctx, "t1", []string{"u2", "u1", "u2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamCollections(ctx, "t1", []string{"shop", "billing"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Team(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "billing" || !slices.Equal(got.Members, []string{"u1", "u2"}) || !slices.Equal(got.Collections, []string{"billing", "shop"}) {
		t.Errorf("Team(t1) = %+v, want billing with members u1, u2 and collections billing, shop", got)
	}
	// Replacing, not adding.
	if err := s.SetTeamMembers(ctx, "t1", []string{"u2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamCollections(ctx, "t1", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Team(ctx, "t1"); got == nil || !slices.Equal(got.Members, []string{"u2"}) || len(got.Collections) != 0 {
		t.Errorf("Team(t1) after replacing = %+v, want member u2 and no collections", got)
	}
	if err := s.SetTeamMembers(ctx, "t1", []string{"u1", "nobody"}); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("SetTeamMembers(unknown user) err = %v, want ErrNotFound", err)
	}
	if got, _ := s.Team(ctx, "t1"); got == nil || !slices.Equal(got.Members, []string{"u2"}) {
		t.Errorf("a refused SetTeamMembers changed the members: %+v", got)
	}
	for name, err := range map[string]error{
		"SetTeamMembers":     s.SetTeamMembers(ctx, "nope", []string{"u1"}),
		"SetTeamCollections": s.SetTeamCollections(ctx, "nope", []string{"shop"}),
		"RenameTeam":         s.RenameTeam(ctx, "nope", "x"),
		"DeleteTeam":         s.DeleteTeam(ctx, "nope"),
	} {
		if !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("%s(unknown team) err = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := s.Team(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Team(nope) err = %v, want ErrNotFound", err)
	}

	if err := s.RenameTeam(ctx, "t2", "billing"); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("RenameTeam(taken name) err = %v, want ErrConflict", err)
	}
	if err := s.RenameTeam(ctx, "t2", "support"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamCollections(ctx, "t2", []string{"shop"}); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Teams(ctx)
	if err != nil || len(ts) != 2 || ts[0].Name != "billing" || ts[1].Name != "support" || !slices.Equal(ts[1].Collections, []string{"shop"}) {
		t.Errorf("Teams() = %+v, %v; want billing then support (serving shop)", ts, err)
	}

	// A hand-off transferred to a team keeps it until the team is deleted.
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "conv1", Collection: "shop", Lang: "en", TokenHash: "x", Status: kb.StatusHandoff}); err != nil {
		t.Fatal(err)
	}
	h := &kb.Handoff{ID: "h1", ConversationID: "conv1", Collection: "shop", Status: kb.HandoffQueued, Team: "t2"}
	if err := s.CreateHandoff(ctx, h); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Handoff(ctx, "h1"); got == nil || got.Team != "t2" {
		t.Errorf("Handoff(h1).Team = %+v, want t2", got)
	}
	h.Team = "t1"
	if err := s.UpdateHandoff(ctx, h, kb.HandoffQueued, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Handoff(ctx, "h1"); got == nil || got.Team != "t1" {
		t.Errorf("Handoff(h1).Team after UpdateHandoff = %+v, want t1", got)
	}
	if err := s.DeleteTeam(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Handoff(ctx, "h1"); got == nil || got.Team != "" {
		t.Errorf("Handoff(h1).Team after deleting its team = %+v, want none", got)
	}
	if _, err := s.Team(ctx, "t1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Team(deleted) err = %v, want ErrNotFound", err)
	}
	if ts, _ := s.Teams(ctx); len(ts) != 1 || ts[0].ID != "t2" {
		t.Errorf("Teams() after delete = %+v, want t2 only", ts)
	}
}
