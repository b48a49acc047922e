package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEndToEndGroundedAnswers runs the whole program with a chat model
// that answers as scripted: a cited answer is shown with its citations, a
// hallucinated citation falls back to the extractive answer, and the model
// never changes band or confidence.
func TestEndToEndGroundedAnswers(t *testing.T) {
	var reply atomic.Value
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": reply.Load().(string)}}}})
	}))
	defer llm.Close()
	t.Setenv("BATON_LLM_BASE_URL", llm.URL)
	t.Setenv("BATON_LLM_MODEL", "m")
	c := client{t, startBaton(t)}

	tests := []struct {
		name, model  string
		wantText     string
		wantFallback string
	}{
		{"cited answer is shown", "Returns are accepted for 30 days after delivery [P1].", "accepted for 30 days after delivery [P1]", ""},
		{"hallucinated citation falls back", "Per policy [P9] anything goes.", "You can return most items within 30 days", "llm_bad_cite"},
		{"uncited answer falls back", "Anything goes.", "You can return most items within 30 days", "llm_uncited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply.Store(tt.model)
			id, token := c.start()
			code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"how do I send something back"}`)
			if code != 200 {
				t.Fatalf("%d %v", code, m)
			}
			r := m["reply"].(map[string]any)
			if !strings.Contains(r["text"].(string), tt.wantText) {
				t.Errorf("text = %q, want it to contain %q", r["text"], tt.wantText)
			}
			if got, _ := r["fallback"].(string); got != tt.wantFallback {
				t.Errorf("fallback = %q, want %q", got, tt.wantFallback)
			}
			if r["band"] != "answer" {
				t.Errorf("band = %v, want answer", r["band"])
			}
			cites := r["citations"].([]any)
			if len(cites) == 0 || cites[0].(map[string]any)["article_id"] != "default/returns" {
				t.Errorf("citations = %v, want default/returns first", cites)
			}
		})
	}
}
