package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

func testRatings(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, c := range []*kb.Conversation{
		{ID: "r1", Collection: "c1", Lang: "en", TokenHash: "a", Status: kb.StatusBot},
		{ID: "r2", Collection: "c1", Lang: "en", TokenHash: "b", Status: kb.StatusBot},
		{ID: "r3", Collection: "c2", Lang: "en", TokenHash: "c", Status: kb.StatusBot},
	} {
		if err := s.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct start times
	}
	if _, err := s.Rating(ctx, "r1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Rating before any err = %v, want ErrNotFound", err)
	}
	for _, tt := range []struct {
		name string
		r    kb.Rating
		want error
	}{
		{"score 0", kb.Rating{ConversationID: "r1", Score: 0}, kb.ErrInvalid},
		{"score 6", kb.Rating{ConversationID: "r1", Score: 6}, kb.ErrInvalid},
		{"long comment", kb.Rating{ConversationID: "r1", Score: 3, Comment: strings.Repeat("好", kb.MaxRatingComment+1)}, kb.ErrInvalid},
		{"no conversation", kb.Rating{ConversationID: "nope", Score: 3}, kb.ErrNotFound},
	} {
		if err := s.PutRating(ctx, &tt.r); !errors.Is(err, tt.want) {
			t.Errorf("PutRating(%s) err = %v, want %v", tt.name, err, tt.want)
		}
	}
	put := func(r kb.Rating) {
		t.Helper()
		if err := s.PutRating(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r.CreatedAt.IsZero() {
			t.Errorf("PutRating left CreatedAt zero")
		}
	}
	put(kb.Rating{ConversationID: "r1", Score: 2, Comment: "slow"})
	put(kb.Rating{ConversationID: "r1", Score: 4, Comment: strings.Repeat("好", kb.MaxRatingComment), AgentID: "u1"})
	put(kb.Rating{ConversationID: "r2", Score: 5})
	put(kb.Rating{ConversationID: "r3", Score: 1, Comment: "no"})
	got, err := s.Rating(ctx, "r1")
	if err != nil || got.Score != 4 || got.AgentID != "u1" || got.Collection != "c1" || got.Comment != strings.Repeat("好", kb.MaxRatingComment) {
		t.Errorf("Rating(r1) = %+v, %v; want the second rating (4, agent u1, collection c1) replacing the first", got, err)
	}
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	all, err := s.Ratings(ctx, "", from, to)
	if err != nil || len(all) != 3 || all[0].ConversationID != "r1" || all[1].ConversationID != "r2" || all[2].ConversationID != "r3" {
		t.Errorf("Ratings(all) = %v, %v; want r1 r2 r3, one each", ratingIDs(all), err)
	}
	c1, _ := s.Ratings(ctx, "c1", from, to)
	if len(c1) != 2 || c1[1].Score != 5 || c1[1].AgentID != "" {
		t.Errorf("Ratings(c1) = %v; want r1 and r2 (5, no agent)", ratingIDs(c1))
	}
	if later, _ := s.Ratings(ctx, "", to, to.Add(time.Hour)); len(later) != 0 {
		t.Errorf("Ratings of conversations started later = %v, want none", ratingIDs(later))
	}
	if _, err := s.EraseConversations(ctx, []string{"r1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rating(ctx, "r1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Rating of an erased conversation err = %v, want ErrNotFound", err)
	}
	if left, _ := s.Ratings(ctx, "", from, to); len(left) != 2 {
		t.Errorf("Ratings after erasing r1 = %v, want r2 r3", ratingIDs(left))
	}
}

func ratingIDs(rs []*kb.Rating) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ConversationID)
	}
	return ids
}
