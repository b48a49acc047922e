package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Every answer carries an X-Request-Id (a proxy's own kept when it looks
// like one), error bodies repeat it, and the access log has one line per
// request with it; /readyz answers when the store does.
func TestRequestIDs(t *testing.T) {
	t.Parallel()
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	get := func(path string, hdr map[string]string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res, m
	}
	res, body := get("/api/v1/conversations/nope/messages", nil)
	id := res.Header.Get("X-Request-Id")
	if len(id) != 16 || js(jm(body["error"])["request_id"]) != id {
		t.Errorf("error answer: X-Request-Id %q, body %v; want a new id in both", id, body)
	}
	res, _ = get("/healthz", map[string]string{"X-Request-Id": "lb-7f3a.2"})
	if got := res.Header.Get("X-Request-Id"); got != "lb-7f3a.2" {
		t.Errorf("a proxy's id came back as %q", got)
	}
	res, _ = get("/healthz", map[string]string{"X-Request-Id": "<script>alert(1)</script>"})
	if got := res.Header.Get("X-Request-Id"); strings.Contains(got, "<") || len(got) != 16 {
		t.Errorf("a malformed id came back as %q, want a new one", got)
	}
	if res, body := get("/readyz", nil); res.StatusCode != http.StatusOK || body["status"] != "ready" {
		t.Errorf("/readyz = %d %v, want 200 ready", res.StatusCode, body)
	}
	if logs := logsOf(srv); !strings.Contains(logs, "request_id="+id+" method=GET path=/api/v1/conversations/nope/messages status=404") {
		t.Errorf("access log lacks the request %s:\n%s", id, logs)
	}
}

// --log-format json writes JSON lines.
func TestLogFormatJSON(t *testing.T) {
	var buf bytes.Buffer
	newLogger(&buf, logFormat([]string{"--data", "x", "--log-format", "json"})).Info("hello", "k", 1)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["msg"] != "hello" || m["k"] != float64(1) {
		t.Errorf("log line %q (%v), want JSON with msg and k", buf.String(), err)
	}
	if got := logFormat([]string{"--log-format=json"}); got != "json" {
		t.Errorf("logFormat(--log-format=json) = %q", got)
	}
}
