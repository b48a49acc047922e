package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// A Reranker scores candidate texts for a question, higher for more
// relevant, one score per text in order. It is the optional stage after
// fusion: a cross-encoder sees the question and a candidate together,
// which the rankings before it cannot.
type Reranker interface {
	Rerank(ctx context.Context, question string, texts []string) ([]float64, error)
}

// HTTPReranker calls a rerank endpoint in the form Cohere, Jina, vLLM,
// Infinity and llama.cpp's server share: POST {base}/rerank with
// {model, query, documents} answering {results: [{index, relevance_score}]}.
type HTTPReranker struct {
	BaseURL string // e.g. http://localhost:8000/v1
	Model   string
	APIKey  string
	Client  *http.Client // nil: a client with a 2 s timeout
}

type rerankRequest struct {
	Model     string   `json:"model,omitempty"`
	Query     string   `json:"query"`
	Documents []string `json:"documents"`
}

type rerankResponse struct {
	Results []struct {
		Index int     `json:"index"`
		Score float64 `json:"relevance_score"`
	} `json:"results"`
}

// Rerank implements Reranker.
// rerankClient bounds a rerank call to 2 s (the turn keeps the fused
// order when it fails) and its answer to 4 MB.
var rerankClient = ModelClient(2*time.Second, 4<<20)

func (r *HTTPReranker) Rerank(ctx context.Context, question string, texts []string) ([]float64, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	body, err := json.Marshal(rerankRequest{Model: r.Model, Query: question, Documents: texts})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.BaseURL, "/")+"/rerank", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("rerank: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.APIKey)
	}
	client := r.Client
	if client == nil {
		client = rerankClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rerank: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("rerank: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rerank: %s: %.200s", resp.Status, b)
	}
	var out rerankResponse
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("rerank: decode response: %w", err)
	}
	scores := make([]float64, len(texts))
	seen := make([]bool, len(texts))
	for _, res := range out.Results {
		if res.Index < 0 || res.Index >= len(texts) || seen[res.Index] {
			return nil, fmt.Errorf("rerank: response has index %d for %d documents, or twice", res.Index, len(texts))
		}
		scores[res.Index], seen[res.Index] = res.Score, true
	}
	if len(out.Results) != len(texts) {
		return nil, fmt.Errorf("rerank: %d scores for %d documents", len(out.Results), len(texts))
	}
	return scores, nil
}
