package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEndToEndRerank runs the whole program with a rerank server that
// prefers the account-security article: it reorders the candidates; when
// it fails, the fused order stands and the turn is still answered.
func TestEndToEndRerank(t *testing.T) {
	var fail atomic.Bool
	var calls atomic.Int32
	rr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			Model     string   `json:"model"`
			Query     string   `json:"query"`
			Documents []string `json:"documents"`
		}
		if r.URL.Path != "/v1/rerank" || json.NewDecoder(r.Body).Decode(&req) != nil || req.Model != "rr" || req.Query == "" || len(req.Documents) < 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if fail.Load() {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		type result struct {
			Index int     `json:"index"`
			Score float64 `json:"relevance_score"`
		}
		var out []result
		for i, d := range req.Documents {
			s := 0.1
			if strings.Contains(d, "hacked") {
				s = 0.9
			}
			out = append(out, result{i, s})
		}
		json.NewEncoder(w).Encode(map[string]any{"results": out})
	}))
	defer rr.Close()
	t.Setenv("BATON_RERANK_BASE_URL", rr.URL+"/v1")
	t.Setenv("BATON_RERANK_MODEL", "rr")
	c := client{t, startBaton(t)}

	first := func() string {
		id, token := c.start()
		code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"how do I send something back"}`)
		if code != 200 {
			t.Fatalf("%d %v", code, m)
		}
		cites := m["reply"].(map[string]any)["citations"].([]any)
		if len(cites) == 0 {
			t.Fatal("no citations")
		}
		return cites[0].(map[string]any)["article_id"].(string)
	}
	if got := first(); got != "default/hacked" {
		t.Errorf("with the reranker, first citation = %s, want default/hacked", got)
	}
	if calls.Load() == 0 {
		t.Fatal("the reranker was never called")
	}
	fail.Store(true)
	if got := first(); got != "default/returns" {
		t.Errorf("with the reranker failing, first citation = %s, want the fused default/returns", got)
	}
}
