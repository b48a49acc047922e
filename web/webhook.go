package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

const (
	// pollEvery is how often the outbox is read without a local Notify:
	// other nodes' deliveries, and deliveries whose sender died, are
	// picked up within it.
	pollEvery = time.Second
	// claimBatch is how many deliveries one claim takes; they are
	// attempted at once.
	claimBatch = 8
	// leaseMargin is how much a claim outlasts an attempt's timeout: the
	// time to record its outcome. While the lease runs no other sender
	// takes the delivery, so it is never sent twice at once.
	leaseMargin = 30 * time.Second
	// storeTimeout bounds each write to the outbox.
	storeTimeout = 5 * time.Second
)

// Webhook posts hand-off events to one URL, signed, retried, in the
// background, through the store's outbox.
//
// Notify stores each event (kb.Store.EnqueueDelivery) and returns. A
// goroutine claims the deliveries that are due, attempts them, and
// removes or reschedules each; on PostgreSQL the outbox is shared, so
// every node delivers whatever any node queued. Nothing is lost to a
// restart: what was queued is sent by the next start, or by another node.
// Delivery is at least once: a sender that dies mid-attempt holds its
// claim until the lease lapses, then the delivery is sent again, with the
// same body and X-Baton-Delivery id, by which receivers drop duplicates.
//
// A conversation's events arrive in the order Notify was called (and so
// do events about no conversation): a failing one holds up those behind
// it until it is delivered or given up on. Other conversations' events do
// not wait for it. Call Close to stop.
//
// The receiver can change while it runs (SetTarget): each attempt goes to
// the receiver of the moment, signed with its secret. With no receiver
// the webhook is off: Notify stores nothing, and what the outbox holds
// waits for the next receiver.
type Webhook struct {
	target  atomic.Pointer[webhookTarget] // nil: off
	retries int
	backoff time.Duration
	timeout time.Duration
	lease   time.Duration
	client  *http.Client
	store   kb.Store
	log     *slog.Logger

	wake      chan struct{} // a local Notify: claim now
	closing   chan struct{} // closed by Close: deliver what is due, then stop
	closeOnce sync.Once

	// pending holds the retries this Webhook scheduled and has not
	// claimed back, by delivery id: Close waits for them, and the poller
	// wakes for them.
	mu      sync.Mutex
	pending map[string]scheduled

	// ctx is cancelled when Close runs out of time: it aborts the
	// attempts in flight, which stay in the outbox for the next start.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the delivery goroutine exits
}

// webhookTarget is where deliveries go and the key they are signed with.
type webhookTarget struct {
	url    string
	secret []byte
}

// scheduled is a retry a Webhook scheduled: when, and about which conversation.
type scheduled struct {
	at           time.Time
	conversation string
}

// WebhookOptions configure a Webhook. Zero values take the defaults noted.
type WebhookOptions struct {
	URL     string        // the receiver; empty, with an empty Secret, starts the webhook off
	Secret  string        // HMAC-SHA256 key; required with a URL
	Store   kb.Store      // holds the outbox; required
	Retries int           // attempts after the first; default 5 (0), negative for none
	Backoff time.Duration // first retry delay, doubling, capped at 1 minute; default 1s
	Timeout time.Duration // per attempt; default 10s
	Client  *http.Client  // default: http.Client with Timeout
	Log     *slog.Logger  // default: slog.Default()
}

// webhookPayload is the JSON body of a delivery.
type webhookPayload struct {
	ID        string `json:"id"`
	Event     string `json:"event"`
	CreatedAt string `json:"created_at"`
	Data      any    `json:"data"`
}

// NewWebhook checks o and starts the delivery goroutine, which at once
// takes up what the outbox holds. The URL and secret are checked as
// SetTarget checks them, and the store must be set; otherwise the error
// wraps kb.ErrInvalid.
func NewWebhook(o WebhookOptions) (*Webhook, error) {
	target, err := newTarget(o.URL, o.Secret)
	if err != nil {
		return nil, err
	}
	if o.Store == nil {
		return nil, fmt.Errorf("webhook needs a store for its outbox: %w", kb.ErrInvalid)
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
		retries: o.Retries,
		backoff: o.Backoff,
		timeout: o.Timeout,
		lease:   o.Timeout + leaseMargin,
		client:  o.Client,
		store:   o.Store,
		log:     o.Log,
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		pending: map[string]scheduled{},
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	w.target.Store(target)
	go w.run()
	return w, nil
}

// newTarget checks a receiver's URL and secret: an absolute http or https
// URL and a non-empty secret, or both empty for none (nil). Errors wrap
// kb.ErrInvalid and never repeat the URL, which may carry a token.
func newTarget(rawURL, secret string) (*webhookTarget, error) {
	if rawURL == "" && secret == "" {
		return nil, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("webhook url does not parse: %w", kb.ErrInvalid)
	}
	if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook url must be an absolute http or https URL: %w", kb.ErrInvalid)
	}
	if secret == "" {
		// Unsigned deliveries would let anyone who learns the receiver's
		// address forge hand-offs, so there is no opt-out.
		return nil, fmt.Errorf("webhook secret is required: %w", kb.ErrInvalid)
	}
	return &webhookTarget{url: u.String(), secret: []byte(secret)}, nil
}

// SetTarget sends the deliveries from now on to rawURL, signed with
// secret, the outbox's waiting ones included; both empty turn the webhook
// off. Attempts already under way finish with the receiver they started
// with. A URL or secret that NewWebhook would refuse is refused, changing
// nothing.
func (w *Webhook) SetTarget(rawURL, secret string) error {
	t, err := newTarget(rawURL, secret)
	if err != nil {
		return err
	}
	w.target.Store(t)
	w.poke()
	return nil
}

// On reports whether the webhook has a receiver.
func (w *Webhook) On() bool { return w.target.Load() != nil }

// poke wakes the delivery goroutine to claim now.
func (w *Webhook) poke() {
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is already due
	}
}

// Notify stores event with data in the outbox and returns: a hand-off
// waits for the insert, never for the receiver. An event that cannot be
// stored is logged and dropped; while the webhook is off, events are
// not stored, as nobody asked for them. After Close the event is still
// stored, for the next start or another node to send.
func (w *Webhook) Notify(event string, data any) {
	if !w.On() {
		return
	}
	id, body, err := encodeEvent(event, data)
	if err != nil {
		w.log.Error("webhook event dropped: cannot encode", "event", event, "id", id, "err", err)
		return
	}
	d := &kb.Delivery{ID: id, Event: event, Body: body}
	if h, ok := data.(*kb.Handoff); ok {
		d.ConversationID = h.ConversationID
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := w.store.EnqueueDelivery(ctx, d); err != nil {
		w.log.Error("webhook event dropped: not stored in the outbox", "event", event, "id", id, "err", err)
		return
	}
	w.poke()
}

// Close stops the delivery goroutine once the outbox holds nothing due
// that it could send: it delivers what is due, and waits for the retries
// it scheduled, until ctx ends. If ctx ends first, the attempts in flight
// are aborted and ctx's error is returned. Either way what is left stays
// in the outbox, for the next start or another node. Close may be called
// more than once.
func (w *Webhook) Close(ctx context.Context) error {
	w.closeOnce.Do(func() { close(w.closing) })
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

// Forget drops the retries this Webhook scheduled of deliveries about
// conversations that were erased, so that Close does not wait for them.
// The deliveries themselves, held or waiting for a retry, left the outbox
// with the erasure (kb.Store.EraseConversations): an attempt in flight
// is not retried, as its retry finds the delivery gone. Deliveries queued
// after the erasure are sent.
func (w *Webhook) Forget(_ context.Context, conversationIDs []string) {
	w.mu.Lock()
	n := 0
	for id, r := range w.pending {
		if r.conversation != "" && slices.Contains(conversationIDs, r.conversation) {
			delete(w.pending, id)
			n++
		}
	}
	w.mu.Unlock()
	if n > 0 {
		w.log.Info("webhook retries dropped: their conversation was erased", "retries", n)
	}
}

// run claims and delivers due deliveries until Close, and then until
// nothing due is left. While the webhook is off it claims nothing: the
// outbox waits for the next receiver (or another node's).
func (w *Webhook) run() {
	defer close(w.done)
	timer := time.NewTimer(pollEvery)
	defer timer.Stop()
	closing, draining, failing := w.closing, false, false
	for {
		now := time.Now()
		var ds []*kb.Delivery
		var err error
		on := w.On()
		if on {
			ds, err = w.store.ClaimDeliveries(w.ctx, now, w.lease, claimBatch)
		}
		switch {
		case w.ctx.Err() != nil:
			w.release(ds)
			return
		case err != nil:
			if draining {
				w.log.Error("webhook outbox not read at shutdown; what it holds waits for the next start", "err", err)
				return
			}
			if !failing {
				w.log.Error("webhook outbox not read; trying again every second", "err", err)
			}
			failing = true
		case len(ds) > 0:
			failing = false
			w.deliverAll(ds)
			continue // more may be due, or became claimable
		default:
			failing = false
		}
		if draining && !on {
			return
		}
		wait := pollEvery
		if err == nil {
			next, ok := w.nextRetry(now)
			if draining && !ok {
				return
			}
			if ok {
				wait = min(wait, time.Until(next))
			}
		}
		timer.Reset(wait)
		select {
		case <-w.wake:
		case <-timer.C:
		case <-closing:
			draining, closing = true, nil
		case <-w.ctx.Done():
			return
		}
	}
}

// release hands back deliveries claimed as Close ran out of time, due at
// once for whoever sends next.
func (w *Webhook) release(ds []*kb.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	for _, d := range ds {
		w.reschedule(ctx, d, time.Now(), d.Attempts, errors.New("claimed at shutdown"))
	}
}

// nextRetry returns the earliest retry this Webhook scheduled that is
// still to come. Those due by now that the claim at now did not return
// were taken by another node or removed, and are forgotten.
func (w *Webhook) nextRetry(now time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var next time.Time
	for id, r := range w.pending {
		switch {
		case !r.at.After(now):
			delete(w.pending, id)
		case next.IsZero() || r.at.Before(next):
			next = r.at
		}
	}
	return next, !next.IsZero()
}

// deliverAll attempts claimed deliveries at once, each about another
// conversation, and waits for them.
func (w *Webhook) deliverAll(ds []*kb.Delivery) {
	w.mu.Lock()
	for _, d := range ds {
		delete(w.pending, d.ID)
	}
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() { w.deliver(d) })
	}
	wg.Wait()
}

// deliver makes one attempt at d and records the outcome in the outbox:
// removed when sent or given up on, rescheduled otherwise.
func (w *Webhook) deliver(d *kb.Delivery) {
	hint, retry, err := w.attempt(d)
	attempts := d.Attempts + 1
	// The outcome is recorded even when Close has run out of time.
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	switch {
	case err == nil:
		w.finish(ctx, d)
	case w.ctx.Err() != nil:
		// Aborted by Close, not refused by the receiver: not counted, and
		// due at once for whoever sends next.
		w.log.Warn("webhook delivery interrupted at shutdown; it stays in the outbox", "event", d.Event, "id", d.ID, "attempts", d.Attempts, "err", err)
		w.reschedule(ctx, d, time.Now(), d.Attempts, err)
	case errors.Is(err, errWebhookOff):
		// Turned off after the claim: not counted either, and due at once
		// for the next receiver.
		w.reschedule(ctx, d, time.Now(), d.Attempts, err)
	case !retry:
		w.log.Error("webhook delivery rejected", "event", d.Event, "id", d.ID, "attempts", attempts, "err", err)
		w.finish(ctx, d)
	case attempts > w.retries:
		w.log.Error("webhook delivery failed", "event", d.Event, "id", d.ID, "attempts", attempts, "err", err)
		w.finish(ctx, d)
	default:
		wait := retryDelay(w.backoff, attempts)
		if hint != noHint {
			wait = hint
		}
		at := time.Now().Add(wait)
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.reschedule(ctx, d, at, attempts, err) {
			w.pending[d.ID] = scheduled{at, d.ConversationID}
		}
	}
}

// finish removes d from the outbox.
func (w *Webhook) finish(ctx context.Context, d *kb.Delivery) {
	err := w.store.FinishDelivery(ctx, d.ID)
	if err != nil && !errors.Is(err, kb.ErrNotFound) { // not found: forgotten meanwhile
		w.log.Error("webhook delivery not removed from the outbox; it is sent again when its lease lapses", "event", d.Event, "id", d.ID, "err", err)
	}
}

// reschedule makes d due again at at and reports whether it still is in
// the outbox.
func (w *Webhook) reschedule(ctx context.Context, d *kb.Delivery, at time.Time, attempts int, cause error) bool {
	switch err := w.store.RetryDelivery(ctx, d.ID, at, attempts, cause.Error()); {
	case errors.Is(err, kb.ErrNotFound):
		w.log.Info("webhook retries stopped: the delivery left the outbox, its conversation erased", "event", d.Event, "id", d.ID, "attempts", attempts)
		return false
	case err != nil:
		w.log.Error("webhook retry not scheduled; it is retried when its lease lapses", "event", d.Event, "id", d.ID, "err", err)
		return false
	}
	return true
}

// retryDelay is the wait before the retry that follows attempt number
// attempts: first, doubled each time, capped at maxRetryDelay.
func retryDelay(first time.Duration, attempts int) time.Duration {
	d := first
	for i := 1; i < attempts && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// attempt posts d once. It reports whether a failure is worth retrying and,
// when the receiver said when to come back, how long to wait (else noHint).
func (w *Webhook) attempt(d *kb.Delivery) (hint time.Duration, retry bool, err error) {
	// The context bounds the attempt even with a caller's Client that has
	// no timeout, and lets Close abort it.
	ctx, cancel := context.WithTimeout(w.ctx, w.timeout)
	defer cancel()
	resp, err := w.post(ctx, d.Event, d.ID, d.Body)
	if err != nil {
		return noHint, true, err
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

// encodeEvent is the body of a new delivery of event with data, and its id.
func encodeEvent(event string, data any) (id string, body []byte, err error) {
	id = rand.Text()
	body, err = json.Marshal(webhookPayload{
		ID:        id,
		Event:     event,
		CreatedAt: time.Now().UTC().Format(time.RFC3339),
		Data:      data,
	})
	return id, body, err
}

// errWebhookOff is why a delivery was not sent: the webhook has no receiver.
var errWebhookOff = errors.New("the webhook is off")

// post sends one signed delivery of event, with id and body, to the
// receiver; the caller closes the response body. An error that comes
// from the request's URL does not repeat it: the URL may carry a token.
func (w *Webhook) post(ctx context.Context, event, id string, body []byte) (*http.Response, error) {
	target := w.target.Load()
	if target == nil {
		return nil, errWebhookOff
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.url, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("build webhook request: the url does not make a request")
	}
	// A fresh timestamp per attempt keeps retries inside the receiver's
	// replay window; the delivery id stays the same for de-duplication.
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton-Webhook/1")
	req.Header.Set(headerEvent, event)
	req.Header.Set(headerDelivery, id)
	req.Header.Set(headerTimestamp, ts)
	req.Header.Set(headerSignature, webhookSignature(target.secret, ts, body))
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("post webhook: %w", err)
	}
	return resp, nil
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
