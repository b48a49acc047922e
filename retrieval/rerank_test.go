package retrieval

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestHTTPReranker(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		want       []float64 // nil: an error
	}{
		{"scores by index, in any order", `{"results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.2}]}`, 200, []float64{0.2, 0.9}},
		{"a score missing", `{"results":[{"index":1,"relevance_score":0.9}]}`, 200, nil},
		{"an index out of range", `{"results":[{"index":0,"relevance_score":0.9},{"index":2,"relevance_score":0.1}]}`, 200, nil},
		{"an index twice", `{"results":[{"index":0,"relevance_score":0.9},{"index":0,"relevance_score":0.1}]}`, 200, nil},
		{"server error", `busy`, 503, nil},
		{"not JSON", `<html>`, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/rerank" || r.Header.Get("Authorization") != "Bearer k" {
					http.Error(w, "wrong path or key", http.StatusBadRequest)
					return
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			r := &HTTPReranker{BaseURL: srv.URL + "/v1/", Model: "m", APIKey: "k"}
			got, err := r.Rerank(context.Background(), "q", []string{"a", "b"})
			if tt.want == nil {
				if err == nil {
					t.Errorf("Rerank = %v, want an error", got)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Rerank = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
