package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/sqlite"
)

const testSecret = "s3cret"

// syncBuffer is a log sink the delivery goroutine writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the log lines containing s.
func (b *syncBuffer) lines(s string) []string {
	var out []string
	for l := range strings.Lines(b.String()) {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

type recorded struct {
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a webhook endpoint recording every request; respond decides
// the answer to the nth request (from 1), and nil means 200.
type receiver struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, recorded{path: r.URL.Path, header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.reqs)
		rc.mu.Unlock()
		if respond != nil {
			respond(n, w, r)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

// openOutbox opens a store on a temp dir for a webhook's outbox, closed
// when the test ends (after the webhooks using it).
func openOutbox(t *testing.T) (kb.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baton.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// outboxEmpty reports whether s holds no delivery: with every lease and
// retry time passed, any delivery left would be claimable.
func outboxEmpty(t *testing.T, s kb.Store) bool {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), time.Now().Add(24*time.Hour), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return len(ds) == 0
}

// newTestWebhook fills in the URL, secret, a store (a fresh one unless
// o.Store is set), a tiny backoff and a captured log, and closes the
// Webhook when the test ends.
func newTestWebhook(t *testing.T, url string, o WebhookOptions) (*Webhook, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	o.URL = url
	if o.Secret == "" {
		o.Secret = testSecret
	}
	if o.Store == nil {
		o.Store, _ = openOutbox(t)
	}
	if o.Backoff == 0 {
		o.Backoff = 5 * time.Millisecond
	}
	o.Log = slog.New(slog.NewTextHandler(logs, nil))
	w, err := NewWebhook(o)
	if err != nil {
		t.Fatalf("NewWebhook: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Close(ctx)
	})
	return w, logs
}

// closeWebhook closes w, failing the test unless everything queued was
// delivered (or given up on) within a few seconds.
func closeWebhook(t *testing.T, w *Webhook) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestWebhookSignature(t *testing.T) {
	rc := newReceiver(t, nil)
	w, _ := newTestWebhook(t, rc.srv.URL, WebhookOptions{})
	w.Notify("handoff.created", map[string]string{"conversation": "c1"})
	closeWebhook(t, w)
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(reqs))
	}
	header, body := reqs[0].header, reqs[0].body

	// The signature is checked against an independent computation, not
	// only against VerifyWebhook, so a bug shared by both cannot hide.
	ts := header.Get("X-Baton-Timestamp")
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(ts + "." + string(body)))
	if got, want := header.Get("X-Baton-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("X-Baton-Signature = %q, want %q", got, want)
	}

	// signed returns header re-signed at timestamp ts, as a genuine
	// delivery made then would be.
	signed := func(ts int64) http.Header {
		h := header.Clone()
		s := strconv.FormatInt(ts, 10)
		h.Set("X-Baton-Timestamp", s)
		h.Set("X-Baton-Signature", webhookSignature([]byte(testSecret), s, body))
		return h
	}
	with := func(key, value string) http.Header {
		h := header.Clone()
		h.Set(key, value)
		return h
	}
	now := time.Now().Unix()
	altered := bytes.Replace(body, []byte("c1"), []byte("c2"), 1)
	if bytes.Equal(altered, body) {
		t.Fatal("test body was not altered")
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		maxAge time.Duration
		ok     bool
	}{
		{"genuine", testSecret, header, body, 5 * time.Minute, true},
		{"wrong secret", "other", header, body, 5 * time.Minute, false},
		{"altered body", testSecret, header, altered, 5 * time.Minute, false},
		{"timestamp changed after signing", testSecret, with("X-Baton-Timestamp", strconv.FormatInt(now+1, 10)), body, 5 * time.Minute, false},
		{"signed but old", testSecret, signed(now - 600), body, 5 * time.Minute, false},
		{"signed but far in the future", testSecret, signed(now + 600), body, 5 * time.Minute, false},
		{"old allowed when maxAge is off", testSecret, signed(now - 600), body, 0, true},
		{"missing signature", testSecret, with("X-Baton-Signature", ""), body, 5 * time.Minute, false},
		{"other algorithm", testSecret, with("X-Baton-Signature", strings.Replace(header.Get("X-Baton-Signature"), "sha256=", "sha1=", 1)), body, 5 * time.Minute, false},
		{"signature not hex", testSecret, with("X-Baton-Signature", "sha256=zz"), body, 5 * time.Minute, false},
		{"missing timestamp", testSecret, with("X-Baton-Timestamp", ""), body, 5 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyWebhook(tt.secret, tt.header, tt.body, tt.maxAge)
			if tt.ok && err != nil {
				t.Fatalf("VerifyWebhook: %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, kb.ErrInvalid) {
				t.Fatalf("VerifyWebhook: %v, want an error wrapping kb.ErrInvalid", err)
			}
		})
	}
}

func TestWebhookPayload(t *testing.T) {
	type handoff struct {
		Conversation string `json:"conversation"`
		Agent        string `json:"agent"`
	}
	rc := newReceiver(t, nil)
	w, _ := newTestWebhook(t, rc.srv.URL, WebhookOptions{})
	before := time.Now().Add(-time.Second)
	w.Notify("handoff.claimed", handoff{Conversation: "c1", Agent: "ana"})
	closeWebhook(t, w)
	after := time.Now().Add(time.Second)

	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(reqs))
	}
	h, body := reqs[0].header, reqs[0].body
	if got := h.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := h.Get("X-Baton-Event"); got != "handoff.claimed" {
		t.Errorf("X-Baton-Event = %q, want handoff.claimed", got)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"created_at", "data", "event", "id"}; !slices.Equal(keys, want) {
		t.Errorf("body keys = %v, want %v", keys, want)
	}
	var p struct {
		ID        string  `json:"id"`
		Event     string  `json:"event"`
		CreatedAt string  `json:"created_at"`
		Data      handoff `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if p.ID == "" || p.ID != h.Get("X-Baton-Delivery") {
		t.Errorf("id = %q, X-Baton-Delivery = %q; want the same non-empty id", p.ID, h.Get("X-Baton-Delivery"))
	}
	if p.Event != "handoff.claimed" {
		t.Errorf("event = %q, want handoff.claimed", p.Event)
	}
	if p.Data != (handoff{Conversation: "c1", Agent: "ana"}) {
		t.Errorf("data = %+v, want {c1 ana}", p.Data)
	}
	created, err := time.Parse(time.RFC3339, p.CreatedAt)
	if err != nil || !strings.HasSuffix(p.CreatedAt, "Z") {
		t.Errorf("created_at = %q, want RFC 3339 in UTC (err %v)", p.CreatedAt, err)
	} else if created.Before(before) || created.After(after) {
		t.Errorf("created_at = %v, want between %v and %v", created, before, after)
	}
}

func TestWebhookIDsAreUnique(t *testing.T) {
	rc := newReceiver(t, nil)
	w, _ := newTestWebhook(t, rc.srv.URL, WebhookOptions{})
	for range 10 {
		w.Notify("handoff.created", nil)
	}
	closeWebhook(t, w)
	seen := map[string]bool{}
	for _, r := range rc.requests() {
		seen[r.header.Get("X-Baton-Delivery")] = true
	}
	if len(seen) != 10 {
		t.Fatalf("%d distinct delivery ids over 10 events, want 10", len(seen))
	}
}

func TestWebhookRetries(t *testing.T) {
	status := func(code int) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
	}
	// firstThen answers the first request with first and the rest with 200.
	firstThen := func(first func(http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
		return func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				first(w, r)
			}
		}
	}
	tests := []struct {
		name     string
		opts     WebhookOptions
		respond  func(int, http.ResponseWriter, *http.Request)
		want     int    // requests the receiver sees
		wantLog  string // Error log expected, "" for none
		cleanLog bool
	}{
		{
			name:    "500 then success",
			respond: firstThen(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }),
			want:    2,
		},
		{
			// The backoff is a minute, so only honouring Retry-After lets
			// Close finish within its five seconds.
			name: "429 with Retry-After 0",
			opts: WebhookOptions{Backoff: time.Minute},
			respond: firstThen(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
			}),
			want: 2,
		},
		{
			name: "connection dropped then success",
			respond: firstThen(func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			}),
			want: 2,
		},
		{
			name: "attempt timeout then success",
			opts: WebhookOptions{Timeout: 200 * time.Millisecond},
			respond: firstThen(func(_ http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}),
			want: 2,
		},
		{
			name:    "400 is not retried",
			respond: status(http.StatusBadRequest),
			want:    1,
			wantLog: "webhook delivery rejected",
		},
		{
			name:    "410 is not retried",
			respond: status(http.StatusGone),
			want:    1,
			wantLog: "webhook delivery rejected",
		},
		{
			// Following would turn the POST into a GET the receiver counts.
			name: "redirect is not followed",
			respond: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					http.Redirect(w, r, "/elsewhere", http.StatusFound)
				}
			},
			want:    1,
			wantLog: "webhook delivery rejected",
		},
		{
			name:    "gives up after Retries+1 attempts",
			opts:    WebhookOptions{Retries: 3},
			respond: status(http.StatusInternalServerError),
			want:    4,
			wantLog: "webhook delivery failed",
		},
		{
			name:    "negative Retries means one attempt",
			opts:    WebhookOptions{Retries: -1},
			respond: status(http.StatusServiceUnavailable),
			want:    1,
			wantLog: "webhook delivery failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.respond)
			store, _ := openOutbox(t)
			tt.opts.Store = store
			w, logs := newTestWebhook(t, rc.srv.URL, tt.opts)
			w.Notify("handoff.resolved", map[string]int{"n": 1})
			// Close waits for retries, so the count below is final.
			closeWebhook(t, w)
			// Delivered, rejected or given up on: nothing is left to send.
			if !outboxEmpty(t, store) {
				t.Error("the delivery is still in the outbox")
			}

			reqs := rc.requests()
			if len(reqs) != tt.want {
				t.Fatalf("receiver saw %d requests, want %d", len(reqs), tt.want)
			}
			id := reqs[0].header.Get("X-Baton-Delivery")
			for i, r := range reqs {
				if got := r.header.Get("X-Baton-Delivery"); id == "" || got != id {
					t.Errorf("attempt %d: X-Baton-Delivery = %q, want %q on every attempt", i+1, got, id)
				}
				if err := VerifyWebhook(testSecret, r.header, r.body, time.Minute); err != nil {
					t.Errorf("attempt %d: %v", i+1, err)
				}
				if !bytes.Equal(r.body, reqs[0].body) {
					t.Errorf("attempt %d body %s differs from the first %s", i+1, r.body, reqs[0].body)
				}
			}
			errs := logs.lines("level=ERROR")
			if tt.wantLog == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected error log: %s", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0], tt.wantLog) || !strings.Contains(errs[0], "id="+id) || !strings.Contains(errs[0], "err=") {
				t.Fatalf("error log = %q, want one %q line with id=%s and err", errs, tt.wantLog, id)
			}
		})
	}
}

func TestWebhookBackoffDoubles(t *testing.T) {
	const backoff = 20 * time.Millisecond
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
	w, _ := newTestWebhook(t, rc.srv.URL, WebhookOptions{Retries: 3, Backoff: backoff})
	w.Notify("handoff.created", nil)
	closeWebhook(t, w)
	reqs := rc.requests()
	if len(reqs) != 4 {
		t.Fatalf("receiver saw %d requests, want 4", len(reqs))
	}
	// Timers never fire early, so these lower bounds are not flaky.
	for i := 1; i < len(reqs); i++ {
		gap, want := reqs[i].at.Sub(reqs[i-1].at), backoff<<(i-1)
		if gap < want {
			t.Errorf("gap before attempt %d = %v, want at least %v", i+1, gap, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"3600", time.Minute, true},
		{"99999999999999999", time.Minute, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, true},
		{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), time.Minute, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		got, ok := retryAfter(h)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

// Notify only stores the event: with the receiver hanging on the first
// delivery, more events are queued at once, and all are sent once it
// answers.
func TestWebhookNotifyNeverBlocks(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rc := newReceiver(t, func(n int, _ http.ResponseWriter, r *http.Request) {
		if n != 1 {
			return
		}
		close(started)
		select { // hang until released
		case <-release:
		case <-r.Context().Done():
		}
	})
	w, logs := newTestWebhook(t, rc.srv.URL, WebhookOptions{})
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs first, so the server can shut down

	w.Notify("handoff.created", 0) // claimed by the delivery goroutine, then hangs
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("first event never reached the receiver")
	}
	const extra = 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range extra {
			w.Notify("handoff.created", 1+i)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Notify blocked while the receiver hung")
	}
	if got := len(rc.requests()); got != 1 {
		t.Fatalf("receiver saw %d requests while the first hung, want 1 (events about no conversation go in order)", got)
	}
	unblock()
	closeWebhook(t, w)
	if got := len(rc.requests()); got != 1+extra {
		t.Fatalf("receiver saw %d requests, want %d", got, 1+extra)
	}
	if errs := logs.lines("level=ERROR"); len(errs) > 0 {
		t.Fatalf("unexpected error log: %s", errs)
	}
}

func TestWebhookCloseDeliversPending(t *testing.T) {
	const events = 20
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		time.Sleep(time.Millisecond) // a receiver slower than Notify
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first event needs a retry
		}
	})
	w, logs := newTestWebhook(t, rc.srv.URL, WebhookOptions{Backoff: 20 * time.Millisecond})
	for i := range events {
		w.Notify("handoff.created", i)
	}
	closeWebhook(t, w)

	var got []int
	for _, r := range rc.requests() {
		var p struct{ Data int }
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Data)
	}
	want := []int{0} // the failed first attempt
	for i := range events {
		want = append(want, i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("receiver saw events %v, want %v", got, want)
	}

	// After Close, events are stored for the next start, not sent (and no panic).
	w.Notify("handoff.created", 99)
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.requests()); n != len(want) {
		t.Fatalf("receiver saw %d requests after Close, want %d", n, len(want))
	}
	if errs := logs.lines("level=ERROR"); len(errs) > 0 {
		t.Fatalf("unexpected error log: %s", errs)
	}
	closeWebhook(t, w) // a second Close is harmless
	if outboxEmpty(t, w.store) {
		t.Fatal("the event notified after Close is not in the outbox")
	}
}

// Close with a receiver that hangs returns within its context; the
// interrupted delivery and those behind it stay in the outbox, and the
// next start sends them all, the interrupted one not counted as tried.
func TestWebhookCloseStopsAtDeadline(t *testing.T) {
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	store, _ := openOutbox(t)
	w, logs := newTestWebhook(t, rc.srv.URL, WebhookOptions{Store: store})
	for i := range 3 {
		w.Notify("handoff.created", i)
	}
	waitFor(t, "the first attempt", func() bool { return len(rc.requests()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := w.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v after its context ended", d)
	}
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("receiver saw %d requests, want 1", n)
	}
	if l := logs.lines("interrupted at shutdown"); len(l) != 1 || !strings.Contains(l[0], "attempts=0") {
		t.Fatalf("logged %q, want one interrupted delivery, not counted:\n%s", l, logs)
	}

	ok := newReceiver(t, nil)
	next, _ := newTestWebhook(t, ok.srv.URL, WebhookOptions{Store: store, Retries: -1})
	closeWebhook(t, next)
	var got []int
	for _, r := range ok.requests() {
		var p struct{ Data int }
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Data)
	}
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("the next start sent %v, want [0 1 2]", got)
	}
	if rc.requests()[0].header.Get("X-Baton-Delivery") != ok.requests()[0].header.Get("X-Baton-Delivery") {
		t.Error("the interrupted delivery was sent again under another id")
	}
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNewWebhookValidates(t *testing.T) {
	tests := []struct {
		name, url, secret string
		ok                bool
	}{
		{"https", "https://example.com/hooks/baton", testSecret, true},
		{"http with port", "http://127.0.0.1:8080/hook", testSecret, true},
		{"empty secret", "https://example.com/hook", "", false},
		{"empty url", "", testSecret, false},
		{"off", "", "", true},
		{"no scheme", "example.com/hook", testSecret, false},
		{"relative", "/hook", testSecret, false},
		{"ftp", "ftp://example.com/hook", testSecret, false},
		{"no host", "http:///hook", testSecret, false},
		{"unparsable", "http://exa mple.com/", testSecret, false},
		{"opaque", "mailto:ops@example.com", testSecret, false},
		{"no store", "https://example.com/hook", testSecret, false},
	}
	store, _ := openOutbox(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := WebhookOptions{URL: tt.url, Secret: tt.secret, Store: store}
			if tt.name == "no store" {
				o.Store = nil
			}
			w, err := NewWebhook(o)
			if w != nil {
				defer w.Close(context.Background())
			}
			if tt.ok && err != nil {
				t.Fatalf("NewWebhook: %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, kb.ErrInvalid) {
				t.Fatalf("NewWebhook: %v, want an error wrapping kb.ErrInvalid", err)
			}
		})
	}
}

// An erased conversation's events are not delivered after its erasure:
// neither the retry of the one that failed nor those queued behind it, and
// they are gone from the outbox (the store's erasure takes them; Forget
// drops the retry the Webhook scheduled). Others' events, and events about
// it queued later, still are.
func TestWebhookForget(t *testing.T) {
	failed := make(chan struct{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			close(failed)
		}
	})
	store, _ := openOutbox(t)
	w, logs := newTestWebhook(t, rc.srv.URL, WebhookOptions{Store: store, Backoff: 500 * time.Millisecond})
	w.Notify("handoff.created", &kb.Handoff{ID: "h1", ConversationID: "erased"})
	<-failed
	// h1 now waits for its retry, once the Webhook has read the 503.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		w.mu.Lock()
		n := len(w.pending)
		w.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("h1's retry was never scheduled")
		}
	}
	w.Notify("handoff.contact", &kb.Handoff{ID: "h2", ConversationID: "erased", Contact: "ann@example.com"})
	w.Notify("handoff.created", &kb.Handoff{ID: "h3", ConversationID: "kept"})
	// As escalate.Desk.Erase does: the store erases, then Forget.
	if _, err := store.EraseConversations(context.Background(), []string{"erased"}); err != nil {
		t.Fatal(err)
	}
	w.Forget(context.Background(), []string{"erased"})
	w.Notify("handoff.created", &kb.Handoff{ID: "h4", ConversationID: "erased"})
	closeWebhook(t, w)
	got := map[string]int{}
	for _, r := range rc.requests() {
		var p struct{ Data kb.Handoff }
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		got[p.Data.ID]++
		if p.Data.Contact != "" {
			t.Errorf("receiver saw the erased contact in %s", r.body)
		}
	}
	// Different conversations' events may arrive in either order.
	if want := map[string]int{"h1": 1, "h3": 1, "h4": 1}; !maps.Equal(got, want) {
		t.Errorf("receiver saw %v, want %v (h1's first attempt only, no h2)", got, want)
	}
	if l := logs.lines("webhook retries dropped: their conversation was erased"); len(l) != 1 || !strings.Contains(l[0], "retries=1") {
		t.Errorf("log lines about dropped retries = %q, want 1 with retries=1 (h1's)", l)
	}
	if !outboxEmpty(t, store) {
		t.Error("deliveries left in the outbox")
	}
}
