package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/kb"
)

// The admin API for integrations (/api/v1/admin/integrations): what is
// connected to Baton, changing it, and a test event to check the
// connection. The webhook's secret is never shown, nor the parts of its
// URL that may carry a token.

// noWebhookMessage is why a test event cannot be sent; the admin console
// says the same over its Integrations section.
const noWebhookMessage = "no webhook is configured; set one under Integrations in the admin console (PUT /api/v1/admin/integrations/webhook), or start with --webhook-url and --webhook-secret (BATON_WEBHOOK_URL, BATON_WEBHOOK_SECRET)"

// WebhookTarget is the webhook's receiver as an admin saves it: where
// hand-off events go and the key that signs them; both empty is none.
type WebhookTarget struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// current is the receiver the webhook sends to now; empty when off.
func (w *Webhook) current() WebhookTarget {
	t := w.target.Load()
	if t == nil {
		return WebhookTarget{}
	}
	return WebhookTarget{URL: t.url, Secret: string(t.secret)}
}

func (s *Server) integrations(c *gin.Context) {
	out, err := s.integrationsView(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// integrationsView is what GET shows: the webhook's receiver, whether it
// has a secret (never the secret), and what its outbox holds, every
// node's deliveries.
func (s *Server) integrationsView(ctx context.Context) (gin.H, error) {
	hook := gin.H{"configured": false, "secret_set": false}
	if w := s.opts.Webhook; w != nil && w.On() {
		hook = gin.H{"configured": true, "url": w.Target(), "secret_set": true}
	}
	n, err := s.store.CountDeliveries(ctx)
	if err != nil {
		return nil, err
	}
	return gin.H{"webhook": hook, "outbox": n, "editable": s.opts.Webhook != nil && s.opts.SaveWebhook != nil}, nil
}

// webhookRequest is the body of PUT /api/v1/admin/integrations/webhook.
// An empty URL turns the webhook off, its secret with it; a secret left
// out keeps the one in force, so changing the URL does not mean typing
// the secret again.
type webhookRequest struct {
	URL    *string `json:"url"`
	Secret *string `json:"secret"`
}

// putWebhook sets, changes or clears the webhook's receiver: saved for
// every node (Options.SaveWebhook), applied here at once, and audited
// with the URLs before and after as staff may see them and whether a
// secret was set, never the secret.
func (s *Server) putWebhook(c *gin.Context) {
	w := s.opts.Webhook
	if w == nil || s.opts.SaveWebhook == nil {
		s.fail(c, fmt.Errorf("this server cannot change its webhook: %w", kb.ErrConflict))
		return
	}
	var req webhookRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if req.URL == nil {
		s.fail(c, fmt.Errorf("url is required: the receiver's URL, or an empty one to turn the webhook off: %w", kb.ErrInvalid))
		return
	}
	s.webhookMu.Lock()
	defer s.webhookMu.Unlock()
	before := w.current()
	next := WebhookTarget{URL: strings.TrimSpace(*req.URL)}
	switch {
	case next.URL == "": // off: the secret goes with the receiver
	case req.Secret != nil:
		next.Secret = *req.Secret
	default:
		next.Secret = before.Secret
	}
	if _, err := newTarget(next.URL, next.Secret); err != nil {
		s.fail(c, err)
		return
	}
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.opts.SaveWebhook(ctx, next); err != nil {
		s.fail(c, fmt.Errorf("save webhook: %w", err))
		return
	}
	if err := w.SetTarget(next.URL, next.Secret); err != nil { // checked above
		s.fail(c, err)
		return
	}
	type side struct {
		URL       string `json:"url"`
		SecretSet bool   `json:"secret_set"`
	}
	detail, _ := json.Marshal(struct {
		Before        side `json:"before"`
		After         side `json:"after"`
		SecretChanged bool `json:"secret_changed"`
	}{side{RedactURL(before.URL), before.Secret != ""}, side{RedactURL(next.URL), next.Secret != ""}, before.Secret != next.Secret})
	if err := s.store.AddAudit(ctx, &kb.AuditEntry{Actor: auditActor(c), Action: "integration.webhook", Target: "webhook", Detail: string(detail)}); err != nil {
		s.fail(c, fmt.Errorf("audit integration.webhook: %w", err))
		return
	}
	s.log.Info("webhook receiver changed", "url", RedactURL(next.URL), "by", auditActor(c))
	out, err := s.integrationsView(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// testWebhook sends the receiver a webhook.test event and shows its
// answer. An unreachable receiver is a result of the test, not a failure
// of the request: 200 with the error.
func (s *Server) testWebhook(c *gin.Context) {
	w := s.opts.Webhook
	if w == nil || !w.On() {
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
