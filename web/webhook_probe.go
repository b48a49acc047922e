package web

import (
	"context"
	"io"
	"net/url"
	"time"
)

// probeBodyBytes is how much of a receiver's answer to a test event is
// shown: enough for an error message, not a whole page.
const probeBodyBytes = 500

// WebhookProbe is how the receiver answered a test event.
type WebhookProbe struct {
	Status  int           // the HTTP status
	Body    string        // the first 500 bytes of the response body
	Elapsed time.Duration // from sending to the end of the excerpt
}

// Probe sends one event "webhook.test" with data to the receiver now and
// waits for its answer: signed and with the headers of every delivery,
// but not through the outbox and never retried, within the per-attempt
// timeout. Any status is an answer; the error says the receiver could not
// be reached (or Close aborted the attempt), without the URL.
func (w *Webhook) Probe(ctx context.Context, data any) (WebhookProbe, error) {
	id, body, err := encodeEvent("webhook.test", data)
	if err != nil {
		return WebhookProbe{}, err
	}
	// Close aborts a probe too: w.ctx ends with it, ctx with the request.
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	stop := context.AfterFunc(w.ctx, cancel)
	defer stop()
	start := time.Now()
	resp, err := w.post(ctx, "webhook.test", id, body)
	if err != nil {
		return WebhookProbe{}, err
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, probeBodyBytes))
	return WebhookProbe{Status: resp.StatusCode, Body: string(excerpt), Elapsed: time.Since(start)}, nil
}

// Target is the receiver's URL as staff may see it (RedactURL); empty
// while the webhook is off.
func (w *Webhook) Target() string {
	t := w.target.Load()
	if t == nil {
		return ""
	}
	return RedactURL(t.url)
}

// RedactURL is a webhook URL as staff may see it: scheme, host and path,
// without the user info, query or fragment that may carry a token; empty
// when it does not parse.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || rawURL == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}
