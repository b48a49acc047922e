package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// previewDays is how far back a policy preview replays the bot's turns.
const previewDays = 7

// policyPreviewRequest is a collection and the policy proposed for it, in the
// policy document's format (fields it leaves out keep the default's).
type policyPreviewRequest struct {
	Collection string          `json:"collection"`
	Policy     json.RawMessage `json:"policy"`
}

// previewPolicy replays the last week of a collection's bot turns under
// its current policy and a proposed one, so an admin sees what a change
// does before saving it: {"turns", "now", "then", "reasons", ...}.
func (s *Server) previewPolicy(c *gin.Context) {
	var req policyPreviewRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	req.Collection = strings.TrimSpace(req.Collection)
	if req.Collection == "" || len(req.Policy) == 0 {
		s.fail(c, fmt.Errorf("send {collection, policy}: %w", kb.ErrInvalid))
		return
	}
	current := s.bot.Policies()
	proposed, err := proposedPolicy(current, req.Collection, req.Policy)
	if err != nil {
		s.fail(c, err)
		return
	}
	since := time.Now().AddDate(0, 0, -previewDays)
	trs, err := s.transcripts(c.Request.Context(), req.Collection, since)
	if err != nil {
		s.fail(c, err)
		return
	}
	// As turns apply them: each with the collection's measured hand-off
	// threshold where it asks for that.
	pv := escalate.ComparePolicies(s.bot.InForce(req.Collection, current.For(req.Collection)), s.bot.InForce(req.Collection, proposed), trs, s.articleLookup(c.Request.Context()))
	c.JSON(http.StatusOK, gin.H{"collection": req.Collection, "days": previewDays, "since": since,
		"turns": pv.Turns, "now": pv.Now, "then": pv.Then, "reasons": pv.Reasons})
}

// proposedPolicy parses a collection's proposed policy as PUT
// /admin/policies would, on top of the current default, so that its
// errors are the ones saving would give.
func proposedPolicy(current *escalate.Config, collection string, policy json.RawMessage) (escalate.Policy, error) {
	def, err := json.Marshal(current.Default)
	if err != nil {
		return escalate.Policy{}, err
	}
	doc, err := json.Marshal(map[string]any{"default": json.RawMessage(def), "collections": map[string]json.RawMessage{collection: policy}})
	if err != nil {
		return escalate.Policy{}, fmt.Errorf("policy is not a JSON object: %v: %w", err, kb.ErrInvalid)
	}
	cfg, err := escalate.ParseConfig(doc)
	if err != nil {
		return escalate.Policy{}, err
	}
	return cfg.For(collection), nil
}

// transcripts loads a collection's conversations with a message since a
// time, whole (their earlier turns are the later ones' history), with
// their service stage; only turns since then are to be counted.
func (s *Server) transcripts(ctx context.Context, collection string, since time.Time) ([]escalate.Transcript, error) {
	ids, err := s.store.ActiveConversations(ctx, collection, since)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	trs := make([]escalate.Transcript, 0, len(ids))
	for _, id := range ids {
		conv, err := s.store.Conversation(ctx, id)
		if errors.Is(err, kb.ErrNotFound) {
			continue // erased meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("load conversation %s: %w", id, err)
		}
		msgs, err := s.store.Messages(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("load messages of %s: %w", id, err)
		}
		tr := escalate.Transcript{Messages: msgs, Since: since}
		if conv.Context != nil {
			tr.Stage = conv.Context.Stage
		}
		trs = append(trs, tr)
	}
	return trs, nil
}

// articleLookup returns the replay's view of the articles replies cited,
// each loaded once; one gone since is none.
func (s *Server) articleLookup(ctx context.Context) func(string) *kb.Article {
	seen := map[string]*kb.Article{}
	return func(id string) *kb.Article {
		if a, ok := seen[id]; ok {
			return a
		}
		a, err := s.store.Article(ctx, id)
		if err != nil {
			a = nil
		}
		seen[id] = a
		return a
	}
}

// policyCollections lists the collections an admin may set a policy for:
// those with a policy of their own and those holding articles, sorted.
func (s *Server) policyCollections(ctx context.Context) []string {
	names, err := s.store.Collections(ctx)
	if err != nil {
		s.log.Error("list collections", "err", err)
	}
	for name := range s.bot.Policies().Collections {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
