package escalate

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rephraseModelJSON holds the shipped coefficients, written by
// `baton calibrate --task rephrase`.
//
//go:embed rephrase_model.json
var rephraseModelJSON []byte

// RephraseLexicalFeatures names the features every rephrase model uses, in
// vector order. Overlaps are over stemmed content words in English and
// character bigrams in Chinese, so no segmenter is needed.
var RephraseLexicalFeatures = []string{
	"overlap",         // Jaccard of content units
	"containment",     // shared content units / units of the shorter message
	"char_overlap",    // Jaccard of character trigrams (en) or content characters (zh)
	"order",           // longest common subsequence of units / units of the longer message
	"length_ratio",    // shorter / longer, in content units
	"number_mismatch", // both mention numbers and they differ
	"negation_diff",   // one message is negated, the other is not
	"question_diff",   // both ask for a reason, time, place or amount, but not the same
}

// RephraseCosineFeature is the feature the embedding model puts before the
// lexical ones: -ln(1 - cosine) of the two messages' vectors. The log
// spreads the top of the range, where bge-small-zh puts most pairs and
// where rephrasings part from mere neighbours (about .02 more CV accuracy
// in Chinese than the raw cosine; the same in English).
const RephraseCosineFeature = "log_cosine_distance"

// RephraseRetrievalFeatures name what the bot's own search adds, after the
// cosine and lexical features, when it answered the previous message from
// an article: a customer asking the same thing again is mostly sent to the
// same article again, one asking something else to another.
var RephraseRetrievalFeatures = []string{
	"same_article", // the current message's best article is the one the previous message was answered with
	"article_rr",   // 1 / rank of that article among the current message's candidates, 0 when not among them
}

// RephraseRetrieval is what the bot's search made of the two messages.
type RephraseRetrieval struct {
	Answered string   // the article the previous message was answered with
	Found    []string // the articles found for the current message, best first
}

// features returns the values of RephraseRetrievalFeatures.
func (r *RephraseRetrieval) features() []float64 {
	x := make([]float64, len(RephraseRetrievalFeatures))
	if i := slices.Index(r.Found, r.Answered); i >= 0 {
		x[1] = 1 / float64(i+1)
		if i == 0 {
			x[0] = 1
		}
	}
	return x
}

// RephraseModel holds the coefficients of the rephrase detector: one
// logistic regression per language, with and without an embedder, and
// with the bot's search results where they were fitted.
type RephraseModel struct {
	// FittedOn says what data the coefficients came from.
	FittedOn string `json:"fitted_on"`
	// EmbeddingModel names the embedder the Embedding coefficients were
	// fitted with; another model's cosines would not fit them.
	EmbeddingModel string `json:"embedding_model"`
	// Lexical and Embedding map a language ("en", "zh") to its regression.
	Lexical   map[string]RephraseRegression `json:"lexical"`
	Embedding map[string]RephraseRegression `json:"embedding"`
	// Retrieval maps a language to its regression over the embedding
	// features then RephraseRetrievalFeatures. Optional: a language
	// without one uses its Embedding regression.
	Retrieval map[string]RephraseRegression `json:"retrieval,omitempty"`
	// CueFloor is the least probability a message with an explicit cue
	// ("that's not what I asked", "还是不行") gets. It is set by hand: the
	// labelled pairs contain no such follow-ups to fit it on.
	CueFloor float64 `json:"cue_floor"`
	// CV records the cross-validated figures of the fit, for the record.
	CV map[string]map[string]float64 `json:"cv,omitempty"`
}

// RephraseRegression is a logistic regression over rephrase features.
type RephraseRegression struct {
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	Bias     float64   `json:"bias"`
}

// Prob returns sigmoid(w·x + b).
func (r RephraseRegression) Prob(x []float64) float64 {
	z := r.Bias
	for i, w := range r.Weights {
		if i < len(x) {
			z += w * x[i]
		}
	}
	return 1 / (1 + math.Exp(-z))
}

// DefaultRephraseModel returns the coefficients shipped with Baton.
func DefaultRephraseModel() (*RephraseModel, error) {
	var m RephraseModel
	if err := json.Unmarshal(rephraseModelJSON, &m); err != nil {
		return nil, fmt.Errorf("decode rephrase model: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks that the model has a regression of the right size for
// every language, with and without embeddings.
func (m *RephraseModel) Validate() error {
	for _, lang := range []string{"en", "zh"} {
		if got, want := len(m.Lexical[lang].Weights), len(RephraseLexicalFeatures); got != want {
			return fmt.Errorf("rephrase model: lexical %s has %d weights, want %d", lang, got, want)
		}
		if got, want := len(m.Embedding[lang].Weights), len(RephraseLexicalFeatures)+1; got != want {
			return fmt.Errorf("rephrase model: embedding %s has %d weights, want %d", lang, got, want)
		}
	}
	for lang, reg := range m.Retrieval {
		if got, want := len(reg.Weights), len(RephraseLexicalFeatures)+1+len(RephraseRetrievalFeatures); got != want {
			return fmt.Errorf("rephrase model: retrieval %s has %d weights, want %d", lang, got, want)
		}
	}
	if m.CueFloor < 0 || m.CueFloor > 1 {
		return fmt.Errorf("rephrase model: cue floor %v outside [0, 1]", m.CueFloor)
	}
	return nil
}

// Rephraser estimates whether a customer's message asks again what their
// previous message asked: the sign that the bot's answer missed. It is
// safe for concurrent use when its Embedder is.
type Rephraser struct {
	emb   Embedder
	model *RephraseModel
}

// NewRephraser returns a detector with the shipped coefficients. emb may be
// nil: the detector then uses lexical features only, with coefficients of
// their own. An embedder that names a model (a Name method) other than the
// one the coefficients were fitted with is ignored for the same reason.
// It panics if the embedded model file is invalid, which tests rule out.
func NewRephraser(emb Embedder) *Rephraser {
	m, err := DefaultRephraseModel()
	if err != nil {
		panic(err)
	}
	return NewRephraserModel(emb, m)
}

// NewRephraserModel is NewRephraser with other coefficients, e.g. freshly
// fitted ones; m must be valid (see RephraseModel.Validate).
func NewRephraserModel(emb Embedder, m *RephraseModel) *Rephraser {
	if named, ok := emb.(interface{ Name() string }); ok && named.Name() != m.EmbeddingModel {
		emb = nil
	}
	return &Rephraser{emb: emb, model: m}
}

// Score returns the probability that cur asks again what prev asked; sim,
// the cosine of their embeddings (the lexical overlap without an
// embedder), for display; and whether cur carries an explicit cue such as
// "you didn't answer my question" or "我问的是". An empty prev scores 0.
// ret, which may be nil, is what the bot's search made of the two
// messages; it counts only with an embedder and a model fitted with it.
// When embedding fails, the lexical scores are returned with the error, so
// a caller that only logs the error still has a usable signal.
func (r *Rephraser) Score(ctx context.Context, prev, cur string, ret *RephraseRetrieval) (prob, sim float64, cue bool, err error) {
	prev, cur = strings.TrimSpace(prev), strings.TrimSpace(cur)
	cue = RephraseCue(cur)
	if prev == "" || cur == "" {
		return 0, 0, cue, nil
	}
	lang, x, sim, err := r.features(ctx, prev, cur, ret)
	reg := r.model.Lexical[lang]
	switch withEmb := len(RephraseLexicalFeatures) + 1; {
	case len(x) > withEmb && len(r.model.Retrieval[lang].Weights) > 0:
		reg = r.model.Retrieval[lang]
	case len(x) >= withEmb:
		reg, x = r.model.Embedding[lang], x[:withEmb]
	}
	prob = reg.Prob(x)
	if cue {
		prob = max(prob, r.model.CueFloor)
	}
	return prob, sim, cue, err
}

// Features returns the language of a pair ("en" or "zh") and the features
// its regression scores: with an embedder, the cosine
// (RephraseCosineFeature) then the lexical ones, then with ret the
// retrieval ones (RephraseRetrievalFeatures); without, the lexical ones
// (RephraseLexicalFeatures).
func (r *Rephraser) Features(ctx context.Context, prev, cur string, ret *RephraseRetrieval) (lang string, x []float64, err error) {
	lang, x, _, err = r.features(ctx, prev, cur, ret)
	if err != nil {
		return "", nil, err
	}
	return lang, x, nil
}

// features is Features that also returns the similarity to display (the
// cosine, else the lexical overlap) and that falls back to the lexical
// features, with the error, when embedding fails.
func (r *Rephraser) features(ctx context.Context, prev, cur string, ret *RephraseRetrieval) (lang string, x []float64, sim float64, err error) {
	lang = rephraseLang(prev + " " + cur)
	a, b := analyzeRephrase(prev, lang), analyzeRephrase(cur, lang)
	x = rephraseLexical(a, b)
	if r.emb == nil {
		return lang, x, x[0], nil
	}
	vecs, err := r.emb.Embed(ctx, []string{a.embedText, b.embedText})
	if err == nil && len(vecs) != 2 {
		err = fmt.Errorf("got %d vectors for 2 texts", len(vecs))
	}
	if err != nil {
		return lang, x, x[0], fmt.Errorf("rephrase: embed: %w", err)
	}
	cos := rephraseCosine(vecs[0], vecs[1])
	x = append([]float64{-math.Log(max(1-cos, 1e-3))}, x...)
	if ret != nil && ret.Answered != "" {
		x = append(x, ret.features()...)
	}
	return lang, x, cos, nil
}

// rephraseCosine returns the cosine of two vectors (0 when either is zero).
func rephraseCosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range min(len(a), len(b)) {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// rephraseLexical returns the lexical features in RephraseLexicalFeatures
// order.
func rephraseLexical(a, b rephraseText) []float64 {
	shared := 0
	for u := range a.set {
		if b.set[u] {
			shared++
		}
	}
	x := make([]float64, len(RephraseLexicalFeatures))
	if union := len(a.set) + len(b.set) - shared; union > 0 {
		x[0] = float64(shared) / float64(union)
	}
	if short := min(len(a.set), len(b.set)); short > 0 {
		x[1] = float64(shared) / float64(short)
	}
	x[2] = rephraseJaccard(a.chars, b.chars)
	if long := max(len(a.units), len(b.units)); long > 0 {
		x[3] = float64(rephraseLCS(a.units, b.units)) / float64(long)
		x[4] = float64(min(len(a.units), len(b.units))) / float64(long)
	}
	if len(a.numbers) > 0 && len(b.numbers) > 0 && !slices.Equal(a.numbers, b.numbers) {
		x[5] = 1
	}
	if a.negated != b.negated {
		x[6] = 1
	}
	// Only the kind of answer wanted (a reason, a time, a place, an amount)
	// tells two questions apart: "how do I..." and "can I..." frame the
	// same need, and counting them as kinds too gave the feature the wrong
	// sign on the dev pairs.
	if qa, qb := a.question.kinds(), b.question.kinds(); qa != 0 && qb != 0 && qa&qb == 0 {
		x[7] = 1
	}
	return x
}

// rephraseText is what the features see of one message.
type rephraseText struct {
	units     []string        // content units in order: stemmed words (en), character bigrams and words (zh)
	set       map[string]bool // units as a set
	chars     map[string]bool // character trigrams (en) or content characters (zh)
	numbers   []string        // sorted, deduplicated
	negated   bool
	question  rephraseQuestion
	embedText string // what the embedder sees
}

func analyzeRephrase(text, lang string) rephraseText {
	norm := rephraseFoldWidth(strings.ToLower(text))
	t := rephraseText{set: map[string]bool{}, chars: map[string]bool{}, embedText: text}
	if lang == "zh" {
		norm = rephraseZhSynonyms.Replace(norm)
		// The embedder sees the synonyms merged too: on the dev pairs it
		// makes no difference, but "钱什么时候能退回来" then comes close
		// to "退款多久到账".
		t.embedText = norm
	} else {
		for _, s := range rephraseEnPhrases {
			norm = s.re.ReplaceAllString(norm, s.to)
		}
	}
	var content []string
	for _, w := range rephraseWord.FindAllString(norm, -1) {
		switch {
		case rephraseIsNumber(w):
			if !slices.Contains(t.numbers, w) {
				t.numbers = append(t.numbers, w)
			}
		case lang == "zh" && rephraseIsHan(w):
			runs := []rune(w)
			if len(runs) == 1 {
				t.units = append(t.units, w)
			}
			for i := range runs {
				if i+1 < len(runs) {
					t.units = append(t.units, string(runs[i:i+2]))
				}
				if !strings.ContainsRune(rephraseStopChars, runs[i]) {
					t.chars[string(runs[i])] = true
				}
			}
		case lang == "zh":
			t.units = append(t.units, w)
			t.chars[w] = true
		default:
			w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
			if rephraseStopWords[w] || strings.ContainsAny(w, "'’") {
				continue
			}
			content = append(content, w)
			stem := rephraseStem(w)
			if syn, ok := rephraseEnSynonyms[stem]; ok {
				stem = syn
			}
			t.units = append(t.units, stem)
			g := []rune("^" + w + "$")
			for i := 0; i+3 <= len(g); i++ {
				t.chars[string(g[i:i+3])] = true
			}
		}
	}
	slices.Sort(t.numbers)
	for _, u := range t.units {
		t.set[u] = true
	}
	if lang == "zh" {
		// 能不能, 是不是, 有没有 ask a question; they negate nothing.
		plain := rephraseZhAnotA.ReplaceAllString(norm, "")
		t.negated = strings.ContainsAny(plain, "不没无未别")
		t.question = rephraseZhQuestion(norm)
	} else {
		t.negated = rephraseEnNegation.MatchString(norm)
		t.question = rephraseEnQuestion(norm)
		// bge-small-zh reads English poorly; on the content words alone
		// its cosine separates rephrasings much better (dev AUC .75 to
		// .85 on stackfaq) than on the whole question.
		if len(content) > 0 {
			t.embedText = strings.Join(content, " ")
		}
	}
	return t
}

// rephraseWord splits a message into Han runs, words and numbers.
var rephraseWord = regexp.MustCompile(`\p{Han}+|[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}]+(['’]\p{Latin}+)?`)

// rephraseStopChars are particles and pronouns too common to show two Chinese
// messages share a subject.
const rephraseStopChars = "的了吗呢啊吧呀嘛哦么我你他她它们是在有个这那就都也还请一下和与"

// rephraseStopWords are function words and the words that frame a request
// ("is it possible", "I'd like to know"), which say nothing of what is
// asked; question words are a feature of their own.
var rephraseStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if so to of in on at by for from with about into over as than then
		i me my mine we us our you your yours he him his she her it its they them their this that these those there here
		is are was were be been being am do does did doing done have has had having will would shall should can could may might must
		what which who whom whose when where why how whether
		please hi hello hey thanks thank just also too very really any some all get got getting
		not no yes ok okay still again already
		possible way want like need know help option tell anyone someone somebody something thing things able
		make sure wondering wonder question find out`) {
		m[w] = true
	}
	return m
}()

// rephraseEnPhrases rewrite multi-word expressions customers use for the
// same thing into one word, before tokenizing.
var rephraseEnPhrases = []struct {
	re *regexp.Regexp
	to string
}{
	{regexp.MustCompile(`\b(money|cash|payment|funds) back\b|\breimburse(ment|d)?\b`), "refund"},
	{regexp.MustCompile(`\b(turn|switch|shut) off\b|\bget rid of\b`), "remove"},
	{regexp.MustCompile(`\b(turn|switch) on\b`), "enable"},
	{regexp.MustCompile(`\b(log|sign) ?(in|on)(to)?\b`), "login"},
	{regexp.MustCompile(`\b(sign|signed|signing) ?up\b`), "register"},
	{regexp.MustCompile(`\btop[- ]?up(s|ped|ping)?\b|\badd (money|funds)\b`), "topup"},
	{regexp.MustCompile(`\bcash (machine|point)s?\b|\bcashpoints?\b`), "atm"},
	{regexp.MustCompile(`\be-?mails?\b`), "mail"},
}

// rephraseEnSynonyms map word stems (see rephraseStem) to one stem per
// meaning, for the words customers swap when they ask again.
var rephraseEnSynonyms = func() map[string]string {
	m := map[string]string{}
	for to, words := range map[string]string{
		"remove":   "cancel cancell terminat close clos delet remov eras deactivat disabl stop",
		"enable":   "enabl activat",
		"buy":      "buy bought purchas",
		"deliver":  "deliver delivery ship shipment arriv arrival",
		"package":  "packag parcel",
		"money":    "money cash fund",
		"fee":      "fee charg cost pric commission",
		"change":   "chang modify modifi updat edit alter",
		"internet": "internet net web online",
		"photo":    "photo pictur pic imag",
		"password": "password passcod",
		"phone":    "phone mobil cell cellphon",
		"register": "register regist registration signup",
		"wrong":    "wrong incorrect mistak",
		"lost":     "lost stolen stol missing",
		"declin":   "declin reject refus deni",
		"refund":   "refund",
	} {
		for _, w := range strings.Fields(words) {
			m[w] = to
		}
	}
	return m
}()

// rephraseZhSynonyms rewrite the Chinese words customers swap when they ask
// again into one form, so character bigrams meet.
var rephraseZhSynonyms = strings.NewReplacer(
	"为啥", "为什么", "为何", "为什么", "怎么回事", "为什么", "咋回事", "为什么",
	"什么时候", "多久", "多长时间", "多久", "何时", "多久", "多少天", "多久",
	"如何", "怎么", "怎样", "怎么", "怎么样", "怎么", "咋样", "怎么", "咋", "怎么",
	"能不能", "能", "可不可以", "能", "可以", "能", "能否", "能", "可否", "能",
	"退钱", "退款", "钱退", "退款", "退回来", "退款", "退还", "退款",
	"到帐", "到账", "更改", "修改", "变更", "修改", "更换", "修改",
	"撤销", "取消", "关掉", "关闭", "注销", "关闭",
	"开启", "开通", "打开", "开通",
	"没有收到", "没收到", "收不到", "没收到",
	"手机号码", "手机号", "电话号码", "手机号",
	"包裹", "快递", "快件", "快递", "送到", "到", "送达", "到", "寄到", "到",
)

var (
	rephraseEnNegation = regexp.MustCompile(`\b(not|no|never|nothing|none|cannot|without|neither|nor)\b|n['’]t\b|\b(cant|dont|doesnt|didnt|wont|isnt|arent|wasnt|havent|hasnt)\b`)
	rephraseZhAnotA    = regexp.MustCompile(`能不能|是不是|有没有|可不可以|会不会|要不要|好不好|对不对|行不行|用不用|需不需要|能否`)
)

// rephraseQuestion is a bit set of what a question asks for.
type rephraseQuestion uint8

const (
	rqReason rephraseQuestion = 1 << iota
	rqTime
	rqPlace
	rqAmount
	rqMethod
	rqYesNo
)

// kinds drops the procedure and yes/no bits, which frame a need rather
// than say what answer it wants.
func (q rephraseQuestion) kinds() rephraseQuestion { return q &^ (rqMethod | rqYesNo) }

var rephraseEnQuestions = []struct {
	re *regexp.Regexp
	q  rephraseQuestion
}{
	{regexp.MustCompile(`\b(why|how come|what (is|was) the reason)\b`), rqReason},
	{regexp.MustCompile(`\b(when|how long|what time|how soon)\b`), rqTime},
	{regexp.MustCompile(`\b(where|which (country|countries|place|atm|store|shop)s?)\b`), rqPlace},
	{regexp.MustCompile(`\b(how much|how many|what (is|are) the (fee|cost|charge|price|limit|rate)s?)\b`), rqAmount},
	{regexp.MustCompile(`\bhow (do|can|could|should|would|to|does|is)\b`), rqMethod},
	{regexp.MustCompile(`^(is|are|can|could|do|does|did|will|would|should|may|am|have|has)\b`), rqYesNo},
}

func rephraseEnQuestion(text string) rephraseQuestion {
	var q rephraseQuestion
	for _, w := range rephraseEnQuestions {
		if w.re.MatchString(text) {
			q |= w.q
		}
	}
	return q
}

var rephraseZhQuestions = []struct {
	words []string
	q     rephraseQuestion
}{
	{[]string{"为什么", "为啥", "为何", "怎么回事", "咋回事", "怎么不", "怎么没", "怎么还", "咋不", "咋没", "什么原因"}, rqReason},
	{[]string{"什么时候", "多久", "多长时间", "何时", "几天", "几点", "哪天", "几号"}, rqTime},
	{[]string{"哪里", "哪儿", "在哪", "什么地方", "哪个网点"}, rqPlace},
	{[]string{"多少", "几个", "几次", "额度是", "费用", "手续费", "利息是"}, rqAmount},
	{[]string{"怎么", "如何", "怎样", "咋", "什么方法", "在哪里设置"}, rqMethod},
	{[]string{"能不能", "可不可以", "是不是", "有没有", "是否", "可以吗", "能吗", "吗"}, rqYesNo},
}

func rephraseZhQuestion(text string) rephraseQuestion {
	var q rephraseQuestion
	for _, w := range rephraseZhQuestions {
		for _, k := range w.words {
			if strings.Contains(text, k) {
				q |= w.q
				break
			}
		}
	}
	if q&rqReason != 0 {
		q &^= rqMethod // 怎么不能用 asks why, not how
	}
	return q
}

// RephraseCue reports whether a follow-up message says outright that the
// previous question was not answered: "that's not what I asked", "I
// already said", "it still doesn't work", "我问的是", "还是不行". Only
// phrasings that need no context to mean it count, because a caller may
// take a cue as a rephrase on its own: not "thanks once again", "can you
// say that again?" or "这个有什么用".
func RephraseCue(text string) bool {
	if rephraseEnCue.MatchString(text) {
		return true
	}
	t := strings.ReplaceAll(rephraseFoldWidth(text), " ", "")
	t = strings.ReplaceAll(t, "是不是这个", "") // asks "is it this one?"
	for _, k := range rephraseZhCues {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}

var rephraseEnCue = regexp.MustCompile(`(?i)` +
	`\bnot what i (asked|meant|wanted|said|was asking|am asking|need)` +
	`|\b(that|this|it)['’]?s? not (my question|what i)` +
	`|\b(didn['’]?t|did not|don['’]?t|do not|doesn['’]?t|does not|haven['’]?t|have not|never|won['’]?t|wont|didnt|dont|doesnt) (really |even |actually |yet )?answer` +
	`|\b(answer|read|understand) my question` +
	`|\bmy question (is|was)\b` +
	`|\bi (already|just) (said|told|asked|explained|mentioned|wrote|tried)` +
	`|\bi(['’]ve| have) already (said|told|asked|explained|mentioned|tried|done)` +
	`|\b(as|like) i (said|told you|mentioned|asked)` +
	`|\bi asked (about|for|how|why|when|what|where|if|whether|you)\b` +
	`|\bask(ing|ed)? (you )?(it |this |that )?again\b` +
	`|\b(that|this|it|your answer) (didn['’]?t|did not|doesn['’]?t|does not|won['’]?t) help` +
	`|\b(not|wasn['’]?t|isn['’]?t|was not|is not) (very |at all |really )?helpful` +
	`|\bwrong answer\b|\byou misunderstood\b|\bsame question\b` +
	`|\bstill (not|isn['’]?t|is not|doesn['’]?t|does not|don['’]?t|do not|can['’]?t|cannot|won['’]?t|haven['’]?t|hasn['’]?t|didn['’]?t|no|nothing|the same|broken|stuck|failing|waiting|having (the same|this|that) (problem|issue))\b`)

var rephraseZhCues = []string{
	"我问的是", "我问的不是", "不是我问的", "不是我要问的", "不是这个", "答非所问", "所答非所问",
	"我刚才说了", "我刚刚说了", "我刚才问", "我刚刚问", "我已经说了", "我已经说过", "我已经问了", "我说的是", "我说过了",
	"你没回答", "没回答我", "没有回答我", "没有回答我的问题", "你没听懂", "没听懂我", "没看懂我", "听不懂我",
	"还是不行", "还是没用", "还是没有用", "还是不管用", "还是没解决", "还是没有解决", "问题还是没", "还是一样",
	"没用啊", "没用呀", "根本没用", "一点用都没有", "没什么用",
	"再问一遍", "再问一次", "重新问一下", "说了半天",
}

func rephraseLang(text string) string {
	letters, han := 0, 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Han, r) {
				han++
			}
		}
	}
	if han > 0 && han*4 >= letters {
		return "zh"
	}
	return "en"
}

// rephraseFoldWidth maps full-width ASCII (Ａ, １, ？) to its plain form.
func rephraseFoldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		if r == 0x3000 {
			return ' '
		}
		return r
	}, s)
}

func rephraseIsHan(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.Is(unicode.Han, r)
}

func rephraseIsNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// rephraseStem strips the common English inflections, enough for "refunds",
// "refunded" and "refunding" to meet; it is no linguist's stemmer.
func rephraseStem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		w = rephraseUndouble(w[:len(w)-3])
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		w = rephraseUndouble(w[:len(w)-2])
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

// rephraseUndouble turns "transferr" and "gett" back into "transfer" and "get".
func rephraseUndouble(w string) string {
	n := len(w)
	if n > 2 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiousl", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func rephraseJaccard(a, b map[string]bool) float64 {
	shared := 0
	for k := range a {
		if b[k] {
			shared++
		}
	}
	if union := len(a) + len(b) - shared; union > 0 {
		return float64(shared) / float64(union)
	}
	return 0
}

// rephraseLCS returns the length of the longest common subsequence of a and b.
func rephraseLCS(a, b []string) int {
	prev, row := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				row[j+1] = prev[j] + 1
			} else {
				row[j+1] = max(row[j], prev[j+1])
			}
		}
		prev, row = row, prev
	}
	return prev[len(b)]
}
