package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// The teams API: admins group agents into teams and say which
// collections each serves (escalate.Scope). Every change is audited with
// the team before and after, and ends the live streams of the agents it
// concerns, so their consoles reopen them under the new scope.

// maxCollectionName bounds a collection name a team serves.
const maxCollectionName = 200

func (s *Server) listTeams(c *gin.Context) {
	ts, err := s.store.Teams(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	if ts == nil {
		ts = []*kb.Team{}
	}
	c.JSON(http.StatusOK, gin.H{"teams": ts})
}

// teamMember is a member as the team directory shows it.
type teamMember struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// teamEntry is one team in the directory agents read: who is in it and
// what it serves, and nothing else of the members' accounts.
type teamEntry struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Collections []string     `json:"collections"`
	Members     []teamMember `json:"members"`
}

// teamDirectory lists every team for the desk (agents and admins), so
// that an agent can choose a team or a colleague to transfer to. Disabled
// members are left out: they take no hand-offs.
func (s *Server) teamDirectory(c *gin.Context) {
	ctx := c.Request.Context()
	ts, err := s.store.Teams(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	us, err := s.store.Users(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	users := make(map[string]*kb.User, len(us))
	for _, u := range us {
		users[u.ID] = u
	}
	out := make([]teamEntry, 0, len(ts))
	for _, t := range ts {
		e := teamEntry{ID: t.ID, Name: t.Name, Collections: t.Collections, Members: []teamMember{}}
		if e.Collections == nil {
			e.Collections = []string{}
		}
		for _, id := range t.Members {
			if u, ok := users[id]; ok && !u.Disabled {
				e.Members = append(e.Members, teamMember{ID: u.ID, Name: u.Name})
			}
		}
		out = append(out, e)
	}
	c.JSON(http.StatusOK, gin.H{"teams": out})
}

type teamRequest struct {
	Name string `json:"name"`
}

func (s *Server) createTeam(c *gin.Context) {
	var req teamRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	t := &kb.Team{ID: NewID(), Name: strings.TrimSpace(req.Name)}
	if err := s.store.CreateTeam(c.Request.Context(), t); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditTeam(c, "team.create", t.Name, nil, t); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"team": t})
}

func (s *Server) renameTeam(c *gin.Context) {
	var req teamRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	s.changeTeam(c, "team.rename", func(ctx context.Context, t *kb.Team) error {
		return s.store.RenameTeam(ctx, t.ID, strings.TrimSpace(req.Name))
	})
}

func (s *Server) deleteTeam(c *gin.Context) {
	ctx := c.Request.Context()
	before, err := s.store.Team(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.DeleteTeam(ctx, before.ID); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditTeam(c, "team.delete", before.Name, before, nil); err != nil {
		s.fail(c, err)
		return
	}
	s.teamChanged(before.Members)
	c.Status(http.StatusNoContent)
}

type teamMembersRequest struct {
	Members []string `json:"members"` // user ids
}

// setTeamMembers replaces a team's members; each must be an agent or an
// admin (editors take no hand-offs).
func (s *Server) setTeamMembers(c *gin.Context) {
	var req teamMembersRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	for _, id := range req.Members {
		u, err := s.store.User(ctx, id)
		if err != nil {
			s.fail(c, fmt.Errorf("member %q: no such user: %w", id, kb.ErrInvalid))
			return
		}
		if u.Role != kb.UserAgent && u.Role != kb.UserAdmin {
			s.fail(c, fmt.Errorf("member %s is %s; only agents and admins join teams: %w", u.Name, u.Role, kb.ErrInvalid))
			return
		}
	}
	s.changeTeam(c, "team.members", func(ctx context.Context, t *kb.Team) error {
		return s.store.SetTeamMembers(ctx, t.ID, req.Members)
	})
}

type teamCollectionsRequest struct {
	Collections []string `json:"collections"`
}

func (s *Server) setTeamCollections(c *gin.Context) {
	var req teamCollectionsRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	for i, coll := range req.Collections {
		coll = strings.TrimSpace(coll)
		if coll == "" || utf8.RuneCountInString(coll) > maxCollectionName {
			s.fail(c, fmt.Errorf("collection %q: want 1 to %d characters: %w", coll, maxCollectionName, kb.ErrInvalid))
			return
		}
		req.Collections[i] = coll
	}
	s.changeTeam(c, "team.collections", func(ctx context.Context, t *kb.Team) error {
		return s.store.SetTeamCollections(ctx, t.ID, req.Collections)
	})
}

// changeTeam applies change to the team the path names and answers with
// the team as it is now, auditing before and after.
func (s *Server) changeTeam(c *gin.Context, action string, change func(context.Context, *kb.Team) error) {
	ctx := c.Request.Context()
	before, err := s.store.Team(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := change(ctx, before); err != nil {
		s.fail(c, err)
		return
	}
	after, err := s.store.Team(ctx, before.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditTeam(c, action, after.Name, before, after); err != nil {
		s.fail(c, err)
		return
	}
	s.teamChanged(append(before.Members, after.Members...))
	c.JSON(http.StatusOK, gin.H{"team": after})
}

// auditTeam records a team change, even when the request ends just
// after it; before or after is nil for a team created or deleted.
func (s *Server) auditTeam(c *gin.Context, action, name string, before, after *kb.Team) error {
	b, err := json.Marshal(gin.H{"before": before, "after": after})
	if err != nil {
		return err
	}
	e := &kb.AuditEntry{Actor: auditActor(c), Action: action, Target: name, Detail: string(b)}
	if err := s.store.AddAudit(context.WithoutCancel(c.Request.Context()), e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// teamChanged ends the live streams of the users whose scope may have
// changed, on every node.
func (s *Server) teamChanged(userIDs []string) {
	if s.desk.Events == nil {
		return
	}
	seen := map[string]bool{}
	for _, id := range userIDs {
		if !seen[id] {
			seen[id] = true
			s.desk.Events.Publish(escalate.Event{Type: escalate.EventAccount, Data: id, StaffOnly: true})
		}
	}
}
