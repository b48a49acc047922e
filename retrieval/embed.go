package retrieval

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Embedder turns texts into vectors. Implementations: OpenAIEmbedder (any
// OpenAI-compatible server: OpenAI, Azure, Ollama, vLLM, TEI...).
type Embedder interface {
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Name identifies the model, so vectors of different models never mix.
	Name() string
}

// OpenAIConfig configures an OpenAI-compatible embeddings endpoint.
type OpenAIConfig struct {
	BaseURL string // e.g. https://api.openai.com/v1 or http://localhost:11434/v1
	Model   string
	APIKey  string
	Batch   int // texts per request; 64 when zero
	// Timeout bounds one request; 60 s when zero. A question's embedding
	// is bounded tighter by the Searcher (QueryTimeout).
	Timeout time.Duration
}

// OpenAIEmbedder calls an OpenAI-compatible /embeddings endpoint.
type OpenAIEmbedder struct {
	client *openai.Client
	cfg    OpenAIConfig
}

// NewOpenAIEmbedder returns an embedder for cfg.
func NewOpenAIEmbedder(cfg OpenAIConfig) *OpenAIEmbedder {
	c := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		c.BaseURL = cfg.BaseURL
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	c.HTTPClient = ModelClient(cfg.Timeout, maxEmbedBody)
	return &OpenAIEmbedder{client: openai.NewClientWithConfig(c), cfg: cfg}
}

// maxEmbedBody bounds one embeddings response: 64 vectors of 4,096
// dimensions in JSON are about 6 MB.
const maxEmbedBody = 32 << 20

// ModelClient is an HTTP client for a model server: each call ends after
// timeout, and a response body longer than maxBody fails to read instead
// of filling memory (a misbehaving server's 300 MB reply is cut at
// maxBody).
func ModelClient(timeout time.Duration, maxBody int64) *http.Client {
	return &http.Client{Timeout: timeout, Transport: cappedTransport{base: http.DefaultTransport, max: maxBody}}
}

// cappedTransport limits every response body it returns to max bytes.
type cappedTransport struct {
	base http.RoundTripper
	max  int64
}

func (t cappedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		resp.Body = http.MaxBytesReader(nil, resp.Body, t.max)
	}
	return resp, err
}

// Name returns the model name.
func (e *OpenAIEmbedder) Name() string { return "openai:" + e.cfg.Model }

// Embed embeds texts in batches.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.Batch {
		end := min(start+e.cfg.Batch, len(texts))
		res, err := e.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
			Input: texts[start:end],
			Model: openai.EmbeddingModel(e.cfg.Model),
		})
		if err != nil {
			return nil, fmt.Errorf("embed with %s: %w", e.cfg.Model, err)
		}
		if len(res.Data) != end-start {
			return nil, fmt.Errorf("embed with %s: got %d vectors for %d texts", e.cfg.Model, len(res.Data), end-start)
		}
		batch := make([][]float32, end-start)
		for _, d := range res.Data {
			if d.Index < 0 || d.Index >= len(batch) || batch[d.Index] != nil {
				return nil, fmt.Errorf("embed with %s: vector index %d out of range or repeated", e.cfg.Model, d.Index)
			}
			if len(d.Embedding) == 0 {
				return nil, fmt.Errorf("embed with %s: empty vector at index %d", e.cfg.Model, d.Index)
			}
			batch[d.Index] = d.Embedding
		}
		out = append(out, batch...)
	}
	return out, nil
}

// CachedEmbedder remembers query vectors per identical text, so a customer
// repeating a question or a retry costs no second call.
type CachedEmbedder struct {
	Embedder
	mu    sync.Mutex
	cache map[string][]float32
	max   int
}

// NewCachedEmbedder wraps e with a cache of up to max entries.
func NewCachedEmbedder(e Embedder, max int) *CachedEmbedder {
	return &CachedEmbedder{Embedder: e, cache: map[string][]float32{}, max: max}
}

// Queries returns an Embedder that embeds every text through the cache,
// for the other models that embed the customer's message (the sentiment
// and rephrase triggers): a turn then embeds the message once, and the
// previous message not again. Texts go one at a time, as EmbedQuery's do,
// so a vector is the one an uncached call gives.
func (c *CachedEmbedder) Queries() Embedder { return queryEmbedder{c} }

type queryEmbedder struct{ c *CachedEmbedder }

func (q queryEmbedder) Name() string { return q.c.Name() }

func (q queryEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, err := q.c.EmbedQuery(ctx, t)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// EmbedQuery embeds one text through the cache.
func (c *CachedEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	c.mu.Lock()
	v, ok := c.cache[text]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	vs, err := c.Embed(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.cache) >= c.max {
		clear(c.cache) // crude but bounded; queries repeat in bursts
	}
	c.cache[text] = vs[0]
	c.mu.Unlock()
	return vs[0], nil
}
