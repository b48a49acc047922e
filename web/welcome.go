package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// Limits of what an editor may configure as a collection's welcome.
const (
	maxGreeting    = 500 // characters
	maxStarters    = 5   // per language
	maxStarterText = 200 // characters
)

// welcomeLangs are the languages a welcome is written in.
var welcomeLangs = []string{"en", "zh"}

// welcomeSettings shows an editor what a collection's policy configures
// for its chat page (empty where the built-in greeting or the most
// answered questions apply).
func (s *Server) welcomeSettings(c *gin.Context) {
	c.JSON(http.StatusOK, s.bot.Policies().For(c.Param("c")).Welcome)
}

// putWelcome sets a collection's greeting and starter questions, keeping
// the rest of its policy, and saves the policies as PUT /admin/policies
// does. A language left empty goes back to the built-in greeting and the
// most answered questions.
func (s *Server) putWelcome(c *gin.Context) {
	if !s.policiesManaged() {
		s.fail(c, fmt.Errorf("policies are managed by the file given with --policy; set welcome there and restart: %w", kb.ErrConflict))
		return
	}
	var w escalate.Welcome
	if err := decodeJSON(c.Request.Body, &w, false); err != nil {
		s.fail(c, err)
		return
	}
	w, err := cleanWelcome(w)
	if err != nil {
		s.fail(c, err)
		return
	}
	coll := c.Param("c")
	s.policyMu.Lock()
	defer s.policyMu.Unlock()
	old := s.bot.Policies()
	next := &escalate.Config{Default: old.Default, Collections: maps.Clone(old.Collections)}
	if next.Collections == nil {
		next.Collections = map[string]escalate.Policy{}
	}
	// A collection without a policy of its own gets one: the default's,
	// with this welcome.
	p := old.For(coll)
	p.Welcome = w
	next.Collections[coll] = p
	body, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := escalate.ParseConfig(body); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.savePolicies(c.Request.Context(), body); err != nil {
		s.fail(c, fmt.Errorf("save policies: %w", err))
		return
	}
	s.bot.SetPolicies(next)
	detail, _ := json.Marshal(w)
	if err := s.store.AddAudit(c.Request.Context(), &kb.AuditEntry{Actor: currentUser(c).Name, Action: "welcome.update", Target: coll, Detail: string(detail)}); err != nil {
		s.log.Warn("audit welcome change", "err", err)
	}
	c.JSON(http.StatusOK, w)
}

// cleanWelcome trims a welcome and checks it: known languages, a greeting
// and starters of sensible length, no empty or repeated starter.
func cleanWelcome(w escalate.Welcome) (escalate.Welcome, error) {
	out := escalate.Welcome{Greeting: map[string]string{}, Starters: map[string][]string{}}
	for lang, g := range w.Greeting {
		if !slices.Contains(welcomeLangs, lang) {
			return out, fmt.Errorf("greeting in %q: write it in en or zh: %w", lang, kb.ErrInvalid)
		}
		if g = strings.TrimSpace(g); utf8.RuneCountInString(g) > maxGreeting {
			return out, fmt.Errorf("greeting in %s: at most %d characters: %w", lang, maxGreeting, kb.ErrInvalid)
		} else if g != "" {
			out.Greeting[lang] = g
		}
	}
	for lang, list := range w.Starters {
		if !slices.Contains(welcomeLangs, lang) {
			return out, fmt.Errorf("starters in %q: write them in en or zh: %w", lang, kb.ErrInvalid)
		}
		var kept []string
		for _, q := range list {
			q = strings.TrimSpace(q)
			switch {
			case q == "":
				continue
			case utf8.RuneCountInString(q) > maxStarterText:
				return out, fmt.Errorf("starter %q: at most %d characters: %w", q, maxStarterText, kb.ErrInvalid)
			case slices.ContainsFunc(kept, func(k string) bool { return strings.EqualFold(k, q) }):
				return out, fmt.Errorf("starter %q is there twice: %w", q, kb.ErrInvalid)
			}
			kept = append(kept, q)
		}
		if len(kept) > maxStarters {
			return out, fmt.Errorf("starters in %s: at most %d: %w", lang, maxStarters, kb.ErrInvalid)
		}
		if len(kept) > 0 {
			out.Starters[lang] = kept
		}
	}
	return out, nil
}
