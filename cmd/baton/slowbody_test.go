package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A client trickling a request body is cut off once the body's time is
// up; a streamed answer that outlasts that time, after a body that came
// at once, is not.
func TestSlowRequestBody(t *testing.T) {
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		for _, piece := range []string{"Returns are ", "accepted for ", "30 days [P1]."} {
			b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "model": "m",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}}}})
			fmt.Fprintf(w, "data: %s\n\n", b)
			w.(http.Flusher).Flush()
			time.Sleep(400 * time.Millisecond)
		}
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n")
	}))
	defer llm.Close()
	t.Setenv("BATON_LLM_BASE_URL", llm.URL)
	t.Setenv("BATON_LLM_MODEL", "m")
	const within = 500 * time.Millisecond
	srv := launch(t, "", func(cfg *Config) { cfg.bodyTimeout = within })
	base := "http://" + srv.Addr()

	t.Run("trickled body cut off", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "POST /api/v1/conversations HTTP/1.1\r\nHost: baton\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
		start := time.Now()
		// Trickle a byte every 100 ms, for up to 10 s, until the server gives up.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for time.Since(start) < 10*time.Second {
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		status, _ := bufio.NewReader(conn).ReadString('\n')
		took := time.Since(start)
		if !strings.HasPrefix(status, "HTTP/1.1 4") || took > 5*time.Second {
			t.Errorf("trickled body: %q after %v, want a 4xx within a few seconds", strings.TrimSpace(status), took)
		}
		conn.Close()
		<-done
	})

	t.Run("long stream after a quick body", func(t *testing.T) {
		c := client{t, base}
		id, token := c.start()
		req, _ := http.NewRequest("POST", base+"/api/v1/conversations/"+id+"/messages", strings.NewReader(`{"text":"how do I send something back"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("stream cut after %v: %v", time.Since(start), err)
		}
		if took := time.Since(start); took < 2*within || !strings.Contains(string(b), `"generated":true`) {
			t.Errorf("stream of %v ended: %.400s; want the generated answer, longer than the body time", took, b)
		}
	})
}
