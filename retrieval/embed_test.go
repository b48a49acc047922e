package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// concepts gives the fake embedding model a little meaning: words starting
// with one of these prefixes land on the same dimension, so "money back"
// is close to "refund" although they share no keyword.
var concepts = [][]string{
	{"refund", "money", "back", "reimburs"},
	{"ship", "deliver", "parcel", "package"},
	{"password", "login", "sign"},
}

// fakeEmbedding is the deterministic vector of the fake model: one
// dimension per concept, then one per first letter of any other word.
func fakeEmbedding(text string) []float32 {
	v := make([]float32, len(concepts)+26)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		dim := -1
		for i, c := range concepts {
			for _, p := range c {
				if strings.HasPrefix(w, p) {
					dim = i
				}
			}
		}
		if dim < 0 && w[0] >= 'a' && w[0] <= 'z' {
			dim = len(concepts) + int(w[0]-'a')
		}
		if dim >= 0 {
			v[dim]++
		}
	}
	return v
}

type embeddingRequest struct {
	Input []string `json:"input"`
	Model string   `json:"model"`
}

type embeddingData struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// fakeOpenAI is an httptest.Server speaking the OpenAI embeddings protocol.
type fakeOpenAI struct {
	*httptest.Server
	// respond may rewrite the data of the nth request (from 0) before it is sent.
	respond func(n int, data []embeddingData) []embeddingData
	status  int           // when non-zero, every request fails with it
	hang    chan struct{} // when set, requests wait until it closes or the client gives up
	pad     int           // bytes of white space sent before the JSON answer

	mu       sync.Mutex
	requests []embeddingRequest
	auth     []string
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		var req embeddingRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		n := len(f.requests)
		f.requests = append(f.requests, req)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		hang, pad := f.hang, f.pad
		f.mu.Unlock()
		if hang != nil {
			select {
			case <-hang:
			case <-r.Context().Done():
				return
			}
		}
		if pad > 0 {
			w.Write(bytes.Repeat([]byte(" "), pad))
		}
		if f.status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			w.Write([]byte(`{"error":{"message":"boom","type":"server_error"}}`))
			return
		}
		data := make([]embeddingData, len(req.Input))
		for i, in := range req.Input {
			data[i] = embeddingData{Object: "embedding", Index: i, Embedding: fakeEmbedding(in)}
		}
		if f.respond != nil {
			data = f.respond(n, data)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"object": "list",
			"data":   data,
			"model":  req.Model,
			"usage":  map[string]int{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)},
		})
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOpenAI) embedder(batch int) *OpenAIEmbedder {
	return NewOpenAIEmbedder(OpenAIConfig{BaseURL: f.URL + "/v1", Model: "m", APIKey: "sk-test", Batch: batch})
}

// sent returns the requests received so far and their Authorization headers.
func (f *fakeOpenAI) sent() ([]embeddingRequest, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), slices.Clone(f.auth)
}

func (f *fakeOpenAI) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func TestOpenAIEmbedderBatchesInOrder(t *testing.T) {
	f := newFakeOpenAI(t)
	f.respond = func(n int, data []embeddingData) []embeddingData {
		if n == 0 { // servers may send data in any order; the index field says which is which
			slices.Reverse(data)
		}
		return data
	}
	texts := []string{"alpha", "bravo", "charlie", "delta", "echo"}
	got, err := f.embedder(2).Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(got) != len(texts) {
		t.Fatalf("Embed returned %d vectors, want %d", len(got), len(texts))
	}
	for i, txt := range texts {
		if !reflect.DeepEqual(got[i], fakeEmbedding(txt)) {
			t.Errorf("vector %d = %v, want the embedding of %q %v", i, got[i], txt, fakeEmbedding(txt))
		}
	}
	reqs, _ := f.sent()
	var inputs [][]string
	for _, r := range reqs {
		inputs = append(inputs, r.Input)
	}
	want := [][]string{{"alpha", "bravo"}, {"charlie", "delta"}, {"echo"}}
	if !reflect.DeepEqual(inputs, want) {
		t.Errorf("requests = %q, want %q", inputs, want)
	}
}

func TestOpenAIEmbedderSendsModelAndKey(t *testing.T) {
	f := newFakeOpenAI(t)
	e := NewOpenAIEmbedder(OpenAIConfig{BaseURL: f.URL + "/v1", Model: "text-embedding-3-small", APIKey: "sk-secret"})
	if _, err := e.Embed(context.Background(), []string{"hello"}); err != nil {
		t.Fatalf("Embed: %v", err)
	}
	reqs, auth := f.sent()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	if got := reqs[0].Model; got != "text-embedding-3-small" {
		t.Errorf("model sent = %q, want text-embedding-3-small", got)
	}
	if got := auth[0]; got != "Bearer sk-secret" {
		t.Errorf("Authorization = %q, want Bearer sk-secret", got)
	}
	if got := e.Name(); got != "openai:text-embedding-3-small" {
		t.Errorf("Name() = %q, want openai:text-embedding-3-small", got)
	}
}

func TestOpenAIEmbedderDefaultBatch(t *testing.T) {
	f := newFakeOpenAI(t)
	texts := make([]string, 130)
	for i := range texts {
		texts[i] = "word"
	}
	got, err := f.embedder(0).Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(got) != len(texts) {
		t.Errorf("Embed returned %d vectors, want %d", len(got), len(texts))
	}
	reqs, _ := f.sent()
	var sizes []int
	for _, r := range reqs {
		sizes = append(sizes, len(r.Input))
	}
	if want := []int{64, 64, 2}; !slices.Equal(sizes, want) {
		t.Errorf("request sizes = %v, want %v (64 per request by default)", sizes, want)
	}
}

func TestOpenAIEmbedderNoTexts(t *testing.T) {
	f := newFakeOpenAI(t)
	got, err := f.embedder(2).Embed(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Embed(nil) = %v, %v, want no vectors and no error", got, err)
	}
	if f.calls() != 0 {
		t.Errorf("Embed(nil) made %d requests, want 0", f.calls())
	}
}

func TestOpenAIEmbedderBadResponses(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		respond func(n int, data []embeddingData) []embeddingData
	}{
		{name: "server error", status: http.StatusInternalServerError},
		{name: "unauthorized", status: http.StatusUnauthorized},
		{name: "too few vectors", respond: func(_ int, d []embeddingData) []embeddingData { return d[:1] }},
		{name: "too many vectors", respond: func(_ int, d []embeddingData) []embeddingData {
			return append(d, embeddingData{Object: "embedding", Index: 2, Embedding: []float32{1}})
		}},
		{name: "no vectors", respond: func(_ int, d []embeddingData) []embeddingData { return d[:0] }},
		{name: "index out of range", respond: func(_ int, d []embeddingData) []embeddingData {
			d[1].Index = 2
			return d
		}},
		{name: "negative index", respond: func(_ int, d []embeddingData) []embeddingData {
			d[0].Index = -1
			return d
		}},
		// Two vectors claim the same slot, so one text has none.
		{name: "duplicate index", respond: func(_ int, d []embeddingData) []embeddingData {
			d[1].Index = 0
			return d
		}},
		// A later batch goes wrong after an earlier one succeeded.
		{name: "second batch short", respond: func(n int, d []embeddingData) []embeddingData {
			if n == 1 {
				return d[:1]
			}
			return d
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOpenAI(t)
			f.status, f.respond = tt.status, tt.respond
			got, err := f.embedder(2).Embed(context.Background(), []string{"alpha", "bravo", "charlie", "delta"})
			if err == nil {
				t.Fatalf("Embed succeeded with %v, want an error", got)
			}
		})
	}
}

func TestCachedEmbedder(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	c := NewCachedEmbedder(f.embedder(8), 2)

	first, err := c.EmbedQuery(ctx, "where is my parcel")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.EmbedQuery(ctx, "where is my parcel")
	if err != nil {
		t.Fatal(err)
	}
	if f.calls() != 1 {
		t.Errorf("the same question twice made %d calls, want 1", f.calls())
	}
	if want := fakeEmbedding("where is my parcel"); !reflect.DeepEqual(first, want) || !reflect.DeepEqual(again, want) {
		t.Errorf("vectors = %v and %v, want %v both times", first, again, want)
	}

	if _, err := c.EmbedQuery(ctx, "Where is my parcel"); err != nil {
		t.Fatal(err)
	}
	if f.calls() != 2 {
		t.Errorf("a different text made %d calls in all, want 2", f.calls())
	}

	// Past its size the cache starts again rather than growing.
	if _, err := c.EmbedQuery(ctx, "third"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EmbedQuery(ctx, "where is my parcel"); err != nil {
		t.Fatal(err)
	}
	if f.calls() != 4 {
		t.Errorf("after overflowing a cache of 2, calls = %d, want 4", f.calls())
	}
	if got, want := c.Name(), "openai:m"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
}

func TestCachedEmbedderDoesNotCacheErrors(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	c := NewCachedEmbedder(f.embedder(8), 10)
	f.status = http.StatusServiceUnavailable
	if _, err := c.EmbedQuery(ctx, "hello"); err == nil {
		t.Fatal("EmbedQuery succeeded against a failing server")
	}
	f.status = 0
	got, err := c.EmbedQuery(ctx, "hello")
	if err != nil {
		t.Fatalf("after the server recovered: %v", err)
	}
	if !reflect.DeepEqual(got, fakeEmbedding("hello")) {
		t.Errorf("vector = %v, want %v", got, fakeEmbedding("hello"))
	}
}

// A model server that hangs costs the customer a keyword-only answer
// within the 2 s QueryTimeout, not a hung turn.
func TestSearcherEmbedderHangs(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
	var embedErr error
	s.OnEmbedError = func(err error) { embedErr = err }
	for _, d := range corpus() {
		if err := s.Index(ctx, &d.article, d.chunks); err != nil {
			t.Fatal(err)
		}
	}
	hang := make(chan struct{})
	defer close(hang)
	f.mu.Lock()
	f.hang = hang
	f.mu.Unlock()
	start := time.Now()
	hits, err := s.Search(ctx, "en", "how long does a refund take", 5)
	took := time.Since(start)
	if err != nil || len(hits) == 0 || hits[0].ArticleID != "en-refund" {
		t.Fatalf("Search with a hanging embedder = %v, %v; want the keyword answer en-refund", ids(hits), err)
	}
	if hits[0].Ranks[RankVector] != 0 || !errors.Is(embedErr, context.DeadlineExceeded) {
		t.Errorf("ranks %v, embed error %v: want keyword-only after a deadline", hits[0].Ranks, embedErr)
	}
	if took < 2*time.Second || took > 10*time.Second {
		t.Errorf("Search took %v, want the 2 s question timeout", took)
	}
}

// A server sending more than an embeddings answer can be is cut off at
// maxEmbedBody, not read into memory whole.
func TestOpenAIEmbedderCapsBody(t *testing.T) {
	f := newFakeOpenAI(t)
	f.pad = maxEmbedBody + 1
	_, err := f.embedder(16).Embed(context.Background(), []string{"hello"})
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) && (err == nil || !strings.Contains(err.Error(), "too large")) {
		t.Fatalf("Embed of a %d-byte answer: err = %v, want the body cap", f.pad, err)
	}
}

func TestSearcherHybrid(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	kw := openKeyword(t, KeywordOptions{})
	s := NewSearcher(kw, f.embedder(16))
	if got := s.Mode(); !strings.HasPrefix(got, "hybrid") || !strings.Contains(got, "openai:m") {
		t.Errorf("Mode() = %q, want hybrid naming the model openai:m", got)
	}
	for _, d := range corpus() {
		if err := s.Index(ctx, &d.article, d.chunks); err != nil {
			t.Fatalf("Index(%s): %v", d.article.ID, err)
		}
	}

	// No word of the question is in any article: only the vectors know
	// that money back is a refund.
	const q = "money back please"
	if hits, err := kw.Search(ctx, "en", q, 5); err != nil || len(hits) != 0 {
		t.Fatalf("keyword Search(%q) = %v, %v; the test needs a question without shared keywords", q, hitIDs(hits), err)
	}
	hits, err := s.Search(ctx, "en", q, 5)
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if len(hits) == 0 || hits[0].ArticleID != "en-refund" {
		t.Fatalf("Search(%q) = %v, want en-refund first", q, ids(hits))
	}
	if got := hits[0].Ranks; !slices.Equal(got, []int{0, 0, 1, 1, 0}) {
		t.Errorf("Ranks = %v, want [0 0 1 1 0] (absent from both keyword rankings, first by both vector rankings, no classifier trained)", got)
	}
	if hits[0].ChunkID != "en-refund#0" {
		t.Errorf("ChunkID = %q, want en-refund#0", hits[0].ChunkID)
	}
	for _, h := range hits {
		if h.ArticleID == "other-refund" {
			t.Errorf("Search in en returned %s of another collection", h.ArticleID)
		}
	}

	// A question both sides find has both ranks.
	hits, err = s.Search(ctx, "en", "shipping", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ArticleID != "en-shipping" || !slices.Equal(hits[0].Ranks, []int{1, 1, 1, 1, 0}) {
		t.Errorf("Search(shipping) = %+v, want en-shipping first in the four rankings other than the untrained classifier", hits)
	}

	// Asking again is served by the query cache.
	before := f.calls()
	if _, err := s.Search(ctx, "en", q, 5); err != nil {
		t.Fatal(err)
	}
	if f.calls() != before {
		t.Errorf("repeating a question made %d more embedding calls, want 0", f.calls()-before)
	}

	if err := s.Delete(ctx, "en-refund"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	hits, err = s.Search(ctx, "en", q, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.ArticleID == "en-refund" {
			t.Errorf("after Delete, Search(%q) still returns en-refund", q)
		}
	}
}

func TestSearcherKeywordOnly(t *testing.T) {
	ctx := context.Background()
	kw := openKeyword(t, KeywordOptions{})
	s := NewSearcher(kw, nil)
	if got := s.Mode(); got != "keyword" {
		t.Errorf("Mode() = %q, want keyword", got)
	}
	for _, d := range corpus() {
		if err := s.Index(ctx, &d.article, d.chunks); err != nil {
			t.Fatalf("Index(%s): %v", d.article.ID, err)
		}
	}
	hits, err := s.Search(ctx, "en", "are refunds paid?", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ArticleID != "en-refund" || hits[0].Ranks[RankKeyword] != 1 || hits[0].Ranks[RankVector] != 0 {
		t.Errorf("Search = %+v, want en-refund first by keyword, no vector ranking", hits)
	}
}

func TestSearcherIndexReportsEmbedderErrors(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
	f.status = http.StatusInternalServerError
	d := article("en", "a", "Refund policy", nil, "Refunds take five days.")
	if err := s.Index(ctx, &d.article, d.chunks); err == nil {
		t.Error("Index succeeded although the embedder is down")
	}
}

// countingEmbedder counts the texts it embeds.
type countingEmbedder struct{ texts int }

func (e *countingEmbedder) Name() string { return "counting" }

func (e *countingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		e.texts++
		out[i] = []float32{float32(len(t)), 1}
	}
	return out, nil
}

// TestQueriesShareTheCache: the sentiment and rephrase models embed
// through the search's query cache, so a message is embedded once.
func TestQueriesShareTheCache(t *testing.T) {
	ctx := context.Background()
	base := &countingEmbedder{}
	c := NewCachedEmbedder(base, 16)
	if _, err := c.EmbedQuery(ctx, "where is my parcel"); err != nil {
		t.Fatal(err)
	}
	q := c.Queries()
	vs, err := q.Embed(ctx, []string{"where is my parcel", "it has not come"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0][0] != float32(len("where is my parcel")) || vs[1][0] != float32(len("it has not come")) {
		t.Fatalf("vectors = %v, want one per text in order", vs)
	}
	if _, err := q.Embed(ctx, []string{"it has not come"}); err != nil {
		t.Fatal(err)
	}
	if base.texts != 2 {
		t.Errorf("embedded %d texts, want 2 (each distinct text once)", base.texts)
	}
	if q.Name() != "counting" {
		t.Errorf("name = %q", q.Name())
	}
}
