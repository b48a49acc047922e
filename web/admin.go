package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// requireAdmin admits a member of staff with the admin role (a session or
// a bk_ key) and, as a bootstrap before any admin account exists,
// requests bearing the admin token from the environment when one is set.
func (s *Server) requireAdmin(c *gin.Context) {
	if s.bearsAdminToken(c) {
		c.Next()
		return
	}
	s.adminStaff(c)
}

// bearsAdminToken reports whether the request carries the bootstrap
// admin token (never when none is configured).
func (s *Server) bearsAdminToken(c *gin.Context) bool {
	if s.opts.AdminToken == "" {
		return false
	}
	token, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.opts.AdminToken)) == 1
}

// policyFileMessage is why the policies cannot be changed here: PUT
// answers it with 409 and the admin console shows it over a read-only form.
const policyFileMessage = "policies are managed by the file given with --policy; edit it and restart"

func (s *Server) getPolicies(c *gin.Context) {
	c.JSON(http.StatusOK, s.bot.Policies())
}

// getRecalibrations shows, per collection, how its confidence is adapted
// to it (see answer.Recalibration; a collection not listed has too few
// labelled questions yet and keeps the model's own), and the hand-off
// threshold each measured of itself (answer.SelfThresholds).
func (s *Server) getRecalibrations(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"collections": s.bot.Composer.Recalibrations.All(), "handoff_thresholds": s.bot.SelfThresholds.All()})
}

// putPolicies replaces every collection's hand-off policy at once. The body
// is the same document as the policy file, in JSON.
func (s *Server) putPolicies(c *gin.Context) {
	if !s.policiesManaged() {
		s.fail(c, fmt.Errorf("%s: %w", policyFileMessage, kb.ErrConflict))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		s.fail(c, fmt.Errorf("request body is empty; send the policy document: %w", kb.ErrInvalid))
		return
	}
	cfg, err := escalate.ParseConfig(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.policyMu.Lock()
	defer s.policyMu.Unlock()
	before, _ := json.Marshal(s.bot.Policies())
	if err := s.savePolicies(c.Request.Context(), body); err != nil {
		s.fail(c, fmt.Errorf("save policies: %w", err))
		return
	}
	s.bot.SetPolicies(cfg)
	after, _ := json.Marshal(cfg)
	actor := auditActor(c)
	detail, _ := json.Marshal(struct {
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	}{before, after})
	if err := s.store.AddAudit(context.WithoutCancel(c.Request.Context()), &kb.AuditEntry{Actor: actor, Action: "policy.update", Target: "policies", Detail: string(detail)}); err != nil {
		s.fail(c, fmt.Errorf("audit policy.update: %w", err))
		return
	}
	s.log.Info("hand-off policies replaced", "collections", len(cfg.Collections))
	c.JSON(http.StatusOK, cfg)
}
