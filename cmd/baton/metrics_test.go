package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetrics: /metrics counts turns by band, hand-offs by reason, the
// open queue and requests by route pattern (never by raw path).
func TestMetrics(t *testing.T) {
	base := startBaton(t)
	c := client{t, base}
	for _, q := range []string{"how do I send something back", "I want to talk to a human"} {
		id, token := c.start()
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(q)+`}`); code != 200 {
			t.Fatalf("%d %v", code, m)
		}
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	for _, want := range []string{
		`baton_turns_total{band="answer",collection="default"} 1`,
		`baton_turns_total{band="handoff",collection="default"} 1`,
		`baton_handoffs_total{collection="default",reason="explicit_request"} 1`,
		`baton_handoff_queue{collection="default",status="message"} 1`,
		`baton_http_request_duration_seconds_count{code="200",method="POST",route="/api/v1/conversations/:id/messages"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `route="/api/v1/conversations/`+"\"") {
		t.Errorf("a raw path reached a label")
	}
}
