package main

// HTTP scenario tests of the hand-off desk: every staff and customer desk
// endpoint, against the whole program started on 127.0.0.1:0.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/web"
)

const (
	deskPassword  = "correct-horse-battery"
	answerable    = "how do I send something back"
	outOfScope    = "zebra quantum flux capacitor"
	angryCustomer = "This is RIDICULOUS!!! I have waited three weeks for my refund and nobody answers, absolutely terrible service!!!"
)

// deskHash is one bcrypt hash of deskPassword, shared by every test user,
// at bcrypt's least cost: login compares at the cost the hash names, and
// at the default cost one compare takes a second under -race, so eight
// logins at once on a loaded machine outlast any request timeout. What
// login does is the same at any cost (web's tests check the default).
var deskHash = sync.OnceValues(func() (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(deskPassword), bcrypt.MinCost)
	return string(h), err
})

type deskOptions struct {
	data                      string // data directory to serve; empty for a fresh one
	webhookURL, webhookSecret string
	noStaff                   bool   // do not create root, ann, bob and eve
	trustedProxies            string // whose X-Forwarded-For counts
	config                    func(*Config)
}

// deskEnv is a running server with its staff accounts.
type deskEnv struct {
	base  string
	srv   *Server
	users map[string]*kb.User
	clock *stoppedClock // the login limits' clock
}

// stoppedClock moves only when a test says so, so the login limits'
// buckets do not refill while a slow machine runs bcrypt.
type stoppedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stoppedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stoppedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startDesk ingests the fixtures, starts the whole server on 127.0.0.1:0
// and creates the staff: admin root, agents ann and bob, editor eve.
func startDesk(t *testing.T, o deskOptions) *deskEnv {
	t.Helper()
	clock := &stoppedClock{t: time.Now()}
	srv := launch(t, o.data, func(cfg *Config) {
		cfg.WebhookURL, cfg.WebhookSecret = o.webhookURL, o.webhookSecret
		cfg.TrustedProxies = o.trustedProxies
		cfg.clock = clock.now
		if o.config != nil {
			o.config(cfg)
		}
	})
	e := &deskEnv{base: "http://" + srv.Addr(), srv: srv, users: map[string]*kb.User{}, clock: clock}
	if !o.noStaff {
		for _, u := range []struct{ name, role string }{
			{"root", kb.UserAdmin}, {"ann", kb.UserAgent}, {"bob", kb.UserAgent}, {"eve", kb.UserEditor},
		} {
			e.addUser(t, u.name, u.role)
		}
	}
	return e
}

func (e *deskEnv) addUser(t testing.TB, name, role string) *kb.User {
	t.Helper()
	hash, err := deskHash()
	if err != nil {
		t.Fatal(err)
	}
	u := &kb.User{ID: "user-" + name, Name: name, Role: role, PasswordHash: hash}
	if err := e.srv.App.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	e.users[name] = u
	return u
}

// deskResp is a response with its JSON body decoded (nil when empty).
type deskResp struct {
	code   int
	body   map[string]any
	raw    string
	header http.Header
}

func (r deskResp) errCode() string { return js(jm(r.body["error"])["code"]) }
func (r deskResp) errMsg() string  { return js(jm(r.body["error"])["message"]) }

// sendReq does one request; a body is sent as application/json unless hdr
// says otherwise. It never calls t, so goroutines may use it.
func sendReq(hc *http.Client, method, url, body string, hdr map[string]string) (deskResp, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	// A response that never ends (a stream where JSON was expected) fails
	// the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return deskResp{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		return deskResp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return deskResp{}, err
	}
	r := deskResp{code: res.StatusCode, raw: string(b), header: res.Header}
	if len(bytes.TrimSpace(b)) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(b, &r.body); err != nil {
			return r, fmt.Errorf("%s %s: body is not JSON: %q", method, url, b)
		}
	}
	return r, nil
}

func (e *deskEnv) send(t testing.TB, hc *http.Client, method, path, body string, hdr map[string]string) deskResp {
	t.Helper()
	r, err := sendReq(hc, method, e.base+path, body, hdr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// plainClient has no cookies and does not follow redirects.
func plainClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// staffClient is one signed-in member of staff with their own cookie jar.
type staffClient struct {
	e      *deskEnv
	name   string
	hc     *http.Client
	csrf   string
	cookie *http.Cookie // the session cookie as the login set it
	login  deskResp
}

// do sends a request with the session cookie and, unless it is a GET, the CSRF header.
func (s *staffClient) do(t testing.TB, method, path, body string) deskResp {
	t.Helper()
	hdr := map[string]string{}
	if method != http.MethodGet {
		hdr["X-CSRF-Token"] = s.csrf
	}
	return s.e.send(t, s.hc, method, path, body, hdr)
}

func (s *staffClient) want(t testing.TB, code int, method, path, body string) deskResp {
	t.Helper()
	r := s.do(t, method, path, body)
	if r.code != code {
		t.Fatalf("%s: %s %s = %d %s, want %d", s.name, method, path, r.code, r.raw, code)
	}
	return r
}

func loginReq(hc *http.Client, base, name, pw string, hdr map[string]string) (deskResp, error) {
	return sendReq(hc, http.MethodPost, base+"/api/v1/session", `{"name":`+quote(name)+`,"password":`+quote(pw)+`}`, hdr)
}

func newStaffClient(e *deskEnv, name string) *staffClient {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &staffClient{e: e, name: name, hc: hc}
}

// loginAll signs the named users in at once (bcrypt is slow under -race).
func (e *deskEnv) loginAll(t testing.TB, names ...string) map[string]*staffClient {
	t.Helper()
	out := map[string]*staffClient{}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		s := newStaffClient(e, name)
		out[name] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.login, errs[i] = loginReq(s.hc, e.base, name, deskPassword, nil)
		}()
	}
	wg.Wait()
	for i, name := range names {
		if errs[i] != nil {
			t.Fatalf("login %s: %v", name, errs[i])
		}
		s := out[name]
		if s.login.code != http.StatusOK {
			t.Fatalf("login %s = %d %s, want 200", name, s.login.code, s.login.raw)
		}
		s.csrf = js(s.login.body["csrf"])
		if s.csrf == "" {
			t.Fatalf("login %s: no csrf in %s", name, s.login.raw)
		}
		for _, c := range (&http.Response{Header: s.login.header}).Cookies() {
			if c.Name == "baton_session" {
				s.cookie = c
			}
		}
		if s.cookie == nil {
			t.Fatalf("login %s set no baton_session cookie: %v", name, s.login.header["Set-Cookie"])
		}
	}
	return out
}

// convo is a customer's conversation and the token that proves it.
type convo struct{ id, token string }

func (e *deskEnv) newConvo(t testing.TB) convo {
	t.Helper()
	r := e.send(t, http.DefaultClient, http.MethodPost, "/api/v1/conversations", `{"collection":"default","lang":"auto"}`, nil)
	if r.code != http.StatusCreated {
		t.Fatalf("create conversation: %d %s", r.code, r.raw)
	}
	return convo{js(r.body["id"]), js(r.body["token"])}
}

// cust sends a customer request about conversation c with token.
func (e *deskEnv) cust(t testing.TB, c convo, token, method, sub, body string) deskResp {
	t.Helper()
	hdr := map[string]string{}
	if token != "" {
		hdr["Authorization"] = "Bearer " + token
	}
	return e.send(t, http.DefaultClient, method, "/api/v1/conversations/"+c.id+sub, body, hdr)
}

func (e *deskEnv) say(t testing.TB, c convo, text string) map[string]any {
	t.Helper()
	r := e.cust(t, c, c.token, http.MethodPost, "/messages", `{"text":`+quote(text)+`}`)
	if r.code != http.StatusOK {
		t.Fatalf("say %q: %d %s", text, r.code, r.raw)
	}
	return r.body
}

// handoff presses "talk to a person".
func (e *deskEnv) handoff(t testing.TB, c convo) map[string]any {
	t.Helper()
	r := e.cust(t, c, c.token, http.MethodPost, "/handoff", "")
	if r.code != http.StatusOK {
		t.Fatalf("talk to a person: %d %s", r.code, r.raw)
	}
	return r.body
}

func (e *deskEnv) messages(t testing.TB, c convo) []map[string]any {
	t.Helper()
	r := e.cust(t, c, c.token, http.MethodGet, "/messages", "")
	if r.code != http.StatusOK {
		t.Fatalf("transcript: %d %s", r.code, r.raw)
	}
	var out []map[string]any
	for _, m := range ja(r.body["messages"]) {
		out = append(out, jm(m))
	}
	return out
}

// state is the customer's view of their hand-off.
func (e *deskEnv) state(t testing.TB, c convo) map[string]any {
	t.Helper()
	r := e.cust(t, c, c.token, http.MethodGet, "/handoff", "")
	if r.code != http.StatusOK {
		t.Fatalf("hand-off state: %d %s", r.code, r.raw)
	}
	return jm(r.body["state"])
}

// queue is GET /api/v1/handoffs as seen by s.
func queue(t testing.TB, s *staffClient) (items []map[string]any, online float64) {
	t.Helper()
	r := s.want(t, http.StatusOK, http.MethodGet, "/api/v1/handoffs", "")
	for _, it := range ja(r.body["handoffs"]) {
		items = append(items, jm(it))
	}
	return items, jn(r.body["agents_online"])
}

func jm(v any) map[string]any { m, _ := v.(map[string]any); return m }
func ja(v any) []any          { a, _ := v.([]any); return a }
func js(v any) string         { s, _ := v.(string); return s }
func jn(v any) float64        { f, _ := v.(float64); return f }

func ids(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, js(it["id"]))
	}
	return out
}

func reasonsOf(h map[string]any) []string {
	var out []string
	for _, r := range ja(h["reasons"]) {
		out = append(out, js(r))
	}
	return out
}

func setOnline(t testing.TB, s *staffClient, status string) {
	t.Helper()
	r := s.want(t, http.StatusOK, http.MethodPut, "/api/v1/presence", `{"status":`+quote(status)+`}`)
	if js(r.body["status"]) != status {
		t.Fatalf("PUT presence %s answered %s", status, r.raw)
	}
}

// 1. Authorization matrix.
func TestDeskAuthorization(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	st := e.loginAll(t, "ann", "eve", "root")
	ann, eve, root := st["ann"], st["eve"], st["root"]

	a, b := e.newConvo(t), e.newConvo(t)
	aReply := js(e.say(t, a, answerable)["reply_id"])
	bReply := js(e.say(t, b, answerable)["reply_id"])
	hid := js(jm(e.handoff(t, b)["handoff"])["id"])
	if aReply == "" || bReply == "" || hid == "" {
		t.Fatalf("setup: reply ids %q %q, hand-off %q", aReply, bReply, hid)
	}
	bBefore := len(e.messages(t, b))

	staffEndpoints := []struct{ method, path, body string }{
		{"GET", "/api/v1/handoffs", ""},
		{"GET", "/api/v1/handoffs/" + hid, ""},
		{"POST", "/api/v1/handoffs/" + hid + "/claim", ""},
		{"POST", "/api/v1/handoffs/" + hid + "/release", ""},
		{"POST", "/api/v1/handoffs/" + hid + "/transfer", `{"to":"ann"}`},
		{"POST", "/api/v1/handoffs/" + hid + "/handback", `{}`},
		{"POST", "/api/v1/handoffs/" + hid + "/resolve", `{"outcome":"bot_right"}`},
		{"POST", "/api/v1/handoffs/" + hid + "/messages", `{"text":"hello"}`},
		{"GET", "/api/v1/events", ""},
		{"GET", "/api/v1/presence", ""},
		{"PUT", "/api/v1/presence", `{"status":"online"}`},
		{"GET", "/api/v1/session", ""},
		{"DELETE", "/api/v1/session", ""},
	}
	strangers := []struct {
		name string
		hdr  map[string]string
	}{
		{"anonymous", nil},
		{"customer token", map[string]string{"Authorization": "Bearer " + b.token}},
		{"forged cookie", map[string]string{"Cookie": "baton_session=not-a-real-session"}},
		{"csrf without a session", map[string]string{"X-CSRF-Token": ann.csrf}},
	}
	for _, who := range strangers {
		for _, ep := range staffEndpoints {
			t.Run(who.name+" "+ep.method+" "+ep.path, func(t *testing.T) {
				r := e.send(t, plainClient(), ep.method, ep.path, ep.body, who.hdr)
				if r.code != http.StatusUnauthorized || r.errCode() != "unauthorized" {
					t.Errorf("got %d %s, want 401 unauthorized", r.code, r.raw)
				}
			})
		}
	}

	t.Run("anonymous console redirects to login", func(t *testing.T) {
		r := e.send(t, plainClient(), "GET", "/console", "", nil)
		if r.code != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fconsole" {
			t.Errorf("GET /console = %d Location %q, want 303 to /login?next=%%2Fconsole", r.code, r.header.Get("Location"))
		}
		r = e.send(t, plainClient(), "GET", "/console", "", map[string]string{"Authorization": "Bearer " + a.token})
		if r.code != http.StatusSeeOther {
			t.Errorf("GET /console with a customer token = %d, want 303", r.code)
		}
	})

	t.Run("editor", func(t *testing.T) {
		// The session itself is good: the refusals below are about the role.
		if r := eve.do(t, "GET", "/api/v1/session", ""); r.code != 200 || js(jm(r.body["user"])["role"]) != "editor" {
			t.Fatalf("editor whoami = %d %s", r.code, r.raw)
		}
		for _, ep := range []struct{ method, path, body string }{
			{"GET", "/api/v1/handoffs", ""},
			{"GET", "/api/v1/handoffs/" + hid, ""},
			{"POST", "/api/v1/handoffs/" + hid + "/claim", ""},
			{"POST", "/api/v1/handoffs/" + hid + "/messages", `{"text":"hello"}`},
			{"GET", "/api/v1/presence", ""},
			{"PUT", "/api/v1/presence", `{"status":"online"}`},
		} {
			r := eve.do(t, ep.method, ep.path, ep.body)
			if r.code != http.StatusForbidden || r.errCode() != "forbidden" || !strings.Contains(r.errMsg(), "editor") {
				t.Errorf("editor %s %s = %d %s, want 403 forbidden naming the role", ep.method, ep.path, r.code, r.raw)
			}
		}
		if r := eve.do(t, "GET", "/console", ""); r.code != http.StatusForbidden {
			t.Errorf("editor GET /console = %d, want 403", r.code)
		}
	})

	t.Run("agent without the CSRF header", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			hdr  map[string]string
		}{
			{"no header", nil},
			{"wrong token", map[string]string{"X-CSRF-Token": "wrong"}},
			{"another session's token", map[string]string{"X-CSRF-Token": eve.csrf}},
		} {
			r := e.send(t, ann.hc, "POST", "/api/v1/handoffs/"+hid+"/claim", "", tt.hdr)
			if r.code != http.StatusForbidden || r.errCode() != "csrf" {
				t.Errorf("claim, %s: %d %s, want 403 csrf", tt.name, r.code, r.raw)
			}
			r = e.send(t, ann.hc, "PUT", "/api/v1/presence", `{"status":"online"}`, tt.hdr)
			if r.code != http.StatusForbidden || r.errCode() != "csrf" {
				t.Errorf("presence, %s: %d %s, want 403 csrf", tt.name, r.code, r.raw)
			}
		}
		// Nothing happened.
		p := ann.want(t, 200, "GET", "/api/v1/handoffs/"+hid, "")
		if s := js(jm(p.body["handoff"])["status"]); s != kb.HandoffMessage {
			t.Errorf("hand-off after refused claims is %s, want message (unclaimed)", s)
		}
		if ps := ja(ann.want(t, 200, "GET", "/api/v1/presence", "").body["presence"]); len(ps) != 0 {
			t.Errorf("presence after refused PUTs = %v, want none", ps)
		}
		if r := ann.do(t, "GET", "/console", ""); r.code != http.StatusOK {
			t.Errorf("agent GET /console = %d, want 200", r.code)
		}
	})

	t.Run("customer token of another conversation", func(t *testing.T) {
		endpoints := []struct{ method, sub, body string }{
			{"GET", "/messages", ""},
			{"POST", "/messages", `{"text":"hi"}`},
			{"POST", "/handoff", ""},
			{"GET", "/handoff", ""},
			{"POST", "/contact", `{"contact":"x@example.com"}`},
			{"POST", "/messages/" + bReply + "/feedback", `{"value":1}`},
			{"GET", "/events", ""},
		}
		for _, ep := range endpoints {
			if r := e.cust(t, b, a.token, ep.method, ep.sub, ep.body); r.code != http.StatusForbidden || r.errCode() != "forbidden" {
				t.Errorf("A's token on B: %s %s = %d %s, want 403 forbidden", ep.method, ep.sub, r.code, r.raw)
			}
			if r := e.cust(t, b, "", ep.method, ep.sub, ep.body); r.code != http.StatusForbidden {
				t.Errorf("no token on B: %s %s = %d %s, want 403", ep.method, ep.sub, r.code, r.raw)
			}
			if r := e.cust(t, convo{id: "0123456789abcdef01234567"}, a.token, ep.method, ep.sub, ep.body); r.code != http.StatusNotFound || r.errCode() != "not_found" {
				t.Errorf("unknown conversation: %s %s = %d %s, want 404 not_found", ep.method, ep.sub, r.code, r.raw)
			}
		}
		// A bot message of A cannot be rated through B, even with B's own token.
		if r := e.cust(t, b, b.token, "POST", "/messages/"+aReply+"/feedback", `{"value":-1}`); r.code != http.StatusNotFound {
			t.Errorf("feedback on A's message through B = %d %s, want 404", r.code, r.raw)
		}
		// None of it reached B.
		msgs := e.messages(t, b)
		if len(msgs) != bBefore {
			t.Errorf("B's transcript has %d messages after the refused requests, want %d", len(msgs), bBefore)
		}
		for _, m := range msgs {
			if jn(m["feedback"]) != 0 {
				t.Errorf("B's message got feedback %v through a refused request", m["feedback"])
			}
		}
		if st := e.state(t, b); st["contact_left"] == true {
			t.Errorf("B's contact was left through A's token: %v", st)
		}
		for _, m := range e.messages(t, a) {
			if jn(m["feedback"]) != 0 {
				t.Errorf("A's message got feedback %v through B", m["feedback"])
			}
		}
	})

	t.Run("agent and admin are admitted", func(t *testing.T) {
		ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
		items, _ := queue(t, root)
		if len(items) != 1 || js(items[0]["id"]) != hid || js(items[0]["holder"]) != "ann" {
			t.Errorf("admin's queue = %s, want %s held by ann", toJSON(items), hid)
		}
		c := e.newConvo(t)
		h := js(jm(e.handoff(t, c)["handoff"])["id"])
		r := root.want(t, 200, "POST", "/api/v1/handoffs/"+h+"/claim", "")
		if js(jm(r.body["handoff"])["claimed_by"]) != e.users["root"].ID {
			t.Errorf("admin claim = %s, want claimed by root", r.raw)
		}
	})
}

// 2. Login, rate limits and logout.
func TestDeskLogin(t *testing.T) {
	// Behind a proxy on 127.0.0.1, so requests can come from other addresses.
	e := startDesk(t, deskOptions{trustedProxies: "127.0.0.1"})
	anon := plainClient()
	post := func(name, pw string, hdr map[string]string) deskResp {
		t.Helper()
		r, err := loginReq(anon, e.base, name, pw, hdr)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Refused before any password is checked, so no attempt is spent.
	for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", ""} {
		r := post("ann", deskPassword, map[string]string{"Content-Type": ct})
		if r.code != http.StatusBadRequest || r.errCode() != "invalid" {
			t.Errorf("login as %q = %d %s, want 400 invalid", ct, r.code, r.raw)
		}
	}
	form := e.send(t, anon, "POST", "/api/v1/session", "name=ann&password="+deskPassword, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if form.code != http.StatusBadRequest {
		t.Errorf("form-encoded login = %d %s, want 400", form.code, form.raw)
	}

	// Eight attempts at once: bcrypt is slow under -race.
	type attempt struct{ name, pw string }
	attempts := []attempt{{"nobody", "whatever-password"}, {"ann", "wrong-password"}, {"ann", deskPassword}}
	for i := range 5 {
		attempts = append(attempts, attempt{"bob", fmt.Sprintf("wrong-password-%d", i)})
	}
	annSession := newStaffClient(e, "ann")
	res := make([]deskResp, len(attempts))
	errs := make([]error, len(attempts))
	var wg sync.WaitGroup
	for i, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := anon
			var hdr map[string]string
			if a.pw == deskPassword {
				hc = annSession.hc
				hdr = map[string]string{"Content-Type": "application/json; charset=utf-8"}
			}
			res[i], errs[i] = loginReq(hc, e.base, a.name, a.pw, hdr)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	unknown, wrong, good := res[0], res[1], res[2]
	if unknown.code != http.StatusUnauthorized || wrong.code != http.StatusUnauthorized {
		t.Errorf("unknown user = %d, wrong password = %d, want 401 both", unknown.code, wrong.code)
	}
	if unknown.errMsg() == "" || unknown.errMsg() != wrong.errMsg() || unknown.errCode() != wrong.errCode() {
		t.Errorf("unknown user says %q, wrong password says %q; want the same message", unknown.raw, wrong.raw)
	}
	for i, r := range res[3:] {
		if r.code != http.StatusUnauthorized {
			t.Errorf("bob's wrong attempt %d = %d %s, want 401", i+1, r.code, r.raw)
		}
	}

	t.Run("good login", func(t *testing.T) {
		if good.code != http.StatusOK {
			t.Fatalf("login = %d %s", good.code, good.raw)
		}
		u := jm(good.body["user"])
		if js(u["name"]) != "ann" || js(u["role"]) != "agent" || js(u["id"]) != e.users["ann"].ID {
			t.Errorf("user = %v, want ann the agent", u)
		}
		if js(good.body["csrf"]) == "" {
			t.Errorf("no csrf token: %s", good.raw)
		}
		if strings.Contains(good.raw, "$2a$") || strings.Contains(strings.ToLower(good.raw), "password") {
			t.Errorf("login answer leaks the password hash: %s", good.raw)
		}
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: good.header}).Cookies() {
			if c.Name == "baton_session" {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value == "" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.MaxAge <= 0 {
			t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, a lifetime", cookie)
		}
	})

	t.Run("rate limited per name", func(t *testing.T) {
		r := post("bob", "wrong-password-again", nil)
		if r.code != http.StatusTooManyRequests || r.errCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
			t.Errorf("6th wrong attempt for bob = %d %s (Retry-After %q), want 429 rate_limited with Retry-After", r.code, r.raw, r.header.Get("Retry-After"))
		}
		// Limited whatever the password: the limit is not an oracle.
		if r := post("BOB", deskPassword, nil); r.code != http.StatusTooManyRequests {
			t.Errorf("bob's right password while limited = %d %s, want 429", r.code, r.raw)
		}
	})

	t.Run("not locked out from another address", func(t *testing.T) {
		// A stranger's wrong guesses do not keep bob out from his own desk.
		if r := post("bob", deskPassword, map[string]string{"X-Forwarded-For": "198.51.100.20"}); r.code != http.StatusOK {
			t.Errorf("bob from another address while his name is limited at 127.0.0.1 = %d %s, want 200", r.code, r.raw)
		}
		// Guessing from many addresses meets the looser per-name limit:
		// 30 attempts in all (6 spent above), then 429 from anywhere.
		allowed := 0
		for i := range 40 {
			r := post("bob", "spray-guess", map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i+1)})
			if r.code == http.StatusTooManyRequests {
				break
			}
			allowed++
		}
		if allowed != 24 {
			t.Errorf("%d guesses from fresh addresses before the name limit, want 24", allowed)
		}
	})

	t.Run("next stays local", func(t *testing.T) {
		for _, next := range []string{"/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "/%5Cevil.example", "//evil.example", "https://evil.example"} {
			r := e.send(t, anon, "GET", "/login?next="+next, "", nil)
			if r.code != http.StatusOK || !strings.Contains(r.raw, `data-next="/console"`) {
				t.Errorf("login page for next=%s = %d, want it to send the agent to /console: %.300s", next, r.code, r.raw)
			}
		}
		if r := e.send(t, anon, "GET", "/login?next=%2Feditor%3Ftab%3Dmisses", "", nil); !strings.Contains(r.raw, `data-next="/editor?tab=misses"`) {
			t.Errorf("a local next is not kept: %.300s", r.raw)
		}
	})

	t.Run("logout", func(t *testing.T) {
		ann := annSession
		ann.csrf = js(good.body["csrf"])
		who := ann.want(t, 200, "GET", "/api/v1/session", "")
		if js(jm(who.body["user"])["name"]) != "ann" || js(who.body["csrf"]) != ann.csrf {
			t.Errorf("whoami = %s, want ann with the login's csrf", who.raw)
		}
		var value string
		for _, c := range (&http.Response{Header: good.header}).Cookies() {
			if c.Name == "baton_session" {
				value = c.Value
			}
		}
		if r := e.send(t, ann.hc, "DELETE", "/api/v1/session", "", nil); r.code != http.StatusForbidden || r.errCode() != "csrf" {
			t.Errorf("logout without CSRF = %d %s, want 403 csrf", r.code, r.raw)
		}
		ann.want(t, 200, "GET", "/api/v1/handoffs", "") // still signed in
		r := ann.want(t, http.StatusNoContent, "DELETE", "/api/v1/session", "")
		cleared := false
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			cleared = cleared || (c.Name == "baton_session" && c.MaxAge < 0)
		}
		if !cleared {
			t.Errorf("logout did not clear the cookie: %v", r.header["Set-Cookie"])
		}
		// The old cookie value, replayed, is dead.
		replay := map[string]string{"Cookie": "baton_session=" + value}
		for _, path := range []string{"/api/v1/handoffs", "/api/v1/session", "/api/v1/presence"} {
			if r := e.send(t, plainClient(), "GET", path, "", replay); r.code != http.StatusUnauthorized {
				t.Errorf("GET %s with the logged-out cookie = %d %s, want 401", path, r.code, r.raw)
			}
		}
		if r := ann.do(t, "GET", "/api/v1/handoffs", ""); r.code != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/handoffs after logout = %d, want 401", r.code)
		}
	})
}

// The per-address login limit must not be escaped by claiming another
// address in X-Forwarded-For when no proxy is configured.
func TestDeskLoginAddressLimit(t *testing.T) {
	e := startDesk(t, deskOptions{})
	anon := plainClient()
	// Five real attempts (at once), then five the name limit refuses
	// cheaply: ten attempts from 127.0.0.1.
	var wg sync.WaitGroup
	res := make([]deskResp, 5)
	errs := make([]error, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = loginReq(anon, e.base, "mallory", "guess-number-"+fmt.Sprint(i), nil)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.code != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d %s, want 401", i+1, r.code, r.raw)
		}
	}
	for i := range 5 {
		r, err := loginReq(anon, e.base, "mallory", "guess-again", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.code != http.StatusTooManyRequests {
			t.Fatalf("mallory's attempt %d = %d %s, want 429", 6+i, r.code, r.raw)
		}
	}
	r, err := loginReq(anon, e.base, "trudy", "first-guess-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != http.StatusTooManyRequests {
		t.Fatalf("11th attempt from one address (another name) = %d %s, want 429", r.code, r.raw)
	}
	r, err = loginReq(anon, e.base, "trudy", "first-guess-2", map[string]string{"X-Forwarded-For": "198.51.100.7"})
	if err != nil {
		t.Fatal(err)
	}
	if r.code != http.StatusTooManyRequests {
		t.Errorf("a 12th attempt from 127.0.0.1 with X-Forwarded-For: 198.51.100.7 got %d, want 429: a client-chosen header must not reset the per-address limit", r.code)
	}
	// The address bucket refills one attempt every six seconds.
	e.clock.advance(6 * time.Second)
	if r, err = loginReq(anon, e.base, "trudy", "first-guess-3", nil); err != nil || r.code != http.StatusUnauthorized {
		t.Errorf("six seconds later = %d %s (%v), want one more real attempt (401)", r.code, r.raw, err)
	}
	if r, err = loginReq(anon, e.base, "trudy", "first-guess-4", nil); err != nil || r.code != http.StatusTooManyRequests {
		t.Errorf("the attempt after = %d %s (%v), want 429", r.code, r.raw, err)
	}
}

// 3. The whole flow: answer, feedback, hand-off, packet, claim race, replies, transfer, resolve.
func TestDeskFullFlow(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	st := e.loginAll(t, "ann", "bob")
	ann, bob := st["ann"], st["bob"]

	setOnline(t, ann, "online")
	if r := ann.do(t, "PUT", "/api/v1/presence", `{"status":"busy"}`); r.code != http.StatusBadRequest {
		t.Errorf("presence busy = %d %s, want 400", r.code, r.raw)
	}
	ps := ja(ann.want(t, 200, "GET", "/api/v1/presence", "").body["presence"])
	if len(ps) != 1 || js(jm(ps[0])["name"]) != "ann" || js(jm(ps[0])["status"]) != "online" {
		t.Errorf("presence = %v, want ann online", ps)
	}

	c := e.newConvo(t)
	turn := e.say(t, c, answerable)
	reply := jm(turn["reply"])
	replyID, msgID := js(turn["reply_id"]), js(turn["message_id"])
	if js(reply["band"]) != "answer" || len(ja(reply["citations"])) == 0 || replyID == "" || turn["handoff"] != nil {
		t.Fatalf("answerable question: %s, want an answer with citations and a reply_id", toJSON(turn))
	}

	t.Run("feedback", func(t *testing.T) {
		r := e.cust(t, c, c.token, "POST", "/messages/"+replyID+"/feedback", `{"value":-1}`)
		if r.code != 200 || jn(r.body["value"]) != -1 {
			t.Fatalf("thumbs down = %d %s, want 200", r.code, r.raw)
		}
		found := false
		for _, m := range e.messages(t, c) {
			if js(m["id"]) == replyID {
				found = true
				if jn(m["feedback"]) != -1 {
					t.Errorf("stored feedback = %v, want -1", m["feedback"])
				}
			}
		}
		if !found {
			t.Errorf("reply %s not in the transcript", replyID)
		}
		for _, tt := range []struct {
			body, mid string
			want      int
		}{
			{`{"value":5}`, replyID, 400},
			{`{"value":-2}`, replyID, 400},
			{`{}`, replyID, 400},
			{`{"value":1}`, msgID, 404},  // the customer's own message
			{`{"value":1}`, "nope", 404}, // no such message
		} {
			if r := e.cust(t, c, c.token, "POST", "/messages/"+tt.mid+"/feedback", tt.body); r.code != tt.want {
				t.Errorf("feedback %s on %s = %d %s, want %d", tt.body, tt.mid, r.code, r.raw, tt.want)
			}
		}
		for _, m := range e.messages(t, c) {
			if js(m["id"]) == replyID && jn(m["feedback"]) != -1 {
				t.Errorf("feedback after refused updates = %v, want still -1", m["feedback"])
			}
		}
	})

	ho := e.handoff(t, c)
	h := jm(ho["handoff"])
	hid := js(h["id"])
	state := jm(ho["state"])
	if r := reasonsOf(h); !slices.Equal(r, []string{kb.ReasonExplicitRequest}) || js(h["status"]) != "queued" {
		t.Fatalf("hand-off = %v, want reasons [explicit_request] and status queued", h)
	}
	if js(state["status"]) != "queued" || jn(state["position"]) != 1 || jn(state["eta_seconds"]) <= 0 {
		t.Errorf("state = %v, want queued at position 1 with an ETA", state)
	}
	if txt := js(jm(ho["reply"])["text"]); txt == "" || strings.Contains(txt, "contact details") {
		t.Errorf("hand-off reply %q, want the passing-you-on text", txt)
	}
	// Pressing again adds no second hand-off.
	again := e.handoff(t, c)
	if again["handoff"] != nil || js(jm(again["state"])["status"]) != "queued" {
		t.Errorf("second press = %s, want no new hand-off and the queued state", toJSON(again))
	}

	t.Run("queue", func(t *testing.T) {
		items, online := queue(t, ann)
		if len(items) != 1 || js(items[0]["id"]) != hid || jn(items[0]["priority"]) != 1 || js(items[0]["status"]) != "queued" {
			t.Fatalf("queue = %s, want only %s with priority 1", toJSON(items), hid)
		}
		if js(items[0]["preview"]) != answerable || online != 1 {
			t.Errorf("preview %q, agents online %v; want the customer's question and 1", items[0]["preview"], online)
		}
	})

	t.Run("packet", func(t *testing.T) {
		p := ann.want(t, 200, "GET", "/api/v1/handoffs/"+hid, "").body
		var roles []string
		for _, m := range ja(p["messages"]) {
			roles = append(roles, js(jm(m)["role"]))
		}
		if !slices.Equal(roles, []string{"customer", "bot", "bot"}) || js(jm(ja(p["messages"])[0])["text"]) != answerable {
			t.Errorf("packet transcript roles = %v, want customer, bot, bot starting with the question", roles)
		}
		if r := reasonsOf(jm(p["handoff"])); !slices.Equal(r, []string{kb.ReasonExplicitRequest}) {
			t.Errorf("packet reasons = %v", r)
		}
		if js(p["question"]) != answerable {
			t.Errorf("packet question = %q, want %q", p["question"], answerable)
		}
		sum := ja(p["summary"])
		if len(sum) != 3 || !strings.Contains(js(sum[0]), answerable) || !strings.Contains(js(sum[1]), "asked for a person") || js(sum[2]) == "" {
			t.Errorf("summary = %v, want 3 lines: the question, the reason in words, the best passage", sum)
		}
		// The summary follows the console's language, whatever the customer's.
		zh := ja(ann.want(t, 200, "GET", "/api/v1/handoffs/"+hid+"?lang=zh", "").body["summary"])
		if len(zh) != 3 || !strings.HasPrefix(js(zh[0]), "客户问题") || !strings.Contains(js(zh[1]), "客户要求转人工") {
			t.Errorf("summary for a Chinese console = %v, want it in Chinese", zh)
		}
		if b := js(p["band"]); b == "" || jn(p["negative_turn"]) <= 0 {
			t.Errorf("packet band %q, negative_turn %v; want both", b, p["negative_turn"])
		}
		passages := ja(p["passages"])
		if len(passages) == 0 || !strings.HasPrefix(js(jm(passages[0])["article_id"]), "default/returns") {
			t.Fatalf("passages = %s, want default/returns first", toJSON(passages))
		}
		prev := math.Inf(1)
		for _, ps := range passages {
			score, ok := jm(ps)["score"].(float64)
			if js(jm(ps)["article_id"]) == "" || !ok || score == 0 || js(jm(ps)["text"]) == "" || !strings.HasPrefix(js(jm(ps)["html"]), "<") {
				t.Errorf("passage %v lacks an article id, a score, text or its HTML", ps)
			}
			if score > prev {
				t.Errorf("passages not best first: score %v after %v", score, prev)
			}
			prev = score
		}
		if d := js(p["draft"]); d == "" || !strings.Contains(d, "30 days") {
			t.Errorf("draft = %q, want the returns passage", d)
		}
		if r := ann.do(t, "GET", "/api/v1/handoffs/nope", ""); r.code != 404 {
			t.Errorf("packet of an unknown hand-off = %d, want 404", r.code)
		}
	})

	claim := ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
	if ch := jm(claim.body["handoff"]); js(ch["status"]) != "claimed" || js(ch["claimed_by"]) != e.users["ann"].ID {
		t.Fatalf("ann's claim = %s", claim.raw)
	}
	if r := bob.do(t, "POST", "/api/v1/handoffs/"+hid+"/claim", ""); r.code != http.StatusConflict || !strings.Contains(r.errMsg(), "ann") {
		t.Errorf("bob's late claim = %d %s, want 409 naming ann", r.code, r.raw)
	}
	if r := bob.do(t, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"bob here"}`); r.code != http.StatusConflict && r.code != http.StatusForbidden {
		t.Errorf("bob's reply to ann's chat = %d %s, want 409 or 403", r.code, r.raw)
	}
	if r := ann.do(t, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"   "}`); r.code != 400 {
		t.Errorf("empty agent reply = %d, want 400", r.code)
	}
	r := ann.want(t, http.StatusCreated, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"Hi, Ann here. Which order is it?"}`)
	if m := jm(r.body["message"]); js(m["role"]) != "agent" || js(m["author"]) != "ann" {
		t.Errorf("agent reply = %s", r.raw)
	}
	if st := e.state(t, c); js(st["status"]) != "claimed" || js(st["agent"]) != "ann" {
		t.Errorf("customer state = %v, want claimed by ann", st)
	}

	// The customer writes while with ann: no bot reply, nothing lost.
	turn = e.say(t, c, "It is order 4711, thanks")
	if turn["reply"] != nil || js(turn["message_id"]) == "" || js(jm(turn["state"])["agent"]) != "ann" {
		t.Errorf("turn while with a person = %s, want reply null and the state naming ann", toJSON(turn))
	}
	msgs := e.messages(t, c)
	var agentTexts []string
	for _, m := range msgs {
		if js(m["role"]) == "agent" {
			agentTexts = append(agentTexts, js(m["author"])+": "+js(m["text"]))
		}
	}
	if !slices.Equal(agentTexts, []string{"ann: Hi, Ann here. Which order is it?"}) {
		t.Errorf("agent messages = %q, want only ann's (bob's refused reply must not be stored)", agentTexts)
	}
	if last := msgs[len(msgs)-1]; js(last["role"]) != "customer" || js(last["text"]) != "It is order 4711, thanks" || js(last["id"]) != js(turn["message_id"]) {
		t.Errorf("last message = %v, want the customer's, with no bot reply after it", last)
	}

	t.Run("transfer", func(t *testing.T) {
		for _, tt := range []struct {
			who  *staffClient
			to   string
			want int
		}{
			{ann, "eve", 400},    // an editor cannot take hand-offs
			{ann, "nobody", 404}, // no such user
			{bob, "bob", 409},    // bob does not hold it
		} {
			if r := tt.who.do(t, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"to":`+quote(tt.to)+`}`); r.code != tt.want {
				t.Errorf("%s transfers to %s = %d %s, want %d", tt.who.name, tt.to, r.code, r.raw, tt.want)
			}
		}
		r := ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/transfer", `{"to":"bob"}`)
		if js(jm(r.body["handoff"])["claimed_by"]) != e.users["bob"].ID {
			t.Fatalf("transfer = %s, want bob holding it", r.raw)
		}
		if r := ann.do(t, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"ann again"}`); r.code != http.StatusConflict && r.code != http.StatusForbidden {
			t.Errorf("ann's reply after the transfer = %d %s, want 409 or 403", r.code, r.raw)
		}
		r = bob.want(t, http.StatusCreated, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"Bob here, I have it now."}`)
		if js(jm(r.body["message"])["author"]) != "bob" {
			t.Errorf("bob's reply = %s", r.raw)
		}
		if st := e.state(t, c); js(st["agent"]) != "bob" {
			t.Errorf("customer state after transfer = %v, want bob", st)
		}
		for _, m := range e.messages(t, c) {
			if js(m["role"]) == "agent" && js(m["text"]) == "ann again" {
				t.Errorf("ann's refused reply was stored")
			}
		}
	})

	t.Run("resolve", func(t *testing.T) {
		if r := ann.do(t, "POST", "/api/v1/handoffs/"+hid+"/resolve", `{"outcome":"article_missing"}`); r.code != http.StatusConflict {
			t.Errorf("resolve by ann, who no longer holds it = %d %s, want 409", r.code, r.raw)
		}
		if r := bob.do(t, "POST", "/api/v1/handoffs/"+hid+"/resolve", `{"outcome":"bot_was_drunk"}`); r.code != http.StatusBadRequest {
			t.Errorf("unknown outcome = %d %s, want 400", r.code, r.raw)
		}
		r := bob.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/resolve", `{"outcome":"article_missing"}`)
		if rh := jm(r.body["handoff"]); js(rh["status"]) != "resolved" || js(rh["outcome"]) != "article_missing" || rh["closed_at"] == nil {
			t.Errorf("resolve = %s", r.raw)
		}
		p := bob.want(t, 200, "GET", "/api/v1/handoffs/"+hid, "").body
		if ph := jm(p["handoff"]); js(ph["status"]) != "resolved" || js(ph["outcome"]) != "article_missing" {
			t.Errorf("stored hand-off = %v, want resolved with outcome article_missing", ph)
		}
		if items, _ := queue(t, ann); len(items) != 0 {
			t.Errorf("queue after resolve = %s, want empty", toJSON(items))
		}
		if r := bob.do(t, "POST", "/api/v1/handoffs/"+hid+"/resolve", `{}`); r.code != http.StatusConflict {
			t.Errorf("resolving twice = %d, want 409", r.code)
		}
		if r := ann.do(t, "POST", "/api/v1/handoffs/"+hid+"/claim", ""); r.code != http.StatusConflict {
			t.Errorf("claiming a resolved hand-off = %d, want 409", r.code)
		}
		if st := e.state(t, c); js(st["status"]) != "resolved" || st["ended"] != true {
			t.Errorf("customer state = %v, want resolved and ended", st)
		}
		// A resolved conversation has ended: the customer's next message
		// is refused (nothing stored) until they start anew or reopen it.
		before := len(e.messages(t, c))
		for _, sub := range []string{"/messages", "/handoff"} {
			r := e.cust(t, c, c.token, http.MethodPost, sub, `{"text":"what is your return policy"}`)
			if r.code != http.StatusConflict || js(jm(r.body["error"])["code"]) != "conversation_ended" {
				t.Errorf("POST %s after resolve = %d %s, want 409 conversation_ended", sub, r.code, r.raw)
			}
		}
		if n := len(e.messages(t, c)); n != before {
			t.Errorf("messages after refused turns = %d, want %d", n, before)
		}
		if r := e.cust(t, c, c.token, http.MethodPost, "/reopen", ""); r.code != http.StatusOK || js(r.body["status"]) != "bot" {
			t.Fatalf("reopen = %d %s, want 200 status bot", r.code, r.raw)
		}
		if st := e.state(t, c); st["ended"] == true {
			t.Errorf("customer state after reopen = %v, want not ended", st)
		}
		// Back with the bot.
		turn := e.say(t, c, "what is your return policy")
		if rp := jm(turn["reply"]); rp == nil || js(rp["band"]) != "answer" || js(turn["reply_id"]) == "" {
			t.Errorf("question after resolve = %s, want a bot answer", toJSON(turn))
		}
	})
}

// 4. Release back to the queue, and hand back to the bot.
func TestDeskReleaseAndHandBack(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	st := e.loginAll(t, "ann", "bob")
	ann, bob := st["ann"], st["bob"]
	setOnline(t, ann, "online")
	c := e.newConvo(t)
	e.say(t, c, answerable)
	hid := js(jm(e.handoff(t, c)["handoff"])["id"])
	path := "/api/v1/handoffs/" + hid

	if r := ann.do(t, "POST", path+"/release", ""); r.code != http.StatusConflict {
		t.Errorf("release before any claim = %d %s, want 409", r.code, r.raw)
	}
	ann.want(t, 200, "POST", path+"/claim", "")
	if r := bob.do(t, "POST", path+"/release", ""); r.code != http.StatusConflict {
		t.Errorf("release by bob, who does not hold it = %d %s, want 409", r.code, r.raw)
	}
	r := ann.want(t, 200, "POST", path+"/release", "")
	if rh := jm(r.body["handoff"]); js(rh["status"]) != "queued" || rh["claimed_by"] != nil {
		t.Errorf("release = %s, want queued with nobody holding it", r.raw)
	}
	if s := e.state(t, c); js(s["status"]) != "queued" || jn(s["position"]) != 1 || jn(s["eta_seconds"]) <= 0 || s["agent"] != nil {
		t.Errorf("customer state after release = %v, want queued at position 1 with an ETA", s)
	}
	if items, _ := queue(t, bob); len(items) != 1 || js(items[0]["status"]) != "queued" || items[0]["holder"] != nil {
		t.Errorf("queue after release = %s, want it waiting, unheld", toJSON(items))
	}

	bob.want(t, 200, "POST", path+"/claim", "")
	if s := e.state(t, c); js(s["agent"]) != "bob" {
		t.Errorf("state after bob's claim = %v", s)
	}
	if r := ann.do(t, "POST", path+"/handback", ""); r.code != http.StatusConflict {
		t.Errorf("hand back by ann, who does not hold it = %d, want 409", r.code)
	}
	r = bob.want(t, 200, "POST", path+"/handback", "") // an empty body is fine
	if rh := jm(r.body["handoff"]); js(rh["status"]) != "returned" || rh["outcome"] != nil {
		t.Errorf("hand back = %s, want returned with no outcome", r.raw)
	}
	if s := e.state(t, c); js(s["status"]) != "returned" {
		t.Errorf("customer state = %v, want returned", s)
	}
	if r := bob.do(t, "POST", path+"/handback", ""); r.code != http.StatusConflict {
		t.Errorf("hand back twice = %d, want 409", r.code)
	}
	if items, _ := queue(t, bob); len(items) != 0 {
		t.Errorf("queue = %s, want empty", toJSON(items))
	}
	turn := e.say(t, c, "can I pay with PayPal?")
	if turn["reply"] == nil || js(turn["reply_id"]) == "" {
		t.Errorf("question after hand back = %s, want the bot to answer", toJSON(turn))
	}
	// The conversation can be handed off anew.
	if h := jm(e.handoff(t, c)["handoff"]); js(h["status"]) != "queued" || js(h["id"]) == hid {
		t.Errorf("second hand-off = %v, want a new queued one", h)
	}
}

// 5. Nobody available: a message the team answers later, with contact details.
func TestDeskNoAgentAvailable(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	ann := e.loginAll(t, "ann")["ann"]
	if ps := ann.want(t, 200, "GET", "/api/v1/presence", "").body["presence"]; ps == nil || len(ja(ps)) != 0 {
		t.Errorf("presence on a fresh server = %v, want []", ps)
	}

	plain := e.newConvo(t)
	if r := e.cust(t, plain, plain.token, "POST", "/contact", `{"contact":"ann@example.com"}`); r.code != http.StatusConflict {
		t.Errorf("contact with no hand-off = %d %s, want 409", r.code, r.raw)
	}

	c := e.newConvo(t)
	ho := e.handoff(t, c)
	if s := js(jm(ho["handoff"])["status"]); s != "message" {
		t.Fatalf("hand-off with nobody online: status %s, want message", s)
	}
	if txt := js(jm(ho["reply"])["text"]); !strings.Contains(txt, "contact details") {
		t.Errorf("reply %q, want an invitation to leave contact details", txt)
	}
	if s := jm(ho["state"]); js(s["status"]) != "message" || s["position"] != nil || s["eta_seconds"] != nil {
		t.Errorf("state = %v, want message without a queue position", s)
	}
	items, online := queue(t, ann)
	if online != 0 || len(items) != 1 || js(items[0]["status"]) != "message" {
		t.Errorf("queue = %s (online %v), want the message and nobody online", toJSON(items), online)
	}

	for _, body := range []string{`{"contact":""}`, `{"contact":"   "}`, `{"contact":` + quote(strings.Repeat("x", 501)) + `}`, `{}`} {
		if r := e.cust(t, c, c.token, "POST", "/contact", body); r.code != http.StatusBadRequest {
			t.Errorf("contact %.40s = %d %s, want 400", body, r.code, r.raw)
		}
	}
	if s := e.state(t, c); s["contact_left"] == true {
		t.Errorf("refused contact was kept: %v", s)
	}
	r := e.cust(t, c, c.token, "POST", "/contact", `{"contact":"ann@example.com"}`)
	if s := jm(r.body["state"]); r.code != 200 || s["contact_left"] != true || js(s["status"]) != "message" {
		t.Errorf("leave contact = %d %s, want 200 with contact_left true", r.code, r.raw)
	}
	if s := e.state(t, c); s["contact_left"] != true {
		t.Errorf("state = %v, want contact_left true", s)
	}
	if items, _ := queue(t, ann); len(items) != 1 || js(items[0]["contact"]) != "ann@example.com" {
		t.Errorf("queue = %s, want the contact shown to staff", toJSON(items))
	}

	// Online: queued. Away: a message again.
	setOnline(t, ann, "online")
	c2 := e.newConvo(t)
	turn := e.say(t, c2, "I want to talk to a human")
	if s := js(jm(turn["handoff"])["status"]); s != "queued" || strings.Contains(js(jm(turn["reply"])["text"]), "contact details") {
		t.Errorf("with ann online: status %s, reply %q; want queued without asking for contact", s, jm(turn["reply"])["text"])
	}
	setOnline(t, ann, "away")
	c3 := e.newConvo(t)
	if s := js(jm(e.handoff(t, c3)["handoff"])["status"]); s != "message" {
		t.Errorf("with ann away: status %s, want message", s)
	}
	if _, online := queue(t, ann); online != 0 {
		t.Errorf("agents online with ann away = %v, want 0", online)
	}

	// Online but not seen for over 90 seconds counts as gone.
	stale := &kb.Presence{UserID: e.users["ann"].ID, Status: kb.PresenceOnline, SeenAt: time.Now().Add(-2 * time.Minute)}
	if err := e.srv.App.Store.SetPresence(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	c4 := e.newConvo(t)
	if s := js(jm(e.handoff(t, c4)["handoff"])["status"]); s != "message" {
		t.Errorf("with ann's presence stale: status %s, want message", s)
	}
	if _, online := queue(t, ann); online != 0 {
		t.Errorf("agents online with a stale presence = %v, want 0", online)
	}

	// The team answers a message later by claiming it.
	r = ann.want(t, 200, "POST", "/api/v1/handoffs/"+js(jm(ho["handoff"])["id"])+"/claim", "")
	if h := jm(r.body["handoff"]); js(h["status"]) != "claimed" || js(h["contact"]) != "ann@example.com" {
		t.Errorf("claiming the message = %s", r.raw)
	}
}

// 6. Queue order: priority first, then the longest waiting.
func TestDeskQueuePriority(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	ann := e.loginAll(t, "ann")["ann"]
	setOnline(t, ann, "online")

	type entry struct {
		name    string
		c       convo
		hid     string
		reasons []string
	}
	open := func(name string, f func(convo) map[string]any) entry {
		c := e.newConvo(t)
		h := jm(f(c)["handoff"])
		if js(h["status"]) != "queued" {
			t.Fatalf("%s: hand-off %v, want queued", name, h)
		}
		return entry{name, c, js(h["id"]), reasonsOf(h)}
	}
	low := open("low confidence", func(c convo) map[string]any { return e.say(t, c, outOfScope) })
	explicit := open("explicit", func(c convo) map[string]any { return e.handoff(t, c) })
	angry := open("angry", func(c convo) map[string]any { return e.say(t, c, angryCustomer) })
	low2 := open("second low confidence", func(c convo) map[string]any { return e.say(t, c, outOfScope) })
	if !slices.Contains(low.reasons, kb.ReasonLowConfidence) || slices.Contains(low.reasons, kb.ReasonExplicitRequest) || slices.Contains(low.reasons, kb.ReasonNegativeSentiment) {
		t.Fatalf("out-of-scope reasons = %v, want low_confidence only", low.reasons)
	}
	if !slices.Contains(angry.reasons, kb.ReasonNegativeSentiment) {
		t.Fatalf("angry reasons = %v, want negative_sentiment", angry.reasons)
	}
	if slices.Contains(low2.reasons, kb.ReasonExplicitRequest) || slices.Contains(low2.reasons, kb.ReasonNegativeSentiment) {
		t.Fatalf("second out-of-scope reasons = %v, want priority 0", low2.reasons)
	}

	items, _ := queue(t, ann)
	want := []string{explicit.hid, angry.hid, low.hid, low2.hid}
	if got := ids(items); !slices.Equal(got, want) {
		t.Fatalf("queue = %v, want explicit, angry, low, low2 = %v", got, want)
	}
	var prios []float64
	for _, it := range items {
		prios = append(prios, jn(it["priority"]))
	}
	if !slices.Equal(prios, []float64{1, 1, 0, 0}) {
		t.Errorf("priorities = %v, want 1 1 0 0", prios)
	}
	lastETA := 0.0
	for i, en := range []entry{explicit, angry, low, low2} {
		s := e.state(t, en.c)
		if js(s["status"]) != "queued" || jn(s["position"]) != float64(i+1) {
			t.Errorf("%s: state %v, want queued at position %d", en.name, s, i+1)
		}
		if eta := jn(s["eta_seconds"]); eta <= lastETA {
			t.Errorf("%s: eta %v, want more than the one ahead (%v)", en.name, eta, lastETA)
		} else {
			lastETA = eta
		}
	}

	// Taking the angry one moves those behind it up; held ones list last.
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+angry.hid+"/claim", "")
	items, _ = queue(t, ann)
	if got := ids(items); !slices.Equal(got, []string{explicit.hid, low.hid, low2.hid, angry.hid}) {
		t.Errorf("queue after claiming the angry one = %v, want it last", got)
	}
	if js(items[3]["holder"]) != "ann" {
		t.Errorf("held item holder = %v, want ann", items[3]["holder"])
	}
	for i, en := range []entry{explicit, low, low2} {
		if s := e.state(t, en.c); jn(s["position"]) != float64(i+1) {
			t.Errorf("%s: position %v after the claim, want %d", en.name, s["position"], i+1)
		}
	}
}

// sseEvent is one Server-Sent Event with its JSON data.
type sseEvent struct {
	Type string
	Data map[string]any
}

// openStream opens an event stream; it is closed when the test ends.
func openStream(t *testing.T, hc *http.Client, url string, hdr map[string]string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s = %d %s %q, want an event stream", url, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	ch := make(chan sseEvent, 256)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Type != "" {
					select {
					case ch <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Type = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data); err != nil {
					ev.Data = map[string]any{"undecodable": line}
				}
			}
		}
	}()
	return ch
}

// waitEvent reads events until match accepts one; seen collects the types read.
func waitEvent(t *testing.T, ch <-chan sseEvent, what string, seen *[]string, match func(sseEvent) bool) sseEvent {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %s; saw %v", what, *seen)
			}
			*seen = append(*seen, ev.Type)
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s within 5s; saw %v", what, *seen)
		}
	}
}

// 7. Live events for the customer and the staff.
func TestDeskLiveEvents(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	ann := e.loginAll(t, "ann")["ann"]
	setOnline(t, ann, "online")
	c, other := e.newConvo(t), e.newConvo(t)

	var custSeen, staffSeen, otherSeen []string
	cust := openStream(t, http.DefaultClient, e.base+"/api/v1/conversations/"+c.id+"/events", map[string]string{"Authorization": "Bearer " + c.token})
	first := waitEvent(t, cust, "the first customer event", &custSeen, func(sseEvent) bool { return true })
	if first.Type != "state" || js(jm(first.Data["data"])["status"]) != "none" || js(first.Data["conversation_id"]) != c.id {
		t.Fatalf("first customer event = %s %v, want state with status none", first.Type, first.Data)
	}
	otherStream := openStream(t, http.DefaultClient, e.base+"/api/v1/conversations/"+other.id+"/events", map[string]string{"Authorization": "Bearer " + other.token})
	waitEvent(t, otherStream, "the other conversation's first event", &otherSeen, func(ev sseEvent) bool { return ev.Type == "state" })
	staff := openStream(t, ann.hc, e.base+"/api/v1/events", nil)
	if ev := waitEvent(t, staff, "the first staff event", &staffSeen, func(sseEvent) bool { return true }); ev.Type != "queue" {
		t.Fatalf("first staff event = %s, want queue", ev.Type)
	}

	hid := js(jm(e.handoff(t, c)["handoff"])["id"])
	waitEvent(t, cust, "the queued state", &custSeen, func(ev sseEvent) bool {
		d := jm(ev.Data["data"])
		return ev.Type == "state" && js(d["status"]) == "queued" && jn(d["position"]) == 1
	})
	waitEvent(t, staff, "the new hand-off on the staff stream", &staffSeen, func(ev sseEvent) bool {
		return ev.Type == "handoff" && js(jm(ev.Data["data"])["id"]) == hid && js(jm(ev.Data["data"])["status"]) == "queued"
	})

	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
	claimed := waitEvent(t, staff, "the claim on the staff stream", &staffSeen, func(ev sseEvent) bool {
		return ev.Type == "handoff" && js(jm(ev.Data["data"])["id"]) == hid && js(jm(ev.Data["data"])["status"]) == "claimed"
	})
	if js(jm(claimed.Data["data"])["claimed_by"]) != e.users["ann"].ID {
		t.Errorf("claim event = %v, want claimed by ann", claimed.Data)
	}
	waitEvent(t, cust, "the claimed state", &custSeen, func(ev sseEvent) bool {
		d := jm(ev.Data["data"])
		return ev.Type == "state" && js(d["status"]) == "claimed" && js(d["agent"]) == "ann"
	})

	start := time.Now()
	ann.want(t, http.StatusCreated, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"Hello from Ann"}`)
	msg := waitEvent(t, cust, "the agent's message", &custSeen, func(ev sseEvent) bool {
		return ev.Type == "message" && js(jm(ev.Data["data"])["role"]) == "agent"
	})
	if d := jm(msg.Data["data"]); js(d["text"]) != "Hello from Ann" || js(d["author"]) != "ann" || js(d["conversation_id"]) != c.id {
		t.Errorf("agent message event = %v", msg.Data)
	}
	t.Logf("agent reply reached the customer in %v", time.Since(start))
	waitEvent(t, staff, "the agent's message on the staff stream", &staffSeen, func(ev sseEvent) bool {
		return ev.Type == "message" && js(jm(ev.Data["data"])["text"]) == "Hello from Ann"
	})
	for _, typ := range custSeen {
		if typ == "handoff" || typ == "queue" {
			t.Errorf("customer stream carried staff-only event %q (saw %v)", typ, custSeen)
		}
	}
	// Nothing of c reached the other conversation's customer.
	time.Sleep(200 * time.Millisecond)
	select {
	case ev, ok := <-otherStream:
		if ok {
			t.Errorf("other conversation's stream got %s %v", ev.Type, ev.Data)
		} else {
			t.Errorf("other conversation's stream ended early")
		}
	default:
	}
}

// 8. Agents claiming one hand-off at once: exactly one wins.
func TestDeskConcurrentClaims(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	e.addUser(t, "cid", kb.UserAgent)
	e.addUser(t, "dan", kb.UserAgent)
	names := []string{"ann", "bob", "cid", "dan"}
	st := e.loginAll(t, names...)
	setOnline(t, st["ann"], "online")

	for round := range 20 {
		c := e.newConvo(t)
		hid := js(jm(e.handoff(t, c)["handoff"])["id"])
		n := 2 + round%3
		var agents []*staffClient
		for i := range n {
			agents = append(agents, st[names[(round+i)%len(names)]])
		}
		codes := make([]int, n)
		errs := make([]error, n)
		bodies := make([]string, n)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i, a := range agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				r, err := sendReq(a.hc, "POST", e.base+"/api/v1/handoffs/"+hid+"/claim", "", map[string]string{"X-CSRF-Token": a.csrf})
				codes[i], errs[i], bodies[i] = r.code, err, r.raw
			}()
		}
		close(gate)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		winner := ""
		wins := 0
		for i, code := range codes {
			switch code {
			case http.StatusOK:
				wins++
				winner = agents[i].name
			case http.StatusConflict:
			default:
				t.Errorf("round %d: %s's claim = %d %s, want 200 or 409", round, agents[i].name, code, bodies[i])
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of %d claims won (codes %v), want exactly 1", round, wins, n, codes)
		}
		p := st["ann"].want(t, 200, "GET", "/api/v1/handoffs/"+hid, "").body
		if js(p["holder"]) != winner || js(jm(p["handoff"])["claimed_by"]) != e.users[winner].ID {
			t.Errorf("round %d: holder %v, want the winner %s", round, p["holder"], winner)
		}
	}
}

// 9. Signed webhooks for the hand-off lifecycle.
func TestDeskWebhooks(t *testing.T) {
	t.Parallel()
	const secret = "whsec-test-0123456789"
	type delivery struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var got []delivery
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close) // after the server has flushed its queue
	e := startDesk(t, deskOptions{webhookURL: recv.URL + "/hooks/baton", webhookSecret: secret})
	ann := e.loginAll(t, "ann")["ann"]
	setOnline(t, ann, "online")

	c := e.newConvo(t)
	hid := js(jm(e.handoff(t, c)["handoff"])["id"])
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
	ann.want(t, 201, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"on it"}`)
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/resolve", `{"outcome":"bot_right"}`)

	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for an unexpected extra delivery
	mu.Lock()
	ds := slices.Clone(got)
	mu.Unlock()

	want := []struct{ event, status string }{
		{"handoff.created", "queued"}, {"handoff.claimed", "claimed"}, {"handoff.resolved", "resolved"},
	}
	var events []string
	for _, d := range ds {
		events = append(events, d.header.Get("X-Baton-Event"))
	}
	if len(ds) != len(want) {
		t.Fatalf("deliveries = %v, want %d: created, claimed, resolved", events, len(want))
	}
	seenIDs := map[string]bool{}
	for i, d := range ds {
		if err := web.VerifyWebhook(secret, d.header, d.body, time.Minute); err != nil {
			t.Errorf("delivery %d (%s) does not verify: %v", i, events[i], err)
		}
		// The documented wire format, computed independently of web:
		// sha256= hex HMAC-SHA256(secret, timestamp + "." + body).
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(d.header.Get("X-Baton-Timestamp") + "."))
		mac.Write(d.body)
		if sig := "sha256=" + hex.EncodeToString(mac.Sum(nil)); d.header.Get("X-Baton-Signature") != sig {
			t.Errorf("delivery %d signature %q, want %q", i, d.header.Get("X-Baton-Signature"), sig)
		}
		if ts, err := strconv.ParseInt(d.header.Get("X-Baton-Timestamp"), 10, 64); err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
			t.Errorf("delivery %d timestamp %q, want unix seconds of about now", i, d.header.Get("X-Baton-Timestamp"))
		}
		if err := web.VerifyWebhook("another-secret", d.header, d.body, time.Minute); err == nil {
			t.Errorf("delivery %d verifies under the wrong secret", i)
		}
		if err := web.VerifyWebhook(secret, d.header, append(slices.Clone(d.body), ' '), time.Minute); err == nil {
			t.Errorf("delivery %d verifies with a changed body", i)
		}
		var p struct {
			ID    string         `json:"id"`
			Event string         `json:"event"`
			Data  map[string]any `json:"data"`
		}
		if err := json.Unmarshal(d.body, &p); err != nil {
			t.Fatalf("delivery %d body: %v: %s", i, err, d.body)
		}
		if p.Event != want[i].event || d.header.Get("X-Baton-Event") != want[i].event {
			t.Errorf("delivery %d: event %s (header %s), want %s", i, p.Event, d.header.Get("X-Baton-Event"), want[i].event)
		}
		if js(p.Data["id"]) != hid || js(p.Data["status"]) != want[i].status || js(p.Data["conversation_id"]) != c.id {
			t.Errorf("delivery %d (%s) data = %v, want hand-off %s %s", i, p.Event, p.Data, hid, want[i].status)
		}
		if p.ID == "" || p.ID != d.header.Get("X-Baton-Delivery") || seenIDs[p.ID] {
			t.Errorf("delivery %d id %q (header %q), want a fresh id matching the header", i, p.ID, d.header.Get("X-Baton-Delivery"))
		}
		seenIDs[p.ID] = true
	}
	if d := jm(mustUnmarshal(t, ds[1].body)["data"]); js(d["claimed_by"]) != e.users["ann"].ID {
		t.Errorf("claimed delivery = %v, want claimed_by ann", d)
	}
	if d := jm(mustUnmarshal(t, ds[2].body)["data"]); js(d["outcome"]) != "bot_right" {
		t.Errorf("resolved delivery = %v, want outcome bot_right", d)
	}
}

func mustUnmarshal(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// 10. `baton users`.
func TestUsersCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	users := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := runUsers(ctx, args, strings.NewReader(stdin), &out, io.Discard)
		return out.String(), err
	}
	out, err := users("longenough-pass\n", "add", "--data", dir, "--role", "agent", "--password-stdin", "carol")
	if err != nil || !strings.Contains(out, "created agent carol") {
		t.Fatalf("users add carol = %q, %v", out, err)
	}
	if _, err := users("another-long-pass\n", "add", "--data", dir, "--password-stdin", "carol"); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("adding carol twice: err %v, want a conflict", err)
	}
	if _, err := users("short\n", "add", "--data", dir, "--password-stdin", "dave"); !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), "password") {
		t.Errorf("too short a password: err %v, want invalid password", err)
	}
	if _, err := users("longenough-pass\n", "add", "--data", dir, "--role", "boss", "--password-stdin", "frank"); !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), "role") {
		t.Errorf("bad role: err %v, want invalid role", err)
	}
	if _, err := users("longenough-pass\n", "add", "--data", dir, "--password-stdin"); err == nil {
		t.Errorf("add without a name succeeded")
	}
	if _, err := users("", "add", "--data", dir, "gina"); err == nil {
		t.Errorf("add without a terminal or --password-stdin succeeded")
	}
	out, err = users("", "list", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "carol") || !strings.Contains(lines[0], "agent") {
		t.Errorf("users list = %q, want only carol the agent", out)
	}
	if _, err := users("", "revoke", "--data", dir, "carol"); err != nil {
		t.Fatal(err)
	}
	// What the command changed is in the audit log; what it refused is not.
	store, err := openStore(ctx, Config{Data: dir})
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.Audit(ctx, kb.AuditFilter{Limit: 10})
	store.Close()
	var got []string
	for _, e := range log {
		got = append(got, e.Actor+" "+e.Action+" "+e.Target+": "+e.Detail)
	}
	if want := []string{"cli user.revoke carol: 0 API keys revoked", "cli user.add carol: role agent"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("audit log %q (%v), want %q", got, err, want)
	}

	e := startDesk(t, deskOptions{data: dir, noStaff: true})
	if r, err := loginReq(plainClient(), e.base, "carol", "another-long-pass", nil); err != nil || r.code != http.StatusUnauthorized {
		t.Errorf("carol with the refused duplicate's password = %v %v, want 401", r.code, err)
	}
	s := newStaffClient(e, "carol")
	r, err := loginReq(s.hc, e.base, "carol", "longenough-pass", nil)
	if err != nil || r.code != http.StatusOK || js(jm(r.body["user"])["role"]) != "agent" {
		t.Fatalf("carol's login = %v %s %v, want 200 as an agent", r.code, r.raw, err)
	}
	s.csrf = js(r.body["csrf"])
	s.want(t, 200, "GET", "/api/v1/handoffs", "")
	setOnline(t, s, "online")
}
