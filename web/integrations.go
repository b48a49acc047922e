package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/kb"
)

// The admin API for integrations (/api/v1/admin/integrations): what is
// connected to Baton, and a test event to check the connection. The
// webhook's secret is never shown, nor the parts of its URL that may
// carry a token.

// noWebhookMessage is why a test event cannot be sent; the admin console
// says the same over its Integrations section.
const noWebhookMessage = "no webhook is configured; set --webhook-url and --webhook-secret (BATON_WEBHOOK_URL, BATON_WEBHOOK_SECRET) and restart"

func (s *Server) integrations(c *gin.Context) {
	hook := gin.H{"configured": false}
	if w := s.opts.Webhook; w != nil {
		hook = gin.H{"configured": true, "url": w.Target()}
	}
	c.JSON(http.StatusOK, gin.H{"webhook": hook})
}

// testWebhook sends the receiver a webhook.test event and shows its
// answer. An unreachable receiver is a result of the test, not a failure
// of the request: 200 with the error.
func (s *Server) testWebhook(c *gin.Context) {
	w := s.opts.Webhook
	if w == nil {
		s.fail(c, fmt.Errorf("%s: %w", noWebhookMessage, kb.ErrConflict))
		return
	}
	actor := auditActor(c)
	p, err := w.Probe(c.Request.Context(), gin.H{"message": "a test event sent from the Baton admin console", "by": actor})
	out, detail := gin.H{}, gin.H{}
	if err != nil {
		out["error"], detail["error"] = err.Error(), err.Error()
	} else {
		out["status"], out["body"], out["ms"] = p.Status, p.Body, p.Elapsed.Milliseconds()
		detail["status"] = p.Status
	}
	b, _ := json.Marshal(detail)
	e := &kb.AuditEntry{Actor: actor, Action: "integration.test", Target: w.Target(), Detail: string(b)}
	if err := s.store.AddAudit(context.WithoutCancel(c.Request.Context()), e); err != nil {
		s.fail(c, fmt.Errorf("audit integration.test: %w", err))
		return
	}
	c.JSON(http.StatusOK, out)
}
