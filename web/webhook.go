package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/kb"
)

// Headers of a webhook delivery; VerifyWebhook checks the last two.
const (
	headerEvent     = "X-Baton-Event"
	headerDelivery  = "X-Baton-Delivery"
	headerTimestamp = "X-Baton-Timestamp"
	headerSignature = "X-Baton-Signature"
	signaturePrefix = "sha256="
)

// maxRetryDelay caps both the doubling backoff and a receiver's
// Retry-After: a hand-off notice that arrives more than a minute late per
// step is worth less than the next event waiting behind it.
const maxRetryDelay = time.Minute

// noHint marks an attempt whose response said nothing about when to retry.
const noHint time.Duration = -1

// Webhook posts hand-off events to one URL, signed, retried, in the background.
//
// Events are delivered one at a time, in the order Notify was called, by a
// single goroutine; a slow or failing receiver therefore delays later events
// rather than reordering them. Call Close to stop it.
type Webhook struct {
	url     string
	secret  []byte
	retries int
	backoff time.Duration
	timeout time.Duration
	client  *http.Client
	log     *slog.Logger

	// mu guards closed and the closing of queue, so Notify never sends on
	// a closed channel.
	mu     sync.RWMutex
	closed bool
	queue  chan delivery

	// forgotten maps an erased conversation to the last delivery queued
	// before its erasure: up to there, deliveries about it are dropped.
	// seq numbers the deliveries queued.
	forgetMu  sync.Mutex
	forgotten map[string]uint64
	seq       uint64

	// ctx is cancelled when Close runs out of time: it aborts the attempt
	// in flight and any retry wait, and the rest of the queue is dropped.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the delivery goroutine exits
}

// WebhookOptions configure a Webhook. Zero values take the defaults noted.
type WebhookOptions struct {
	URL     string
	Secret  string        // HMAC-SHA256 key; required
	Retries int           // attempts after the first; default 5 (0), negative for none
	Backoff time.Duration // first retry delay, doubling, capped at 1 minute; default 1s
	Timeout time.Duration // per attempt; default 10s
	Queue   int           // pending events buffered; default 1000
	Client  *http.Client  // default: http.Client with Timeout
	Log     *slog.Logger  // default: slog.Default()
}

// delivery is one queued event, already encoded so every attempt sends the
// same bytes under the same id.
type delivery struct {
	id           string
	event        string
	body         []byte
	conversation string // the conversation the event is about, if any
	seq          uint64
}

// webhookPayload is the JSON body of a delivery.
type webhookPayload struct {
	ID        string `json:"id"`
	Event     string `json:"event"`
	CreatedAt string `json:"created_at"`
	Data      any    `json:"data"`
}

// NewWebhook checks o and starts the delivery goroutine. The URL must be an
// absolute http or https URL and the secret non-empty; otherwise the error
// wraps kb.ErrInvalid.
func NewWebhook(o WebhookOptions) (*Webhook, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		// The URL itself stays out of the message: it may carry a token.
		return nil, fmt.Errorf("webhook url does not parse: %w", kb.ErrInvalid)
	}
	if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook url must be an absolute http or https URL: %w", kb.ErrInvalid)
	}
	if o.Secret == "" {
		// Unsigned deliveries would let anyone who learns the receiver's
		// address forge hand-offs, so there is no opt-out.
		return nil, fmt.Errorf("webhook secret is required: %w", kb.ErrInvalid)
	}
	if o.Retries == 0 {
		o.Retries = 5
	}
	o.Retries = max(o.Retries, 0)
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	o.Backoff = min(o.Backoff, maxRetryDelay)
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 1000
	}
	if o.Client == nil {
		o.Client = &http.Client{
			Timeout: o.Timeout,
			// Following a redirect would turn the POST into a GET without
			// the body, or send a signed event somewhere nobody configured;
			// a 3xx is reported as a failure instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Webhook{
		url:       u.String(),
		secret:    []byte(o.Secret),
		retries:   o.Retries,
		backoff:   o.Backoff,
		timeout:   o.Timeout,
		client:    o.Client,
		log:       o.Log,
		queue:     make(chan delivery, o.Queue),
		forgotten: map[string]uint64{},
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// Notify queues event with data for delivery and returns at once. It never
// blocks: a hand-off must not wait on a third party's receiver, so when the
// queue is full, or the Webhook is closed, the event is logged and dropped.
func (w *Webhook) Notify(event string, data any) {
	id := rand.Text()
	body, err := json.Marshal(webhookPayload{
		ID:        id,
		Event:     event,
		CreatedAt: time.Now().UTC().Format(time.RFC3339),
		Data:      data,
	})
	if err != nil {
		w.log.Error("webhook event dropped: cannot encode", "event", event, "id", id, "err", err)
		return
	}
	d := delivery{id: id, event: event, body: body}
	if h, ok := data.(*kb.Handoff); ok {
		d.conversation = h.ConversationID
	}
	var closed, queued bool
	w.mu.RLock()
	if !w.closed {
		w.forgetMu.Lock()
		w.seq++
		d.seq = w.seq
		w.forgetMu.Unlock()
		select {
		case w.queue <- d:
			queued = true
		default:
		}
	} else {
		closed = true
	}
	w.mu.RUnlock()
	switch {
	case closed:
		w.log.Error("webhook event dropped: notifier closed", "event", event, "id", id)
	case !queued:
		w.log.Error("webhook event dropped: queue full", "event", event, "id", id, "queue", cap(w.queue))
	}
}

// Close stops accepting events and delivers those already queued, retries
// included, until ctx ends. If ctx ends first, the attempt in flight is
// aborted, what remains is logged and dropped, and ctx's error is returned.
// Close may be called more than once.
func (w *Webhook) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		w.cancel()
		return nil
	case <-ctx.Done():
		w.cancel()
		<-w.done
		return fmt.Errorf("close webhook: %w", ctx.Err())
	}
}

// Forget drops the deliveries queued about conversations, and stops the
// retries of one in flight: they were erased, and their customers' contact
// details must not leave after that.
func (w *Webhook) Forget(conversationIDs []string) {
	w.forgetMu.Lock()
	defer w.forgetMu.Unlock()
	for _, id := range conversationIDs {
		w.forgotten[id] = w.seq
	}
}

// isForgotten reports whether d is about a conversation erased after it
// was queued.
func (w *Webhook) isForgotten(d delivery) bool {
	if d.conversation == "" {
		return false
	}
	w.forgetMu.Lock()
	defer w.forgetMu.Unlock()
	last, ok := w.forgotten[d.conversation]
	return ok && d.seq <= last
}

// delivered forgets the erasures that no queued delivery can be about any more.
func (w *Webhook) delivered(d delivery) {
	w.forgetMu.Lock()
	defer w.forgetMu.Unlock()
	for id, last := range w.forgotten {
		if last <= d.seq {
			delete(w.forgotten, id)
		}
	}
}

// run delivers queued events in order until the queue is closed and empty.
func (w *Webhook) run() {
	defer close(w.done)
	for d := range w.queue {
		switch {
		case w.ctx.Err() != nil:
			w.log.Error("webhook event dropped: shut down before delivery", "event", d.event, "id", d.id)
		case w.isForgotten(d):
			w.log.Info("webhook event dropped: its conversation was erased", "event", d.event, "id", d.id)
		default:
			w.deliver(d)
		}
		w.delivered(d)
	}
}

// deliver makes up to retries+1 attempts at d, logging if all fail.
func (w *Webhook) deliver(d delivery) {
	delay := w.backoff
	for attempt := 1; ; attempt++ {
		if attempt > 1 && w.isForgotten(d) {
			w.log.Info("webhook retries stopped: the conversation was erased", "event", d.event, "id", d.id, "attempts", attempt-1)
			return
		}
		hint, retry, err := w.attempt(d)
		switch {
		case err == nil:
			return
		case w.ctx.Err() != nil:
			w.log.Error("webhook delivery abandoned at shutdown", "event", d.event, "id", d.id, "attempts", attempt, "err", err)
			return
		case !retry:
			w.log.Error("webhook delivery rejected", "event", d.event, "id", d.id, "attempts", attempt, "err", err)
			return
		case attempt > w.retries:
			w.log.Error("webhook delivery failed", "event", d.event, "id", d.id, "attempts", attempt, "err", err)
			return
		}
		wait := delay
		if hint != noHint {
			wait = hint
		}
		delay = min(delay*2, maxRetryDelay)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
			w.log.Error("webhook delivery abandoned at shutdown", "event", d.event, "id", d.id, "attempts", attempt, "err", err)
			return
		}
	}
}

// attempt posts d once. It reports whether a failure is worth retrying and,
// when the receiver said when to come back, how long to wait (else noHint).
func (w *Webhook) attempt(d delivery) (hint time.Duration, retry bool, err error) {
	// The context bounds the attempt even with a caller's Client that has
	// no timeout, and lets Close abort it.
	ctx, cancel := context.WithTimeout(w.ctx, w.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(d.body))
	if err != nil {
		return noHint, false, fmt.Errorf("build webhook request: %w", err)
	}
	// A fresh timestamp per attempt keeps retries inside the receiver's
	// replay window; the delivery id stays the same for de-duplication.
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton-Webhook/1")
	req.Header.Set(headerEvent, d.event)
	req.Header.Set(headerDelivery, d.id)
	req.Header.Set(headerTimestamp, ts)
	req.Header.Set(headerSignature, webhookSignature(w.secret, ts, d.body))
	resp, err := w.client.Do(req)
	if err != nil {
		return noHint, true, fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	// Read a little of the body so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return noHint, false, nil
	case code == http.StatusTooManyRequests || code >= 500:
		if after, ok := retryAfter(resp.Header); ok {
			hint = after
		} else {
			hint = noHint
		}
		return hint, true, fmt.Errorf("webhook receiver answered %s", resp.Status)
	default:
		// Other 4xx (and unfollowed 3xx) mean the receiver will never take
		// this request as it is; repeating it only adds load.
		return noHint, false, fmt.Errorf("webhook receiver answered %s", resp.Status)
	}
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date,
// capped at maxRetryDelay.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Cap before multiplying so a huge value cannot overflow.
		return time.Duration(min(secs, int64(maxRetryDelay/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxRetryDelay), true
	}
	return 0, false
}

// webhookMAC is the HMAC-SHA256 of timestamp + "." + body. The timestamp
// is signed so a captured delivery cannot be replayed later under a new
// timestamp.
func webhookMAC(secret []byte, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// webhookSignature is the X-Baton-Signature value for timestamp and body.
func webhookSignature(secret []byte, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(webhookMAC(secret, timestamp, body))
}

// VerifyWebhook checks a delivery's signature headers against secret and
// rejects timestamps older than maxAge. Timestamps more than maxAge in the
// future are rejected too, so a clock skewed far ahead cannot stretch the
// replay window; maxAge <= 0 skips the age check. Errors wrap kb.ErrInvalid.
func VerifyWebhook(secret string, header http.Header, body []byte, maxAge time.Duration) error {
	ts := header.Get(headerTimestamp)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook timestamp %q is not unix seconds: %w", ts, kb.ErrInvalid)
	}
	hexSig, ok := strings.CutPrefix(header.Get(headerSignature), signaturePrefix)
	if !ok {
		return fmt.Errorf("webhook signature missing or not %s: %w", strings.TrimSuffix(signaturePrefix, "="), kb.ErrInvalid)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("webhook signature is not hex: %w", kb.ErrInvalid)
	}
	want := webhookMAC([]byte(secret), ts, body)
	// hmac.Equal compares in constant time, so response timing does not
	// reveal how much of a forged signature was right.
	if !hmac.Equal(got, want) {
		return fmt.Errorf("webhook signature does not match: %w", kb.ErrInvalid)
	}
	if maxAge > 0 {
		age := time.Since(time.Unix(unix, 0))
		if age > maxAge {
			return fmt.Errorf("webhook timestamp is %v old, over %v: %w", age.Truncate(time.Second), maxAge, kb.ErrInvalid)
		}
		if -age > maxAge {
			return fmt.Errorf("webhook timestamp is %v in the future: %w", (-age).Truncate(time.Second), kb.ErrInvalid)
		}
	}
	return nil
}
