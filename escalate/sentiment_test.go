package escalate

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/retrieval/onnx"
)

// sentimentOrder pairs a message that should worry an agent with a calm
// one from the same kind of conversation; the first must score higher.
var sentimentOrder = []struct {
	name, higher, lower string
}{
	{"en angry vs opening hours", "This is terrible, I am so angry!!!", "Hi, could you tell me your opening hours?"},
	{"en waiting vs address", "I've been waiting for 2 hours and nobody answered. Unacceptable.", "How do I change my shipping address?"},
	{"en shouting vs payment", "WHERE IS MY ORDER??? I need it ASAP", "Can I pay with PayPal?"},
	{"en anxious vs shipping", "I'm really worried my parcel is lost, it should have arrived a week ago", "Do you ship to Canada?"},
	{"en urgent vs thanks", "I need this fixed immediately, it's urgent", "Thanks for the quick reply, have a nice day"},
	{"en polite but urgent vs question", "Please send it asap, it's urgent", "Do you ship to Canada?"},
	{"zh angry vs shipping date", "太差了，等了两个小时还没送到！！", "你好，请问什么时候发货？"},
	{"zh refund vs invoice", "退款还没到，到底怎么回事？", "请问可以开发票吗？"},
	{"zh complaint vs lookup", "我要投诉，客服一直没人理", "麻烦帮我查一下订单，谢谢"},
	{"zh anxious vs size", "很担心，包裹是不是丢了？", "您好，这件衣服有M码吗？"},
	{"zh urgent vs thanks", "赶紧给我处理，急用！", "谢谢，服务很好"},

	{"en bad vs not bad", "The food was bad", "The food was not bad"},
	{"en not good vs good", "The service was not good", "The service was good"},
	{"zh not satisfied vs satisfied", "不满意", "满意"},
	{"zh not good vs good", "不好", "好"},
	{"zh not easy to use vs easy", "这个不好用", "这个很好用"},
}

// sentimentCalm are polite customers and neutral questions: a person need
// not be called for any of them.
var sentimentCalm = []string{
	"Hi, could you tell me your opening hours?",
	"How do I change my shipping address?",
	"Thank you so much, great service!",
	"Hello, I'd like to know if this jacket comes in size M.",
	"Can I pay with PayPal?",
	"Please could you help me track my order? Thanks",
	"What is your return policy?",
	"I'm not sure which size to pick, can you advise?",
	"你好，请问什么时候发货？",
	"请问可以开发票吗？",
	"谢谢，服务很好",
	"您好，这件衣服有M码吗？",
	"麻烦帮我查一下订单，谢谢",
	"请问怎么退款？",
	"我想修改收货地址",
	"好的，谢谢",
}

// sentimentUpset are customers nobody would leave with a bot.
var sentimentUpset = []string{
	"This is terrible, I am so angry!!!",
	"I've been waiting for 2 hours and nobody answered. Unacceptable.",
	"WHERE IS MY ORDER??? I need it ASAP",
	"My package still hasn't arrived and no one replies",
	"This is the worst service ever",
	"Not good at all, very disappointed",
	"I'm so anxious, my order still hasn't shipped and I need it for Friday",
	"太差了，等了两个小时还没送到！！",
	"退款还没到，到底怎么回事？",
	"我要投诉，客服一直没人理",
	"非常不满意，再也不会买了",
	"急死了，订单到现在还没发货",
}

func TestSentimentLexicon(t *testing.T) {
	testSentiment(t, NewSentiment(nil), "lexicon")
}

func TestSentimentEmbedding(t *testing.T) {
	emb, err := onnx.Open(onnx.DefaultDir(), onnx.DefaultOptions())
	if errors.Is(err, onnx.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("embedding model not installed: run `bash scripts/setup-model.sh` (%v)", err)
	}
	if err != nil {
		t.Fatalf("open embedder: %v", err)
	}
	t.Cleanup(func() { emb.Close() })
	testSentiment(t, NewSentiment(emb), "lexicon+"+onnx.ModelName)
}

func testSentiment(t *testing.T, s *Sentiment, variant string) {
	t.Helper()
	ctx := context.Background()
	if got := s.Variant(); got != variant {
		t.Fatalf("Variant() = %q, want %q", got, variant)
	}
	score := func(t *testing.T, text string) float64 {
		t.Helper()
		p, _, err := s.Negative(ctx, text)
		if err != nil {
			t.Fatalf("Negative(%q): %v", text, err)
		}
		if p < 0 || p > 1 {
			t.Fatalf("Negative(%q) = %v, want a probability", text, p)
		}
		return p
	}
	for _, tc := range sentimentOrder {
		t.Run(tc.name, func(t *testing.T) {
			hi, lo := score(t, tc.higher), score(t, tc.lower)
			if hi <= lo {
				t.Errorf("Negative(%q) = %.3f, want above Negative(%q) = %.3f", tc.higher, hi, tc.lower, lo)
			}
		})
	}
	for _, text := range sentimentCalm {
		t.Run("calm "+text, func(t *testing.T) {
			if got := score(t, text); got >= 0.5 {
				t.Errorf("Negative(%q) = %.3f, want below 0.5", text, got)
			}
		})
	}
	for _, text := range sentimentUpset {
		t.Run("upset "+text, func(t *testing.T) {
			if got := score(t, text); got < 0.5 {
				t.Errorf("Negative(%q) = %.3f, want at least 0.5", text, got)
			}
		})
	}
}

func TestSentimentCues(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // all must be among the cues
		none bool     // no cue at all
	}{
		{"en shouting", "This is NOT good, I am VERY angry!!!", []string{"negated:not good", "neg:angry", "intensifier:very", "caps", "!!!"}, false},
		{"en urgency", "Please send it asap, it's urgent", []string{"urgent:asap", "urgent:urgent"}, false},
		{"en waiting", "I'm still waiting for my refund", []string{"complaint:still waiting"}, false},
		{"en duration", "I have been on hold for 45 mins", []string{"complaint:on hold", "duration:45 mins"}, false},
		{"en why", "Why is my order late again??", []string{"why:why", "neg:late", "again:again", "??"}, false},
		{"en emoticon", "my parcel is damaged :(", []string{"neg:damaged", "emoji::("}, false},
		{"zh negated", "非常不满意！！", []string{"negated:不满意", "intensifier:非常", "！！"}, false},
		{"zh negated word", "这个东西不好用", []string{"negated:不好用"}, false},
		{"zh refund", "退款还没到", []string{"complaint:退款还没到"}, false},
		{"zh so slow", "好慢啊，快点送", []string{"neg:慢", "intensifier:好", "urgent:快点"}, false},
		{"zh duration", "等了一个多小时", []string{"duration:一个多小时"}, false},

		{"en polite", "Thank you, that was helpful", nil, true},
		{"en not bad", "not bad at all", nil, true},
		{"en url is not a frown", "see https://example.com/a for details", nil, true},
		{"zh sorry is polite", "不好意思，请问怎么退款？", nil, true},
		{"zh hello", "你好，我想问一下发货时间", nil, true},
		{"zh about", "差不多两点到吧", nil, true},
	}
	s := NewSentiment(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := s.Negative(context.Background(), tc.text)
			if err != nil {
				t.Fatalf("Negative(%q): %v", tc.text, err)
			}
			if tc.none && len(got) > 0 {
				t.Errorf("cues of %q = %q, want none", tc.text, got)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("cues of %q = %q, want %q among them", tc.text, got, w)
				}
			}
		})
	}
}

func TestSentimentEmpty(t *testing.T) {
	for _, text := range []string{"", "  \n"} {
		p, cues, err := NewSentiment(nil).Negative(context.Background(), text)
		if err != nil || p != 0 || len(cues) != 0 {
			t.Errorf("Negative(%q) = (%v, %q, %v), want (0, none, nil)", text, p, cues, err)
		}
	}
}

// sentimentFake returns vectors of a given length, or an error, and may
// name a model.
type sentimentFake struct {
	name string
	dims int
	err  error
}

func (f sentimentFake) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = make([]float32, f.dims)
		out[i][0] = 1
	}
	return out, nil
}

func (f sentimentFake) Name() string { return f.name }

func TestSentimentEmbedderProblems(t *testing.T) {
	ctx := context.Background()
	text := "I've been waiting for 2 hours and nobody answered"
	lexical, _, err := NewSentiment(nil).Negative(ctx, text)
	if err != nil {
		t.Fatalf("lexicon Negative: %v", err)
	}
	tests := []struct {
		name        string
		emb         sentimentFake
		wantVariant string
		wantErr     bool
	}{
		// A failing embedder leaves the caller the lexicon score.
		{"embed error", sentimentFake{name: onnx.ModelName, dims: onnx.Dims, err: errors.New("boom")}, "lexicon+" + onnx.ModelName, true},
		{"wrong dims", sentimentFake{name: onnx.ModelName, dims: 3}, "lexicon+" + onnx.ModelName, true},
		// Another model's vectors would not fit the coefficients.
		{"other model", sentimentFake{name: "text-embedding-3-small", dims: 1536}, "lexicon", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSentiment(tc.emb)
			if got := s.Variant(); got != tc.wantVariant {
				t.Errorf("Variant() = %q, want %q", got, tc.wantVariant)
			}
			got, _, err := s.Negative(ctx, text)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v", err, tc.wantErr)
			}
			if got != lexical {
				t.Errorf("Negative = %.3f, want the lexicon score %.3f", got, lexical)
			}
		})
	}
}

func TestShippedSentimentModel(t *testing.T) {
	m, err := ShippedSentimentModel()
	if err != nil {
		t.Fatalf("ShippedSentimentModel: %v", err)
	}
	if m.Embedding == nil || m.EmbeddingModel != onnx.ModelName || m.Dims != onnx.Dims {
		t.Errorf("embedding variant: model %q, %d dims, present %v; want %q, %d dims", m.EmbeddingModel, m.Dims, m.Embedding != nil, onnx.ModelName, onnx.Dims)
	}
	if len(m.CV) == 0 || m.TrainSHA256 == "" {
		t.Errorf("model carries no cross-validated figures (%q) or training-file hash (%q)", m.CV, m.TrainSHA256)
	}
}

func TestParseSentimentModelErrors(t *testing.T) {
	names := `"` + strings.Join(SentimentFeatureNames, `","`) + `"`
	zeros := strings.TrimSuffix(strings.Repeat("0,", len(SentimentFeatureNames)), ",")
	tests := []struct {
		name string
		json string
	}{
		{"not json", `{`},
		{"other features", `{"features":["neg"],"lexicon":{"weights":[1],"bias":0}}`},
		{"short lexicon", `{"features":[` + names + `],"lexicon":{"weights":[1],"bias":0}}`},
		{"short embedding", `{"features":[` + names + `],"lexicon":{"weights":[` + zeros + `]},"dims":512,"embedding":{"weights":[` + zeros + `]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseSentimentModel([]byte(tc.json)); err == nil {
				t.Errorf("ParseSentimentModel(%s) = nil error, want one", tc.json)
			}
		})
	}
	ok := `{"features":[` + names + `],"lexicon":{"weights":[` + zeros + `],"bias":0}}`
	if _, err := ParseSentimentModel([]byte(ok)); err != nil {
		t.Errorf("ParseSentimentModel(lexicon only) = %v, want it accepted", err)
	}
}

// TestSentimentLexiconEntries guards the hand-written lexicon: an entry
// listed under two kinds would count for whichever sorts first.
func TestSentimentLexiconEntries(t *testing.T) {
	kinds := map[string]sentKind{}
	for _, group := range sentimentLexicon {
		for _, w := range strings.Split(group.words, ",") {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			if len(sentTokenize(strings.TrimSuffix(w, "*"))) == 0 {
				t.Errorf("entry %q has no words", w)
			}
			if k, ok := kinds[w]; ok && k != group.kind {
				t.Errorf("entry %q listed under kinds %d and %d", w, k, group.kind)
			}
			kinds[w] = group.kind
		}
	}
}
