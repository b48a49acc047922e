package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	_ "github.com/batonhq/baton/kb/sqlite" // the "sqlite" driver
	"github.com/batonhq/baton/web"
)

// startBaton ingests the fixtures through the CLI and starts the whole
// server on 127.0.0.1:0, as `baton serve` would; it returns the base URL.
func startBaton(t *testing.T) string {
	t.Helper()
	return "http://" + launch(t, "", nil).Addr()
}

// launch ingests the fixtures into data (a fresh directory when empty),
// starts the whole server with edit applied to its config, and stops it
// when the test ends, failing the test if shutdown is slow; the server's
// log is shown when the test failed.
func launch(t testing.TB, data string, edit func(*Config)) *Server {
	t.Helper()
	fresh := data == ""
	if fresh {
		data = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	if err := run(ctx, []string{"ingest", "--data", data, "testdata/kb"}, &out, io.Discard); err != nil {
		cancel()
		t.Fatalf("ingest: %v", err)
	}
	cancel()
	if fresh && !strings.Contains(out.String(), "5 articles added") {
		t.Fatalf("ingest summary = %q, want 5 articles added", out.String())
	}
	return serveData(t, data, edit)
}

// serverLogs holds each test server's log (*Server -> *lockedBuffer).
var serverLogs sync.Map

// logsOf is what srv has logged so far.
func logsOf(srv *Server) string {
	b, _ := serverLogs.Load(srv)
	return b.(*lockedBuffer).String()
}

// serveData starts the whole server on the data directory as it is, like
// launch without the fixtures.
func serveData(t testing.TB, data string, edit func(*Config)) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Addr: "127.0.0.1:0", Data: data}
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.fromEnv(); err != nil {
		cancel()
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv, err := StartServer(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	serverLogs.Store(srv, logs)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		// A connection the test client opened and never used holds a
		// graceful shutdown for 5 s (net/http treats it as busy until
		// then): close those first; a browser's are closed with it.
		http.DefaultClient.CloseIdleConnections()
		cancel()
		start := time.Now()
		// A slow shutdown says what it was waiting on.
		var stacks bytes.Buffer
		dumped := make(chan struct{})
		slow := time.AfterFunc(4*time.Second, func() {
			pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			close(dumped)
		})
		err := <-done
		if !slow.Stop() {
			<-dumped
		}
		if err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("server took %v to shut down, want under 5s (a stream left open?); goroutines after 4s:\n%s", d, &stacks)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("server close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return srv
}

// addStaff creates a member of staff who signs in with password.
func addStaff(t testing.TB, srv *Server, id, name, role, password string) {
	t.Helper()
	hash, err := web.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Store.CreateUser(context.Background(), &kb.User{ID: id, Name: name, Role: role, PasswordHash: hash}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
}

// addTeam creates a team of members (user ids) serving collections.
func addTeam(t testing.TB, srv *Server, id, name string, members, collections []string) {
	t.Helper()
	ctx, st := context.Background(), srv.App.Store
	if err := st.CreateTeam(ctx, &kb.Team{ID: id, Name: name}); err != nil {
		t.Fatalf("create team %s: %v", name, err)
	}
	if err := st.SetTeamMembers(ctx, id, members); err != nil {
		t.Fatal(err)
	}
	if err := st.SetTeamCollections(ctx, id, collections); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer collects the server log, shown when a test fails.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, token, body string) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%s %s: body is not JSON: %q", method, path, b)
	}
	return res.StatusCode, m
}

func (c client) start() (id, token string) {
	c.t.Helper()
	code, m := c.do("POST", "/api/v1/conversations", "", `{"collection":"default","lang":"auto"}`)
	if code != http.StatusCreated {
		c.t.Fatalf("create conversation: %d %v", code, m)
	}
	return m["id"].(string), m["token"].(string)
}

func TestEndToEndAsk(t *testing.T) {
	c := client{t, startBaton(t)}
	tests := []struct {
		name, text  string
		wantArticle string // first citation; empty: none required
		wantBand    string
		wantReason  string
	}{
		{"english similar question", "how do I send something back", "default/returns", "answer", ""},
		{"english csv faq", "can I pay with PayPal?", "default/faq-", "answer", ""},
		{"chinese similar question", "退款什么时候到账？", "default/zh-refund", "answer", ""},
		{"explicit request english", "I want to talk to a human", "", "handoff", "explicit_request"},
		{"explicit request chinese", "转人工", "", "handoff", "explicit_request"},
		{"out of scope", "zebra quantum flux capacitor", "", "handoff", "low_confidence"},
		{"always hand off article", "someone logged into my account", "default/hacked", "handoff", "sensitive_topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, token := c.start()
			code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(tt.text)+`}`)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, m)
			}
			if m["message_id"] == "" {
				t.Errorf("no message_id")
			}
			reply := m["reply"].(map[string]any)
			if got := reply["band"]; got != tt.wantBand {
				t.Errorf("band = %v, want %s (confidence %v)", got, tt.wantBand, reply["confidence"])
			}
			conf := reply["confidence"].(float64)
			if conf < 0 || conf > 1 {
				t.Errorf("confidence %v outside [0,1]", conf)
			}
			cites := reply["citations"].([]any)
			if tt.wantArticle != "" {
				if len(cites) == 0 {
					t.Fatalf("no citations, want %s", tt.wantArticle)
				}
				first := cites[0].(map[string]any)
				if got := first["article_id"].(string); !strings.HasPrefix(got, tt.wantArticle) {
					t.Errorf("first citation = %s, want %s", got, tt.wantArticle)
				}
				if first["title"] == "" || first["snippet"] == "" {
					t.Errorf("citation lacks title or snippet: %v", first)
				}
			}
			if tt.wantBand == "answer" && m["handoff"] != nil {
				t.Errorf("answered turn has a handoff: %v", m["handoff"])
			}
			if tt.wantReason != "" {
				h, ok := m["handoff"].(map[string]any)
				if !ok {
					t.Fatalf("no handoff, want reason %s", tt.wantReason)
				}
				if !strings.Contains(toJSON(h["reasons"]), tt.wantReason) {
					t.Errorf("reasons = %v, want %s", h["reasons"], tt.wantReason)
				}
			}
		})
	}
}

func TestEndToEndTranscriptAndErrors(t *testing.T) {
	c := client{t, startBaton(t)}
	id, token := c.start()
	otherID, otherToken := c.start()
	if code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"what is your return policy"}`); code != 200 {
		t.Fatalf("ask: %d %v", code, m)
	}
	code, m := c.do("GET", "/api/v1/conversations/"+id+"/messages", token, "")
	if code != 200 {
		t.Fatalf("transcript: %d %v", code, m)
	}
	msgs := m["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "customer" || msgs[1].(map[string]any)["role"] != "bot" {
		t.Errorf("transcript = %v, want customer then bot", toJSON(msgs))
	}
	if msgs[0].(map[string]any)["text"] != "what is your return policy" {
		t.Errorf("customer text not kept: %v", msgs[0])
	}

	long := strings.Repeat("a", 4001)
	tests := []struct {
		name, method, path, token, body string
		want                            int
		wantCode                        string
	}{
		{"wrong token", "POST", "/api/v1/conversations/" + id + "/messages", otherToken, `{"text":"hi"}`, 403, "forbidden"},
		{"no token", "GET", "/api/v1/conversations/" + id + "/messages", "", "", 403, "forbidden"},
		{"other conversation's token reads", "GET", "/api/v1/conversations/" + otherID + "/messages", token, "", 403, "forbidden"},
		{"unknown conversation", "POST", "/api/v1/conversations/nope/messages", token, `{"text":"hi"}`, 404, "not_found"},
		{"empty text", "POST", "/api/v1/conversations/" + id + "/messages", token, `{"text":"   "}`, 400, "invalid"},
		{"oversized text", "POST", "/api/v1/conversations/" + id + "/messages", token, `{"text":"` + long + `"}`, 400, "invalid"},
		{"4000 characters is fine", "POST", "/api/v1/conversations/" + id + "/messages", token, `{"text":"` + strings.Repeat("退", 4000) + `"}`, 200, ""},
		{"malformed json", "POST", "/api/v1/conversations/" + id + "/messages", token, `{"text":`, 400, "invalid"},
		{"unknown field", "POST", "/api/v1/conversations/" + id + "/messages", token, `{"txt":"hi"}`, 400, "invalid"},
		{"empty body", "POST", "/api/v1/conversations/" + id + "/messages", token, ``, 400, "invalid"},
		{"huge body", "POST", "/api/v1/conversations/" + id + "/messages", token, `{"text":"` + strings.Repeat("x", 100000) + `"}`, 413, "too_large"},
		{"bad lang", "POST", "/api/v1/conversations", "", `{"lang":"fr"}`, 400, "invalid"},
		{"unknown endpoint", "GET", "/api/v1/nope", "", "", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, m := c.do(tt.method, tt.path, tt.token, tt.body)
			if code != tt.want {
				t.Fatalf("status = %d, want %d (%v)", code, tt.want, m)
			}
			if tt.wantCode == "" {
				return
			}
			e, ok := m["error"].(map[string]any)
			if !ok || e["code"] != tt.wantCode || e["message"] == "" {
				t.Errorf("error body = %v, want code %s with a message", m, tt.wantCode)
			}
		})
	}
	// The rejected turns left nothing half-stored; the 4,000-character one was answered.
	_, m = c.do("GET", "/api/v1/conversations/"+id+"/messages", token, "")
	if n := len(m["messages"].([]any)); n != 4 {
		t.Errorf("transcript has %d messages after the error cases, want 4", n)
	}
	if code, _ := c.do("GET", "/healthz", "", ""); code != 200 {
		t.Errorf("healthz = %d", code)
	}
}

func TestAskCommand(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"ingest", "--data", data, "testdata/kb"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"ask", "--data", data, "钱多久能退回来"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 个工作日", "band: answer", "default/zh-refund", "confidence: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ask output lacks %q:\n%s", want, out.String())
		}
	}
	// Re-ingesting unchanged content is a no-op.
	out.Reset()
	if err := run(ctx, []string{"ingest", "--data", data, "testdata/kb"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 articles added, 0 updated, 5 unchanged") {
		t.Errorf("re-ingest summary = %q", out.String())
	}
}

func TestReingestChangedContent(t *testing.T) {
	ctx := context.Background()
	data, src := t.TempDir(), t.TempDir()
	copyFile(t, "testdata/kb/returns.md", filepath.Join(src, "returns.md"))
	copyFile(t, "testdata/kb/faq.csv", filepath.Join(src, "faq.csv"))
	if err := run(ctx, []string{"ingest", "--data", data, src}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Edit one answer and drop one FAQ row.
	b, _ := os.ReadFile(filepath.Join(src, "returns.md"))
	edited := strings.Replace(string(b), "within 30 days", "within 60 days", 1)
	if err := os.WriteFile(filepath.Join(src, "returns.md"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	csv := "question,answer,similar questions,tags\nDo you ship abroad?,\"We ship to 40 countries; delivery takes 5-10 business days.\",do you deliver internationally|can I order from overseas,shipping\n"
	if err := os.WriteFile(filepath.Join(src, "faq.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"ingest", "--data", data, src}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if want := "0 articles added, 1 updated, 1 unchanged, 1 removed"; !strings.Contains(out.String(), want) {
		t.Errorf("summary = %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := run(ctx, []string{"ask", "--data", data, "what is your return policy"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "within 60 days") {
		t.Errorf("answer after edit = %q, want the new text", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"ask", "--data", data, "can I pay with paypal"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "PayPal and Alipay") {
		t.Errorf("removed FAQ row still answers: %q", out.String())
	}
}

func TestChatPage(t *testing.T) {
	base := startBaton(t)
	res, err := http.Get(base + "/chat")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), `<form id="ask"`) || !strings.Contains(string(b), "/static/chat.js") {
		t.Errorf("GET /chat = %d %q", res.StatusCode, b)
	}
	res, err = http.Get(base + "/static/chat.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /static/chat.js = %d", res.StatusCode)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestEndToEndConversationTriggers(t *testing.T) {
	srv := launch(t, "", nil)
	c := client{t, "http://" + srv.Addr()}
	say := func(id, token, text string) map[string]any {
		t.Helper()
		code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(text)+`}`)
		if code != 200 {
			t.Fatalf("%q: %d %v", text, code, m)
		}
		return m
	}
	reasons := func(m map[string]any) string {
		h, _ := m["handoff"].(map[string]any)
		if h == nil {
			return ""
		}
		return toJSON(h["reasons"])
	}

	t.Run("customer re-asks twice after answers", func(t *testing.T) {
		id, token := c.start()
		if r := reasons(say(id, token, "what is your return policy")); r != "" {
			t.Fatalf("first question handed off: %s", r)
		}
		if r := reasons(say(id, token, "that's not what I asked. what is your return policy?")); r != "" {
			t.Fatalf("first rephrase handed off already: %s", r)
		}
		m := say(id, token, "I already asked: what is the return policy")
		if r := reasons(m); !strings.Contains(r, "rephrase") {
			t.Errorf("second rephrase: reasons %s, want rephrase", r)
		}
		// The trigger signals are the agents': the store has them, the
		// customer's transcript does not.
		msgs, err := srv.App.Store.Messages(context.Background(), id)
		if err != nil || !msgs[2].Rephrase {
			t.Errorf("second customer turn not stored as a rephrase: %+v, %v", msgs[2], err)
		}
		_, tr := c.do("GET", "/api/v1/conversations/"+id+"/messages", token, "")
		if m := tr["messages"].([]any)[2].(map[string]any); m["rephrase"] != nil || m["negative"] != nil {
			t.Errorf("the customer's transcript shows the trigger signals: %v", m)
		}
	})
	t.Run("angry customer", func(t *testing.T) {
		id, token := c.start()
		m := say(id, token, "This is RIDICULOUS!!! I have waited three weeks for my refund and nobody answers, absolutely terrible service!!!")
		if r := reasons(m); !strings.Contains(r, "negative_sentiment") {
			t.Errorf("reasons %s, want negative_sentiment", r)
		}
	})
	t.Run("polite customer keeps the bot", func(t *testing.T) {
		id, token := c.start()
		m := say(id, token, "Hi, could you tell me your return policy please? Thanks!")
		if r := reasons(m); r != "" {
			t.Errorf("polite question handed off: %s", r)
		}
	})
	t.Run("routine questions in a row keep the bot", func(t *testing.T) {
		id, token := c.start()
		// Each is answered, so the next one still goes through every trigger.
		for _, q := range []string{"退款什么时候到账", "what is your return policy", "can I pay with PayPal?", "do you ship abroad?"} {
			if r := reasons(say(id, token, q)); r != "" {
				t.Errorf("%q handed off: %s", q, r)
			}
		}
	})
	t.Run("chinese angry customer", func(t *testing.T) {
		id, token := c.start()
		m := say(id, token, "退款到现在还没到账！！！等了半个月了，你们太差劲了，气死我了")
		if r := reasons(m); !strings.Contains(r, "negative_sentiment") {
			t.Errorf("reasons %s, want negative_sentiment", r)
		}
	})
}

// TestRephraseByArticle: a question asked again in other words (sharing
// almost no words with the first) is a rephrase when the collection lets
// the bot's search count, as it is sent to the article just given; by
// default it is not, and moving on to another article never is.
func TestRephraseByArticle(t *testing.T) {
	requireModel(t) // the search's evidence counts only with embeddings
	for _, byArticle := range []bool{false, true} {
		t.Run(fmt.Sprintf("rephrase_by_article %v", byArticle), func(t *testing.T) {
			data := t.TempDir()
			policy := fmt.Sprintf(`{"collections":{"default":{"rephrase_by_article":%v}}}`, byArticle)
			if err := os.WriteFile(filepath.Join(data, "policy.json"), []byte(policy), 0o644); err != nil {
				t.Fatal(err)
			}
			srv := launch(t, data, nil)
			c := client{t, "http://" + srv.Addr()}
			id, token := c.start()
			for _, q := range []string{"what is your return policy", "how can I send back a thing I bought", "do you ship abroad?"} {
				code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(q)+`}`)
				if code != 200 || m["handoff"] != nil {
					t.Fatalf("%q: %d %v, want an answer", q, code, m)
				}
			}
			msgs, err := srv.App.Store.Messages(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := msgs[2].Rephrase; got != byArticle {
				t.Errorf("question asked again stored as a rephrase: %v, want %v", got, byArticle)
			}
			if msgs[4].Rephrase {
				t.Errorf("new question stored as a rephrase: %+v", msgs[4])
			}
		})
	}
}

func TestCalibrateOwnQuestions(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if err := run(ctx, []string{"ingest", "--data", data, "testdata/kb"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	labelled := filepath.Join(t.TempDir(), "labelled.jsonl")
	lines := `{"query":"how do I send something back","gold_id":"default/returns","collection":"default"}
{"query":"退款什么时候到账","gold_id":"default/zh-refund","collection":"default"}
{"query":"what is your return policy","gold_id":"default/returns","collection":"default"}
{"query":"what's the weather tomorrow","gold_id":null,"collection":"default"}
{"query":"someone logged into my account","gold_id":"default/hacked","collection":"default"}
{"query":"can I bring my dog","gold_id":null,"collection":"default"}
`
	if err := os.WriteFile(labelled, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "model.json")
	var stderr bytes.Buffer
	if err := run(ctx, []string{"calibrate", "--data", data, "--queries", labelled, "--out", out}, io.Discard, &stderr); err != nil {
		t.Fatalf("calibrate: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "6 questions") {
		t.Errorf("report = %q, want it to count 6 questions", stderr.String())
	}
	m, err := answer.LoadModel(out)
	if err != nil {
		t.Fatalf("refitted model does not load: %v", err)
	}
	if !strings.Contains(m.FittedOn, "labelled.jsonl") || m.Keyword == nil {
		t.Errorf("model = %+v, want fitted_on naming the file and the keyword model kept", m)
	}
	// The refitted model is usable by the bot.
	var ask bytes.Buffer
	if err := run(ctx, []string{"ask", "--data", data, "--confidence-model", out, "how do I send something back"}, &ask, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ask.String(), "default/returns") {
		t.Errorf("ask with the refitted model = %q", ask.String())
	}
	// Calibration only searches: no conversation was stored.
	if msgs := conversationsIn(t, data); msgs != 1 {
		t.Errorf("conversations stored = %d, want only the one from ask", msgs)
	}
}

func conversationsIn(t *testing.T, data string) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM conversations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEndToEndSmallTalk: greetings, thanks and goodbyes get a short reply
// in the customer's language, never a hand-off, and do not count as the
// misses that would hand off the real question after them.
func TestEndToEndSmallTalk(t *testing.T) {
	c := client{t, startBaton(t)}
	id, token := c.start()
	for _, tt := range []struct{ text, kind, wantWord string }{
		{"hello", "greeting", "Hello"},
		{"你好", "greeting", "您好"},
		{"thanks!", "thanks", "welcome"},
		{"谢谢", "thanks", "不客气"},
		{"are you a bot?", "bot", "assistant"},
		{"嗯", "ack", "好的"},
	} {
		code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(tt.text)+`}`)
		if code != http.StatusOK {
			t.Fatalf("%q: %d %v", tt.text, code, m)
		}
		reply := m["reply"].(map[string]any)
		if m["handoff"] != nil || reply["band"] != "small_talk" || reply["small_talk"] != tt.kind {
			t.Errorf("%q: band %v kind %v handoff %v, want small_talk %s and no hand-off", tt.text, reply["band"], reply["small_talk"], m["handoff"], tt.kind)
		}
		if text, _ := reply["text"].(string); !strings.Contains(text, tt.wantWord) {
			t.Errorf("%q: reply %q, want it to contain %q", tt.text, text, tt.wantWord)
		}
	}
	// Six small-talk turns in a row are not six misses: a real question
	// still gets its answer.
	code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"how do I send something back"}`)
	if code != http.StatusOK || m["handoff"] != nil || m["reply"].(map[string]any)["band"] != "answer" {
		t.Errorf("question after small talk: %d %v", code, m)
	}
	_, st := c.do("GET", "/api/v1/conversations/"+id+"/handoff", token, "")
	if s := st["state"].(map[string]any)["status"]; s != "none" {
		t.Errorf("hand-off state %v after small talk, want none", s)
	}
}

// TestExplicitRequestIsOnlyThat: asking for a person on the test KB,
// whose always-hand-off article is the nearest wrong hit, hands off for
// the request alone, not for a sensitive topic the customer never raised.
func TestExplicitRequestIsOnlyThat(t *testing.T) {
	c := client{t, startBaton(t)}
	for _, text := range []string{"I want to talk to a human", "转人工"} {
		id, token := c.start()
		_, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(text)+`}`)
		h, _ := m["handoff"].(map[string]any)
		if h == nil || toJSON(h["reasons"]) != `["explicit_request"]` {
			t.Errorf("%q: hand-off %v, want reasons [explicit_request] only", text, h)
		}
	}
}

// TestCollectionSmallTalk: a collection's own phrasings and replies from
// the policy file, read for every turn after the first.
func TestCollectionSmallTalk(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("collections:\n  default:\n    small_talk:\n      phrases: {greeting: [aloha]}\n      replies: {greeting: {en: \"Aloha! Ask me about returns.\"}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := client{t, "http://" + launch(t, "", func(cfg *Config) { cfg.Policy = policy }).Addr()}
	for range 2 {
		id, token := c.start()
		_, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"Aloha!"}`)
		reply := m["reply"].(map[string]any)
		if reply["band"] != "small_talk" || reply["text"] != "Aloha! Ask me about returns." || m["handoff"] != nil {
			t.Errorf("Aloha: %v", m)
		}
	}
}
