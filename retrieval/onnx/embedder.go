// Package onnx embeds text locally with BAAI/bge-small-zh-v1.5 (int8 ONNX)
// through ONNX Runtime, so Baton needs no embeddings server. The model and
// the runtime library are installed by scripts/setup-model.sh.
package onnx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ModelName is the model's name, as Embedder.Name reports it.
const ModelName = "bge-small-zh-v1.5"

// Dims is the length of the vectors the model returns.
const Dims = 512

// Files the model directory holds, as scripts/setup-model.sh installs them.
const (
	ModelFile     = "model_quantized.onnx"
	VocabFile     = "vocab.txt"
	TokenizerFile = "tokenizer.json"
	RuntimeFile   = "libonnxruntime.so.1"
)

// ErrNotInstalled reports a model directory without the model or runtime;
// callers may fall back to another embedder.
var ErrNotInstalled = errors.New("model not installed")

// ErrClosed reports use of an Embedder after Close.
var ErrClosed = errors.New("embedder closed")

// DefaultDir is where scripts/setup-model.sh installs the model:
// $BATON_MODEL_DIR, else ~/.cache/baton/models/bge-small-zh-v1.5.
func DefaultDir() string {
	if d := os.Getenv("BATON_MODEL_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".cache", "baton", "models", ModelName)
}

// Options tunes an Embedder.
type Options struct {
	// BatchSize is the number of texts per model run; 1 when zero. The int8
	// model quantizes each run's activations with one scale for the whole
	// batch, so in a batch a text's vector shifts (1-cos up to about 1e-2)
	// with its neighbours, and the same passage would index differently
	// from run to run. On CPU batching bought nothing either (64 passages
	// of 107 tokens, one thread: 89/s one at a time, 69/s in batches of 32).
	BatchSize int
	// Threads is ONNX Runtime's intra-op thread count; zero lets the runtime
	// choose (one per physical core). DefaultOptions uses 1, which leaves
	// the other cores to concurrent requests.
	Threads int
}

// DefaultOptions runs one text at a time on one thread.
func DefaultOptions() Options { return Options{BatchSize: 1, Threads: 1} }

// Embedder embeds texts with bge-small-zh-v1.5: CLS pooling, L2-normalised
// 512-dimensional vectors. It is safe for concurrent use.
type Embedder struct {
	tok   *Tokenizer
	batch int

	mu   sync.RWMutex // read-held while running, so Close waits for runs
	sess *ort.DynamicAdvancedSession
}

// Open loads the model in dir (see DefaultDir). It fails with ErrNotInstalled,
// naming the set-up command, when a file is missing.
func Open(dir string, opts Options) (*Embedder, error) {
	var missing []string
	for _, f := range []string{ModelFile, VocabFile, TokenizerFile, RuntimeFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("open %s in %s: %w (missing %v): run `bash scripts/setup-model.sh` (or `make setup`)",
			ModelName, dir, ErrNotInstalled, missing)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1
	}
	if opts.Threads < 0 {
		return nil, fmt.Errorf("open %s: negative thread count %d", ModelName, opts.Threads)
	}
	vocab, err := LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", ModelName, err)
	}
	tok, err := NewTokenizer(vocab)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", ModelName, err)
	}
	if err := initRuntime(filepath.Join(dir, RuntimeFile)); err != nil {
		return nil, fmt.Errorf("open %s: %w", ModelName, err)
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("open %s: session options: %w", ModelName, err)
	}
	defer so.Destroy()
	if opts.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opts.Threads); err != nil {
			return nil, fmt.Errorf("open %s: set threads: %w", ModelName, err)
		}
	}
	// Idle pool threads would otherwise spin for work, taking CPU from the
	// web server on a small machine; on 2 busy cores spinning halved
	// throughput with 2 threads.
	if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return nil, fmt.Errorf("open %s: disable spinning: %w", ModelName, err)
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("open %s: set inter-op threads: %w", ModelName, err)
	}
	sess, err := ort.NewDynamicAdvancedSession(filepath.Join(dir, ModelFile),
		[]string{"input_ids", "attention_mask", "token_type_ids"},
		[]string{"last_hidden_state"}, so)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", ModelName, err)
	}
	return &Embedder{tok: tok, batch: opts.BatchSize, sess: sess}, nil
}

// runtimeMu guards ONNX Runtime's environment, which is process-wide.
var runtimeMu sync.Mutex

// initRuntime loads the runtime library once per process. It stays loaded
// after Close: other Embedders may share it, and unloading buys nothing.
// A failed load is retried on the next Open.
func initRuntime(lib string) error {
	runtimeMu.Lock()
	defer runtimeMu.Unlock()
	if ort.IsInitialized() {
		return nil
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("load onnxruntime %s: %w", lib, err)
	}
	return nil
}

// Name identifies the model.
func (e *Embedder) Name() string { return ModelName }

// Tokenizer returns the embedder's tokenizer, e.g. to count tokens.
func (e *Embedder) Tokenizer() *Tokenizer { return e.tok }

// Embed returns one unit vector per text, in order. Texts longer than 510
// tokens are cut. With BatchSize above 1, texts of similar length are
// batched together, so padding costs little.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	ids := make([][]int64, len(texts))
	order := make([]int, len(texts))
	for i, t := range texts {
		ids[i] = e.tok.Encode(t, MaxLen)
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(ids[a]) - len(ids[b]) })

	out := make([][]float32, len(texts))
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.sess == nil {
		return nil, fmt.Errorf("embed with %s: %w", ModelName, ErrClosed)
	}
	for start := 0; start < len(order); start += e.batch {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embed with %s: %w", ModelName, err)
		}
		batch := order[start:min(start+e.batch, len(order))]
		seqs := make([][]int64, len(batch))
		for j, i := range batch {
			seqs[j] = ids[i]
		}
		vecs, err := e.run(seqs)
		if err != nil {
			return nil, fmt.Errorf("embed with %s: %w", ModelName, err)
		}
		for j, i := range batch {
			out[i] = vecs[j]
		}
	}
	return out, nil
}

// run embeds one batch, padded to its longest sequence. The caller holds mu.
func (e *Embedder) run(seqs [][]int64) ([][]float32, error) {
	n, width := int64(len(seqs)), int64(0)
	for _, s := range seqs {
		width = max(width, int64(len(s)))
	}
	inputIDs := make([]int64, n*width) // zero is [PAD]
	mask := make([]int64, n*width)
	for j, s := range seqs {
		copy(inputIDs[int64(j)*width:], s)
		for k := range s {
			mask[int64(j)*width+int64(k)] = 1
		}
	}
	shape := ort.NewShape(n, width)
	idsT, err := ort.NewTensor(shape, inputIDs)
	if err != nil {
		return nil, fmt.Errorf("input tensor: %w", err)
	}
	defer idsT.Destroy()
	maskT, err := ort.NewTensor(shape, mask)
	if err != nil {
		return nil, fmt.Errorf("mask tensor: %w", err)
	}
	defer maskT.Destroy()
	typesT, err := ort.NewEmptyTensor[int64](shape) // one segment: all zero
	if err != nil {
		return nil, fmt.Errorf("token type tensor: %w", err)
	}
	defer typesT.Destroy()
	hidden, err := ort.NewEmptyTensor[float32](ort.NewShape(n, width, Dims))
	if err != nil {
		return nil, fmt.Errorf("output tensor: %w", err)
	}
	defer hidden.Destroy()

	if err := e.sess.Run([]ort.Value{idsT, maskT, typesT}, []ort.Value{hidden}); err != nil {
		return nil, fmt.Errorf("run model: %w", err)
	}
	data := hidden.GetData()
	vecs := make([][]float32, n)
	for j := range vecs {
		// CLS pooling: the [CLS] token's last hidden state is the sentence.
		off := int64(j) * width * Dims
		vecs[j] = normalize(data[off : off+Dims])
	}
	return vecs, nil
}

// normalize returns a unit-length copy of v, so dot product is cosine.
func normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if sum == 0 {
		return out
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// Close releases the model. Embed calls in flight finish first; later ones
// fail with ErrClosed. Close is idempotent.
func (e *Embedder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sess == nil {
		return nil
	}
	err := e.sess.Destroy()
	e.sess = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", ModelName, err)
	}
	return nil
}
