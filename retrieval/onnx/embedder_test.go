package onnx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/retrieval"
)

var _ retrieval.Embedder = (*Embedder)(nil)

// requireModel returns the model directory. Without the model a test skips,
// except on CI (CI=true), which must install it, so a skip there would hide
// a broken set-up.
func requireModel(t testing.TB) string {
	t.Helper()
	dir := DefaultDir()
	for _, f := range []string{ModelFile, VocabFile, TokenizerFile, RuntimeFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			msg := fmt.Sprintf("model not installed in %s (%v): run `bash scripts/setup-model.sh`", dir, err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return dir
}

// openModel opens the installed model for one test and closes it after.
func openModel(t testing.TB, opts Options) *Embedder {
	t.Helper()
	e, err := Open(requireModel(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func embed(t testing.TB, e *Embedder, texts ...string) [][]float32 {
	t.Helper()
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(texts) {
		t.Fatalf("Embed(%d texts): got %d vectors", len(texts), len(vs))
	}
	return vs
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestOpenWithoutModel(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, VocabFile), []byte("[PAD]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, DefaultOptions())
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Open(empty dir): got %v, want ErrNotInstalled", err)
	}
	for _, want := range []string{"scripts/setup-model.sh", ModelFile, RuntimeFile} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open(empty dir) error %q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), VocabFile) {
		t.Errorf("Open(empty dir) error %q lists %s, which is present", err, VocabFile)
	}
}

func TestEmbedParaphrasesAreCloser(t *testing.T) {
	e := openModel(t, DefaultOptions())
	tests := []struct {
		name, query, paraphrase, unrelated string
	}{
		{"en password", "I forgot my password", "how can I reset my login password", "where is my parcel"},
		{"en refund", "can I get a refund", "I want my money back", "what are your opening hours"},
		{"en cancel", "cancel my subscription", "I want to stop my membership", "my card was declined"},
		{"zh refund", "退款多久到账", "钱什么时候退回来", "怎么修改密码"},
		{"zh delivery", "我的快递到哪里了", "包裹现在在什么位置", "可以开发票吗"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := embed(t, e, tc.query, tc.paraphrase, tc.unrelated)
			near, far := dot(vs[0], vs[1]), dot(vs[0], vs[2])
			if near <= far {
				t.Errorf("cos(%q, %q) = %.3f, want more than cos(%q, %q) = %.3f",
					tc.query, tc.paraphrase, near, tc.query, tc.unrelated, far)
			}
		})
	}
}

func TestEmbedUnitVectors(t *testing.T) {
	e := openModel(t, DefaultOptions())
	tests := []struct{ name, text string }{
		{"english", "Where is my order?"},
		{"chinese", "我的订单在哪里？"},
		{"empty", ""},
		{"spaces", "   \n\t "},
		{"control characters only", "\u0000\u200b\u0007"},
		{"punctuation only", "?!。，"},
		{"emoji only", "👍👍"},
		{"longer than the model limit", strings.Repeat("退款申请 refund request ", 400)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := embed(t, e, tc.text)[0]
			if len(v) != Dims {
				t.Fatalf("len = %d, want %d", len(v), Dims)
			}
			if n := math.Sqrt(dot(v, v)); math.Abs(n-1) > 1e-4 {
				t.Errorf("norm = %f, want 1", n)
			}
		})
	}
	if vs, err := e.Embed(context.Background(), nil); err != nil || len(vs) != 0 {
		t.Errorf("Embed(nil): got %d vectors, %v; want none and no error", len(vs), err)
	}
}

// batchTexts mix lengths and languages, so batches need padding.
var batchTexts = []string{
	"How do I get my money back?",
	"退款",
	"我在三天前申请了退款，但是到现在还没有收到，请问需要多久才能到账？",
	"",
	"Our support team answers every day from 9am to 6pm, including public holidays, by chat and e-mail.",
	"密码",
	"reset password",
}

func TestEmbedManyMatchesOneByOne(t *testing.T) {
	e := openModel(t, DefaultOptions())
	many := embed(t, e, batchTexts...)
	for i, text := range batchTexts {
		one := embed(t, e, text)[0]
		var worst float64
		for k := range one {
			worst = max(worst, math.Abs(float64(one[k]-many[i][k])))
		}
		if worst > 1e-4 {
			t.Errorf("text %d %q: vectors differ by up to %g, want at most 1e-4", i, text, worst)
		}
	}
}

func TestEmbedPaddedBatches(t *testing.T) {
	// Batched runs share one int8 quantization scale, so vectors move a
	// little (see Options.BatchSize), but each must stay in its text's place
	// and nearest to that text's own vector.
	e := openModel(t, Options{BatchSize: 3, Threads: 1})
	single := openModel(t, DefaultOptions())
	batched := embed(t, e, batchTexts...)
	alone := embed(t, single, batchTexts...)
	for i, text := range batchTexts {
		best := 0
		for j := range alone {
			if dot(batched[i], alone[j]) > dot(batched[i], alone[best]) {
				best = j
			}
		}
		if best != i {
			t.Errorf("batched vector of %q is nearest to %q", text, batchTexts[best])
		}
		if c := dot(batched[i], alone[i]); c < 0.98 {
			t.Errorf("%q: cos(batched, alone) = %.4f, want at least 0.98", text, c)
		}
	}
}

func TestEmbedMatchesReference(t *testing.T) {
	// testdata/reference_vectors.json: transformers.js on the same model
	// files (scripts/embedding-reference.mjs).
	e := openModel(t, DefaultOptions())
	raw, err := os.ReadFile(filepath.Join("testdata", "reference_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Text   string
			Vector []float32
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for _, tc := range ref.Cases {
		t.Run(tc.Text, func(t *testing.T) {
			got := embed(t, e, tc.Text)[0]
			if len(got) != len(tc.Vector) {
				t.Fatalf("len = %d, want %d", len(got), len(tc.Vector))
			}
			var worst float64
			for k := range got {
				worst = max(worst, math.Abs(float64(got[k]-tc.Vector[k])))
			}
			if worst > 1e-4 {
				t.Errorf("differs from the reference by up to %g (cos %.6f), want at most 1e-4",
					worst, dot(got, tc.Vector))
			}
		})
	}
}

func TestEmbedConcurrent(t *testing.T) {
	e := openModel(t, DefaultOptions())
	want := embed(t, e, "退款多久到账")[0]
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			vs, err := e.Embed(context.Background(), []string{"退款多久到账"})
			if err != nil {
				errs <- err
				return
			}
			if d := 1 - dot(vs[0], want); d > 1e-6 {
				errs <- fmt.Errorf("concurrent vector differs: 1-cos = %g", d)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEmbedAfterClose(t *testing.T) {
	// Two embedders share the process-wide runtime: closing one must leave
	// the other working, and a new one can still be opened.
	dir := requireModel(t)
	a, err := Open(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b := openModel(t, Options{Threads: 2})
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := a.Embed(context.Background(), []string{"hi"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Embed after Close: got %v, want ErrClosed", err)
	}
	embed(t, b, "still open")
	embed(t, openModel(t, DefaultOptions()), "opened after a Close")
}

func TestEmbedCanceled(t *testing.T) {
	e := openModel(t, DefaultOptions())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"hi"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed(canceled ctx): got %v, want context.Canceled", err)
	}
}

func TestName(t *testing.T) {
	e := openModel(t, DefaultOptions())
	if got, want := e.Name(), "bge-small-zh-v1.5"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
}
