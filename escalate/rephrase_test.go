package escalate

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/batonhq/baton/retrieval/onnx"
)

// rephraseCases pair a first question with a rephrasing of it and with an
// unrelated follow-up. The rephrasing must score higher and the follow-up
// must not count as a rephrase; the rephrasing must count as one with the
// embedder, and without it when lexical says the words are shared enough
// for overlap alone to tell (Chinese rephrasings that share one character
// or two need the embedder).
var rephraseCases = []struct {
	name, prev, again, other string
	lexical                  bool
}{
	{"en refund", "how do I get a refund", "how can I get my money back", "and do you ship to Canada?", true},
	{"en password", "I forgot my password, how do I reset it?", "how can I reset my password", "what are your opening hours?", true},
	{"en cancel", "I want to cancel my order", "how do I cancel the order I placed?", "do you sell gift cards?", true},
	{"en declined", "my card was declined", "why was my card declined?", "can I pay with PayPal?", true},
	{"zh refund", "退款多久到账", "钱什么时候能退回来", "怎么修改收货地址", false},
	{"zh delivery", "我的快递怎么还没到", "包裹为什么还没送到", "可以开发票吗", false},
	{"zh huabei", "花呗怎么还款", "花呗如何还钱", "借呗利息多少", true},
}

func TestRephraserLexical(t *testing.T) {
	testRephraser(t, NewRephraser(nil), false)
}

func TestRephraserEmbedding(t *testing.T) {
	emb, err := onnx.Open(onnx.DefaultDir(), onnx.DefaultOptions())
	if errors.Is(err, onnx.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("embedding model not installed: run `bash scripts/setup-model.sh` (%v)", err)
	}
	if err != nil {
		t.Fatalf("open embedder: %v", err)
	}
	t.Cleanup(func() { emb.Close() })
	testRephraser(t, NewRephraser(emb), true)
}

func testRephraser(t *testing.T, r *Rephraser, embedded bool) {
	t.Helper()
	ctx := context.Background()
	for _, tc := range rephraseCases {
		t.Run(tc.name, func(t *testing.T) {
			again, simAgain, _, err := r.Score(ctx, tc.prev, tc.again, nil)
			if err != nil {
				t.Fatalf("Score(%q, %q): %v", tc.prev, tc.again, err)
			}
			other, simOther, _, err := r.Score(ctx, tc.prev, tc.other, nil)
			if err != nil {
				t.Fatalf("Score(%q, %q): %v", tc.prev, tc.other, err)
			}
			if again <= other {
				t.Errorf("rephrasing %q got %.3f, not above unrelated %q (%.3f)", tc.again, again, tc.other, other)
			}
			if simAgain <= simOther {
				t.Errorf("similarity of rephrasing %.3f, not above unrelated %.3f", simAgain, simOther)
			}
			if (embedded || tc.lexical) && again < 0.5 {
				t.Errorf("rephrasing %q got %.3f, want a rephrase (>= 0.5)", tc.again, again)
			}
			if other >= 0.5 {
				t.Errorf("unrelated %q got %.3f, want no rephrase (< 0.5)", tc.other, other)
			}
		})
	}
}

func TestRephraserEdges(t *testing.T) {
	ctx := context.Background()
	r := NewRephraser(nil)
	floor := r.model.CueFloor
	tests := []struct {
		name      string
		prev, cur string
		wantProb  func(float64) bool
		wantCue   bool
	}{
		{"empty prev", "", "how do I get a refund", func(p float64) bool { return p == 0 }, false},
		{"blank prev", "  ", "退款多久到账", func(p float64) bool { return p == 0 }, false},
		{"empty prev with a cue", "", "that's not what I asked", func(p float64) bool { return p == 0 }, true},
		{"cue after an unrelated answer", "how do I get a refund", "that's not what I asked", func(p float64) bool { return p >= floor }, true},
		{"zh cue", "退款多久到账", "我问的是退款", func(p float64) bool { return p >= floor }, true},
		{"same words", "how do I get a refund", "how do I get a refund??", func(p float64) bool { return p > 0.8 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prob, sim, cue, err := r.Score(ctx, tc.prev, tc.cur, nil)
			if err != nil {
				t.Fatalf("Score: %v", err)
			}
			if !tc.wantProb(prob) {
				t.Errorf("Score(%q, %q) prob = %.3f, not as wanted", tc.prev, tc.cur, prob)
			}
			if tc.prev == "" || tc.prev == "  " {
				if sim != 0 {
					t.Errorf("sim = %.3f, want 0 without a previous message", sim)
				}
			}
			if cue != tc.wantCue {
				t.Errorf("cue = %v, want %v", cue, tc.wantCue)
			}
		})
	}
}

func TestRephraseCue(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"not what I asked", "That's not what I asked.", true},
		{"didn't answer", "You didn't answer my question", true},
		{"already said", "I already said I want a refund", true},
		{"asking again", "I'm asking again: where is my order?", true},
		{"still not working", "it still doesn't work", true},
		{"still waiting", "I'm still waiting for my card", true},
		{"did not help", "that did not help", true},
		{"zh not this", "不是这个", true},
		{"zh what I asked", "我问的是怎么退款", true},
		{"zh still not", "还是不行", true},
		{"zh useless", "根本没用", true},
		{"zh irrelevant", "答非所问", true},
		{"zh said before", "我刚才说了，订单号是123", true},
		{"fullwidth", "我问的是退款！", true},
		{"use again", "Can I use my card again?", false},
		{"still valid", "Is the offer still valid?", false},
		{"plain question", "how do I get a refund", false},
		{"zh never used", "我没用过花呗", false},
		{"zh is it this", "是不是这个原因", false},
		{"zh plain", "退款多久到账", false},
		{"thanks again", "thanks once again!", false},
		{"say again", "can you say that again?", false},
		{"zh what for", "这个功能有什么用", false},
		{"zh whatever way", "不管用什么方法都可以", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RephraseCue(tc.text); got != tc.want {
				t.Errorf("RephraseCue(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

// fakeEmbedder returns fixed vectors, or an error, and may name a model.
type fakeEmbedder struct {
	name  string
	err   error
	calls int
}

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0}
	}
	return out, nil
}

func (f *fakeEmbedder) Name() string { return f.name }

func TestRephraserEmbedderFallback(t *testing.T) {
	ctx := context.Background()
	prev, cur := "how do I get a refund", "how can I get my money back"
	want, wantSim, _, err := NewRephraser(nil).Score(ctx, prev, cur, nil)
	if err != nil {
		t.Fatalf("lexical Score: %v", err)
	}
	tests := []struct {
		name      string
		emb       *fakeEmbedder
		wantErr   bool
		wantCalls int
	}{
		// A failing embedder still leaves the caller the lexical score.
		{"embed error", &fakeEmbedder{name: onnx.ModelName, err: errors.New("boom")}, true, 1},
		// Another model's cosines would not fit the coefficients.
		{"other model", &fakeEmbedder{name: "text-embedding-3-small"}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, sim, _, err := NewRephraser(tc.emb).Score(ctx, prev, cur, nil)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v", err, tc.wantErr)
			}
			if got != want || sim != wantSim {
				t.Errorf("Score = (%.3f, %.3f), want the lexical (%.3f, %.3f)", got, sim, want, wantSim)
			}
			if tc.emb.calls != tc.wantCalls {
				t.Errorf("embedder called %d times, want %d", tc.emb.calls, tc.wantCalls)
			}
		})
	}
}

func TestDefaultRephraseModel(t *testing.T) {
	m, err := DefaultRephraseModel()
	if err != nil {
		t.Fatalf("shipped model: %v", err)
	}
	for _, lang := range []string{"en", "zh"} {
		got := m.Lexical[lang].Features
		if len(got) != len(RephraseLexicalFeatures) {
			t.Fatalf("lexical %s features = %v, want %v", lang, got, RephraseLexicalFeatures)
		}
		for i, f := range RephraseLexicalFeatures {
			if got[i] != f || m.Embedding[lang].Features[i+1] != f {
				t.Errorf("%s feature %d = %q / %q, want %q: refit with `baton calibrate --task rephrase`",
					lang, i, got[i], m.Embedding[lang].Features[i+1], f)
			}
		}
		if got := m.Embedding[lang].Features[0]; got != RephraseCosineFeature {
			t.Errorf("embedding %s first feature = %q, want %q", lang, got, RephraseCosineFeature)
		}
	}
	if m.EmbeddingModel != onnx.ModelName {
		t.Errorf("embedding model = %q, want %q", m.EmbeddingModel, onnx.ModelName)
	}
}

func TestRephraserRetrieval(t *testing.T) {
	ctx := context.Background()
	m, err := DefaultRephraseModel()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Retrieval["en"].Weights) == 0 {
		t.Fatal("shipped model has no English retrieval regression: refit with `baton calibrate --task rephrase --kb ...`")
	}
	r := NewRephraserModel(&fakeEmbedder{name: onnx.ModelName}, m)
	score := func(prev, cur string, ret *RephraseRetrieval) float64 {
		t.Helper()
		p, _, _, err := r.Score(ctx, prev, cur, ret)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	prev, cur := "what is your return policy", "how do I send an item back"
	same := score(prev, cur, &RephraseRetrieval{Answered: "returns", Found: []string{"returns", "shipping"}})
	second := score(prev, cur, &RephraseRetrieval{Answered: "returns", Found: []string{"shipping", "returns"}})
	other := score(prev, cur, &RephraseRetrieval{Answered: "returns", Found: []string{"shipping", "payments"}})
	if !(same >= 0.5 && same > second && second > other && other < 0.5) {
		t.Errorf("P(rephrase) = %.3f sent to the answered article again, %.3f when it is second, %.3f when absent; want >= .5, falling, < .5", same, second, other)
	}
	// Without a search result (or one that answered nothing) the embedding
	// regression decides, as it does for a language fitted without one.
	plain := score(prev, cur, nil)
	if got := score(prev, cur, &RephraseRetrieval{Found: []string{"returns"}}); got != plain {
		t.Errorf("no answered article: %.3f, want the plain %.3f", got, plain)
	}
	zh := func(ret *RephraseRetrieval) float64 {
		return score("退款多久到账", "钱什么时候退回来", ret)
	}
	if len(m.Retrieval["zh"].Weights) == 0 {
		if a, b := zh(nil), zh(&RephraseRetrieval{Answered: "refund", Found: []string{"refund"}}); a != b {
			t.Errorf("zh without a retrieval regression: %.3f with a search result, %.3f without; want equal", b, a)
		}
	}

	bad := *m
	bad.Retrieval = map[string]RephraseRegression{"en": {Weights: []float64{1}}}
	if err := bad.Validate(); err == nil {
		t.Error("Validate accepted a retrieval regression with one weight")
	}
}
