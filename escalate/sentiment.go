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
	"sync"
	"unicode"
)

// sentimentModelJSON holds the coefficients `baton calibrate --task
// sentiment` fitted over the features below.
//
//go:embed sentiment_model.json
var sentimentModelJSON []byte

// SentimentRegression is a logistic regression: P = sigmoid(Weights·x + Bias).
type SentimentRegression struct {
	Weights []float64 `json:"weights"`
	Bias    float64   `json:"bias"`
}

// Prob returns the probability for the feature vector x.
func (m *SentimentRegression) Prob(x []float64) float64 {
	z := m.Bias
	for i, v := range x {
		if i < len(m.Weights) {
			z += m.Weights[i] * v
		}
	}
	return 1 / (1 + math.Exp(-z))
}

// SentimentModel is the file `baton calibrate --task sentiment` writes. It
// holds two variants so the bot works with or without the local embedding
// model: Lexicon weighs SentimentFeatureNames; Embedding weighs the same
// features followed by the Dims dimensions of EmbeddingModel's vector.
type SentimentModel struct {
	FittedOn string `json:"fitted_on"`
	// TrainSHA256 is the sha256 of the file the coefficients were fitted
	// on, so an evaluation can tell in-sample figures from held-out ones.
	TrainSHA256 string `json:"train_sha256"`
	// CV are the cross-validated figures reported when fitting.
	CV             []string             `json:"cv,omitempty"`
	Features       []string             `json:"features"`
	Lexicon        SentimentRegression  `json:"lexicon"`
	EmbeddingModel string               `json:"embedding_model,omitempty"`
	Dims           int                  `json:"dims,omitempty"`
	Embedding      *SentimentRegression `json:"embedding,omitempty"`
}

// ParseSentimentModel decodes and checks a sentiment model: its features
// must be the ones this build computes, in the same order.
func ParseSentimentModel(b []byte) (*SentimentModel, error) {
	var m SentimentModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode sentiment model: %w", err)
	}
	if !slices.Equal(m.Features, SentimentFeatureNames) {
		return nil, fmt.Errorf("sentiment model features %v do not sentMatch this build's %v: refit with `baton calibrate --task sentiment`", m.Features, SentimentFeatureNames)
	}
	if len(m.Lexicon.Weights) != len(SentimentFeatureNames) {
		return nil, fmt.Errorf("sentiment model: lexicon variant has %d weights, want %d", len(m.Lexicon.Weights), len(SentimentFeatureNames))
	}
	if m.Embedding != nil && len(m.Embedding.Weights) != len(SentimentFeatureNames)+m.Dims {
		return nil, fmt.Errorf("sentiment model: embedding variant has %d weights, want %d", len(m.Embedding.Weights), len(SentimentFeatureNames)+m.Dims)
	}
	return &m, nil
}

// ShippedSentimentModel returns the model built into the binary.
func ShippedSentimentModel() (*SentimentModel, error) {
	return ParseSentimentModel(sentimentModelJSON)
}

// SentimentVector joins lexicon features and an embedding in the order the
// embedding variant weighs them.
func SentimentVector(lex []float64, emb []float32) []float64 {
	x := make([]float64, 0, len(lex)+len(emb))
	x = append(x, lex...)
	for _, v := range emb {
		x = append(x, float64(v))
	}
	return x
}

// Sentiment scores how negative a customer turn is: dissatisfaction,
// anger, anxiety or urgency, the things a person should hear about. It is
// safe for concurrent use when its Embedder is.
type Sentiment struct {
	emb   Embedder // nil: lexicon variant
	model *SentimentModel
	err   error // a shipped model that does not decode
}

// NewSentiment returns the scorer with the shipped coefficients. With an
// embedder (and a shipped embedding variant) it adds the text's embedding
// to the lexicon features; with nil it uses the lexicon alone, whose
// coefficients were fitted for that case.
func NewSentiment(emb Embedder) *Sentiment {
	m, err := ShippedSentimentModel()
	return newSentiment(emb, m, err)
}

// NewSentimentModel is NewSentiment with coefficients of one's own, such as
// a model being evaluated before it ships.
func NewSentimentModel(emb Embedder, m *SentimentModel) *Sentiment {
	return newSentiment(emb, m, nil)
}

func newSentiment(emb Embedder, m *SentimentModel, err error) *Sentiment {
	if m == nil || m.Embedding == nil {
		emb = nil
	}
	// Another model's vectors would not fit the coefficients.
	if named, ok := emb.(interface{ Name() string }); ok && m != nil && named.Name() != m.EmbeddingModel {
		emb = nil
	}
	return &Sentiment{emb: emb, model: m, err: err}
}

// Variant names what the scores are computed from: "lexicon", or
// "lexicon+" and the embedding model's name.
func (s *Sentiment) Variant() string {
	if s.emb == nil || s.model == nil {
		return "lexicon"
	}
	return "lexicon+" + s.model.EmbeddingModel
}

// Negative returns the probability that text expresses dissatisfaction,
// anger, anxiety or urgency, and the cues found in it for an agent to read
// (such as "neg:terrible", "negated:不满意", "intensifier:very", "caps",
// "!!!", "urgent:asap", "complaint:still waiting"). When the embedder
// fails it returns the lexicon variant's probability with the error, so
// the caller may log it and carry on.
func (s *Sentiment) Negative(ctx context.Context, text string) (float64, []string, error) {
	if s.err != nil {
		return 0, nil, fmt.Errorf("sentiment: %w", s.err)
	}
	if strings.TrimSpace(text) == "" {
		return 0, nil, nil
	}
	lex, cues := SentimentFeatures(text)
	if s.emb == nil {
		return s.model.Lexicon.Prob(lex), cues, nil
	}
	vecs, err := s.emb.Embed(ctx, []string{text})
	if err == nil && (len(vecs) != 1 || len(vecs[0]) != s.model.Dims) {
		err = fmt.Errorf("embedder returned %d vectors, want one of %d dims", len(vecs), s.model.Dims)
	}
	if err != nil {
		return s.model.Lexicon.Prob(lex), cues, fmt.Errorf("sentiment: %w", err)
	}
	return s.model.Embedding.Prob(SentimentVector(lex, vecs[0])), cues, nil
}

// SentimentFeatureNames names the lexicon features in vector order. Counts
// enter as log(1+n), so the tenth angry word adds less than the first.
var SentimentFeatureNames = []string{
	"zh",           // the text is mostly Chinese
	"neg",          // negative words, and negated positive ones ("not good", 不满意)
	"strong",       // of which strong ones (insults, "worst", 垃圾)
	"pos",          // positive words, and negated negative ones ("not bad", 不差)
	"negation",     // a negation with no sentiment word to flip: didn't arrive, 没收到
	"intensified",  // negative evidence after "very", 太, 非常
	"exclaim_run",  // "!!", "！！"
	"question_run", // "??", "？？"
	"caps",         // shouted words
	"complaint",    // still waiting, 退款还没到; and urgency: asap, 马上
	"why",          // why, 凭什么: questions that reproach
	"again",        // again, 又: the problem came back
	"mild",         // 有点, "a bit": a hedge that comes before faults
	"duration",     // "2 hours", 一个多小时: time the customer counts
	"polite",       // please, thanks, 请问, 谢谢
	"neg_emoji",    // 😡 :(
	"pos_emoji",    // 😊 :)
	"question",     // one question mark or more
	"exclaim",      // one exclamation mark or more
}

// sentTokKind tells word, Han character, punctuation and symbol tokens apart.
type sentTokKind int

const (
	sentWord sentTokKind = iota
	sentHan
	sentBreak // punctuation that ends a clause, and so a negation's scope
	sentSym   // emoji and other symbols
)

type sentToken struct {
	text string // lower case
	kind sentTokKind
	caps bool // a word of four letters or more, all upper case
}

var (
	sentURLRE     = regexp.MustCompile(`https?://\S+|www\.\S+`)
	sentMentionRE = regexp.MustCompile(`@\w+`)
)

// sentStripNoise removes URLs and @mentions, which say nothing about the mood
// (and "http://" is not a frown).
func sentStripNoise(text string) string {
	text = sentURLRE.ReplaceAllString(text, " ")
	return sentMentionRE.ReplaceAllString(text, " ")
}

// sentDurationRE finds elapsed time a customer counts: "2 hours", "45 mins",
// 一个多小时, 三天. Asking about opening hours names no number.
var sentDurationRE = regexp.MustCompile(`(?i)\b(\d+|an?|one|two|three|four|five|six|several|few)\s*\+?\s*(hours?|hrs?|minutes?|mins?|days?|weeks?|months?)\b` +
	`|[0-9０-９一二两三四五六七八九十几半]+\s*(个)?(多|半)?\s*(小时|钟头|分钟|天|周|星期|礼拜|个月)`)

// sentTokenize splits text into lower-case words, single Han characters,
// breaks and symbols.
func sentTokenize(text string) []sentToken {
	var toks []sentToken
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		upper := 0
		for _, r := range word {
			if unicode.IsUpper(r) {
				upper++
			}
		}
		toks = append(toks, sentToken{text: strings.ToLower(w), kind: sentWord, caps: upper >= 4 && upper == sentCountLetters(word)})
		word = word[:0]
	}
	for _, r := range text {
		switch {
		case r == '’' || r == '\'':
			if len(word) > 0 {
				word = append(word, '\'')
			}
		case unicode.Is(unicode.Han, r):
			flush()
			toks = append(toks, sentToken{text: string(r), kind: sentHan})
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		case strings.ContainsRune(".,;:!?。，；：！？、…\n~～()（）\"“”", r):
			flush()
			toks = append(toks, sentToken{text: string(r), kind: sentBreak})
		case unicode.IsSpace(r) || r == '#':
			flush()
		default:
			flush()
			if unicode.Is(unicode.So, r) {
				toks = append(toks, sentToken{text: string(r), kind: sentSym})
			}
		}
	}
	flush()
	return toks
}

func sentCountLetters(rs []rune) int {
	n := 0
	for _, r := range rs {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// sentPunctRuns counts the most ! and the most ? (either width) in one run,
// and returns the longest run of two or more, cut to three, as a cue.
func sentPunctRuns(text string) (bangs, questions int, run string) {
	var cur []rune
	best := ""
	check := func() {
		b, q := 0, 0
		for _, r := range cur {
			if r == '!' || r == '！' {
				b++
			} else {
				q++
			}
		}
		bangs, questions = max(bangs, b), max(questions, q)
		if len(cur) >= 2 && len(cur) > len([]rune(best)) {
			best = string(cur[:min(len(cur), 3)])
		}
		cur = cur[:0]
	}
	for _, r := range text {
		if strings.ContainsRune("!?！？", r) {
			cur = append(cur, r)
			continue
		}
		check()
	}
	check()
	return bangs, questions, best
}

// SentimentFeatures returns the lexicon features of text, in
// SentimentFeatureNames order, and the cues behind the negative ones.
func SentimentFeatures(text string) ([]float64, []string) {
	text = sentStripNoise(text)
	toks := sentTokenize(text)
	var (
		c       = map[string]int{}
		cues    []string
		seen    = map[string]bool{}
		negEnd  = -1 // a negation flips the word starting before this token
		negFrom int
		intEnd  = -1
		intText string
	)
	cue := func(s string) {
		if !seen[s] {
			seen[s] = true
			cues = append(cues, s)
		}
	}
	negEvidence := func(start int) {
		if start < intEnd {
			c["intensified"]++
			cue("intensifier:" + intText)
		}
	}
	for _, t := range toks {
		if t.caps {
			c["caps"]++
		}
	}
	for i := 0; i < len(toks); {
		if toks[i].kind == sentBreak {
			negEnd, intEnd = -1, -1
			i++
			continue
		}
		e, end := sentMatch(toks, i)
		if e == nil {
			i++
			continue
		}
		span := sentJoin(toks[i:end])
		switch e.kind {
		case sentNegator:
			c["negation"]++ // until it flips a sentiment word
			negEnd, negFrom = end+3, i
		case sentIntens:
			intEnd, intText = end+2, span
		case sentPos:
			if span == "好" { // 好慢, 好烦: "so", not "good"
				if next, _ := sentMatch(toks, end); next != nil && (next.kind == sentNeg || next.kind == sentStrong) {
					intEnd, intText = end+2, span
					break
				}
			}
			if i < negEnd {
				c["neg"]++
				c["negation"]--
				cue("negated:" + sentJoin(toks[negFrom:end]))
				negEvidence(i)
				negEnd = -1
				break
			}
			c["pos"]++
		case sentNeg, sentStrong:
			if i < negEnd {
				c["pos"]++
				c["negation"]--
				negEnd = -1
				break
			}
			c["neg"]++
			if e.kind == sentStrong {
				c["strong"]++
			}
			cue("neg:" + span)
			negEvidence(i)
		case sentUrgent:
			c["complaint"]++
			cue("urgent:" + span)
		case sentComplaint:
			c["complaint"]++
			cue("complaint:" + span)
			negEvidence(i)
		case sentWhy:
			c["why"]++
			cue("why:" + span)
		case sentAgain:
			c["again"]++
			cue("again:" + span)
		case sentNegPos:
			c["neg"]++
			cue("negated:" + span)
			negEvidence(i)
		case sentMild:
			c["mild"]++
		case sentPolite:
			c["polite"]++
		case sentNegEmoji:
			c["neg_emoji"]++
			cue("emoji:" + span)
		case sentPosEmoji:
			c["pos_emoji"]++
		}
		i = end
	}
	for _, em := range sentNegEmoticons {
		if strings.Contains(text, em) {
			c["neg_emoji"]++
			cue("emoji:" + em)
		}
	}
	for _, em := range sentPosEmoticons {
		if strings.Contains(text, em) {
			c["pos_emoji"]++
		}
	}
	if c["caps"] > 0 {
		cue("caps")
	}
	if d := sentDurationRE.FindAllString(text, -1); len(d) > 0 {
		c["duration"] = len(d)
		cue("duration:" + strings.TrimSpace(d[0]))
	}
	bangs, questions, run := sentPunctRuns(text)
	if run != "" {
		cue(run)
	}
	x := make([]float64, len(SentimentFeatureNames))
	for j, name := range SentimentFeatureNames {
		switch name {
		case "zh":
			x[j] = sentB2F(sentIsChinese(text))
		case "exclaim_run":
			x[j] = sentB2F(bangs >= 2)
		case "question_run":
			x[j] = sentB2F(questions >= 2)
		case "question":
			x[j] = sentB2F(questions >= 1)
		case "exclaim":
			x[j] = sentB2F(bangs >= 1)
		default:
			x[j] = math.Log1p(float64(c[name]))
		}
	}
	return x, cues
}

func sentB2F(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// sentIsChinese reports whether Han characters carry most of text; one Han
// character weighs about as much as a four-letter word.
func sentIsChinese(text string) bool {
	han, latin := 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			latin++
		}
	}
	return han > 0 && 4*han >= latin
}

// sentJoin renders tokens as they would be written: words with spaces, Han
// characters without.
func sentJoin(toks []sentToken) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.kind == sentWord && toks[i-1].kind == sentWord {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// sentKind is what a lexicon entry says about the customer.
type sentKind int

const (
	sentNeg       sentKind = iota // a negative word
	sentStrong                    // a strongly negative word: insult, swearing, "worst"
	sentPos                       // a positive word; negated, it counts as negative
	sentNegPos                    // a negated positive written as one word (不满意)
	sentNegator                   // flips the sentiment word after it
	sentIntens                    // strengthens the sentiment word after it
	sentUrgent                    // the customer needs it now; weighed as a complaint
	sentComplaint                 // a service complaint: waiting, nobody answered, refund
	sentWhy                       // a reproachful question
	sentAgain                     // the problem came back
	sentMild                      // a hedge before a fault: 有点, "a bit"
	sentPolite                    // courtesy, which angry customers drop
	sentNeutral                   // says nothing, though it starts like an entry that does: 你好, 差不多
	sentNegEmoji
	sentPosEmoji
)

// sentimentLexicon is written by hand from general usage in customer
// service, in English and Chinese, not from any evaluation set. Entries are
// comma-separated; a final * matches any ending ("disappoint*"). Longer
// entries win, so 不好意思 (sorry) is polite, not "not good".
var sentimentLexicon = []struct {
	kind  sentKind
	words string
}{
	{sentStrong, `worst, terrible, terribly, horrible, horrendous, awful, atrocious, appalling, abysmal, dreadful, disgusting, pathetic,
		useless, unacceptable, ridiculous, outrageous, furious, livid, pissed, hate, hated, hates, sucks, sucked, suck, crap, crappy,
		shit, shitty, bullshit, fuck*, wtf, damn, scam, scammed, rip off, ripoff, liar, liars, incompetent, disgrace*, shameful,
		nightmare, worthless, rubbish, garbage, trash, lousy, screwed, infuriat*, thanks for nothing, a joke, fed up, sick of,
		垃圾, 恶心, 差劲, 极差, 最差, 烂透, 坑爹, 骗子, 无良, 黑心, 奸商, 缺德, 无耻, 混蛋, 妈的, 他妈, 卧槽, 气死, 气人, 忍无可忍,
		受够了, 过分, 离谱, 欺人太甚, 滚, 傻逼, 狗屎, 破玩意, 什么玩意, 糟透, 后悔死`},
	{sentNeg, `bad, worse, poor, poorly, disappoint*, frustrat*, annoy*, angry, mad, upset, unhappy, sad, miserable, rude, unhelpful,
		unprofessional, unfriendly, broken, broke, damaged, defective, faulty, wrong, error, errors, fail*, lost, missing, stuck,
		stranded, delay*, late, cancel*, problem, problems, issue, issues, trouble, slow, waste, wasted, wasting, misleading,
		worried, worry, worrying, anxious, nervous, scared, afraid, confused, confusing, unfair, overcharged, overpriced,
		dirty, stale, inedible, tasteless, bland, leak*, ruin*, hopeless, regret*, mediocre, meh, ugh, smh, argh, sigh, tired,
		shame, shocking, shocked, disaster, chaos, mess, messed, hassle, inconvenien*, uncomfortable, impossible, lie, lied, lies,
		lying, ignor*, excuse, excuses, fault, blame, refus*, denied, unfortunately, sadly, dissatisfied, unsatisfied, cheated,
		unable, spilled, spilt, lose, losing, loses,
		差, 不行, 没用, 难吃, 难喝, 难看, 难闻, 难用, 难受, 失望, 生气, 愤怒, 无语, 郁闷, 烦, 烦人, 讨厌, 糟糕, 坑, 坑人, 骗, 骗人,
		欺骗, 假货, 冒牌, 山寨, 劣质, 破损, 破了, 坏, 损坏, 烂, 脏, 臭, 馊, 变质, 过期, 发霉, 异味, 慢, 凉了, 冷了, 冰凉, 没味,
		太淡, 咸, 油腻, 太贵, 贵了, 后悔, 可惜, 遗憾, 麻烦, 担心, 焦虑, 害怕, 崩溃, 无奈, 受不了, 伤心, 难过, 委屈, 心塞, 闹心,
		窝火, 恼火, 不爽, 不满, 不耐烦, 瑕疵, 毛病, 故障, 错误, 错了, 搞错, 弄错, 一般, 凑合, 将就, 呵呵, 少了, 太少, 量少, 缺少,
		粗糙, 敷衍, 冷淡, 傲慢, 粗鲁, 浪费, 白买, 上当, 受骗, 吐槽, 抱怨, 无法, 不如, 卡顿, 很卡, 洒了, 撒了, 漏了, 拿错, 做错,
		给错`},
	{sentPos, `good, great, excellent, amazing, awesome, love, loved, loving, lovely, nice, perfect, best, fantastic, wonderful, happy,
		glad, pleased, satisfied, helpful, friendly, quick, fast, easy, smooth, recommend*, appreciat*, kudos, impressed,
		impressive, brilliant, beautiful, enjoy*, comfortable, fine, ok, okay, cool, works, worked, resolved, sweet, superb,
		outstanding, pleasant, polite, professional, reliable, efficient, delicious, tasty, fresh, fun, favorite, favourite, worth,
		thrilled, excited, exciting, grateful, thankful, incredible, fabulous, gorgeous, yay, well done, good job, great job,
		on time, clean, safe, stellar, proud, acceptable, no problem, no worries, can't wait, cannot wait, cant wait,
		好, 好吃, 好喝, 好用, 好看, 好听, 好玩, 好评, 不错, 满意, 满足, 喜欢, 喜爱, 推荐, 赞, 点赞, 棒, 完美, 优秀, 给力, 很快, 挺快,
		快速, 迅速, 神速, 及时, 准时, 新鲜, 美味, 可口, 实惠, 便宜, 划算, 值, 值得, 超值, 物美价廉, 漂亮, 舒服, 舒适, 方便, 干净,
		热情, 周到, 耐心, 负责, 专业, 贴心, 放心, 开心, 高兴, 愉快, 快乐, 惊喜, 清晰, 流畅, 稳定, 靠谱, 可靠, 还行, 挺好, 有用,
		有效, 解决了, 好香, 很香, 入味, 正品, 正宗, 精致, 满分, 五星, 回购, 会再来, 一如既往, 没问题, 没毛病, 优惠, 爱了, 完好,
		实用, 结实, 感动, 合适, 合身, 厚道, 友好, 良好, 美好, 哈哈`},
	{sentNegPos, `不满意`},
	{sentNegator, `not, no, never, none, nothing, neither, nor, without, hardly, barely, cannot, can't, cant, don't, dont, doesn't,
		doesnt, didn't, didnt, isn't, isnt, wasn't, wasnt, aren't, arent, weren't, werent, won't, wont, wouldn't, wouldnt,
		shouldn't, couldn't, couldnt, haven't, havent, hasn't, hasnt, hadn't, ain't, aint,
		不, 没, 没有, 别, 无, 未, 毫无, 并不, 并没有, 从不, 从没, 从来没有, 绝不, 一点也不, 一点都不, 不太, 不是很, 不怎么, 不够,
		不算, 不大, 没那么`},
	{sentIntens, `very, so, really, too, extremely, absolutely, totally, completely, super, incredibly, truly, highly, utterly, such,
		way too, freaking, beyond,
		太, 非常, 特别, 很, 超, 超级, 极, 极其, 十分, 真, 真的, 真是, 相当, 巨, 贼, 简直, 实在, 太过, 最, 那么, 这么, 如此, 越来越`},
	{sentUrgent, `asap, urgent, urgently, immediately, right now, right away, emergency, hurry, as soon as possible,
		time sensitive, desperate, desperately,
		马上, 赶紧, 赶快, 尽快, 立刻, 立即, 急, 着急, 急死, 急用, 急需, 紧急, 快点, 快一点, 快些, 火速, 十万火急, 等不及, 在线等,
		催, 抓紧, 速回`},
	{sentComplaint, `still waiting, still haven't, still hasn't, still not, still no, still don't, been waiting, on hold, no one answered,
		nobody answered, no one answers, no answer, no response, no reply, no call back, never called back, never heard back,
		never received, never arrived, never got, never showed, haven't received, not received, didn't receive, hasn't arrived,
		where is my, where's my, want a refund, want my money back, money back, demand a refund, refund my, charged twice,
		double charged, wrong order, wrong item, wrong size, never again, speak to a manager, talk to a manager, supervisor,
		complain, complained, complaining, complaint, report you, hung up, hang up, lost my, lost luggage, missed my,
		missed connection, cancelled my, canceled my, what's going on, what is going on, how long, how much longer, no help,
		no one, nobody, forgot, forgotten, waited, compensat*, apolog*, switch to, switching to, take my business,
		go elsewhere, won't be back, never be back, never use, never fly, never order, never buy, lost a customer,
		find another, find a new,
		退款还没到, 还没到, 还没收到, 还没有到, 还没发货, 没收到, 未收到, 没到, 没送到, 没送, 还没送, 等了好久, 等了半天,
		等了很久, 好久了, 等了, 半天了, 一个多小时, 两个小时, 两个多小时, 几个小时, 超时, 迟到, 晚到, 送错, 发错, 错发, 漏发,
		少发, 少送, 漏送, 没人接, 无人接听, 没人理, 不理人, 没人回, 没人管, 不回复, 不回消息, 不处理, 推卸, 踢皮球, 投诉, 差评,
		退货, 退钱, 要退款, 我要退, 申请退款, 换货, 赔偿, 索赔, 再也不, 不会再, 以后不, 最后一次, 被坑, 被骗, 拉黑, 打不通,
		联系不上, 用不了, 退不了, 没反应, 质量问题, 出问题, 出了问题, 没法用, 不能用, 还要等, 到底, 怎么还, 说好的,
		忘了, 忘记, 忘带, 少一, 少给, 才到, 才送到, 才来, 才收到, 才发货, 太久, 很久, 好久, 那么久, 这么久, 太长, 换一家, 换别家,
		卸载, 别买, 慎买`},
	{sentWhy, `why, how come, what the hell, are you kidding, kidding me, seriously,
		为什么, 凭什么, 怎么回事, 什么情况, 搞什么, 干什么吃的, 什么意思, 有没有搞错, 怎么搞的, 怎么会, 难道`},
	{sentAgain, `again, once again, yet again, every time, each time, second time, third time, keeps, keep happening, still,
		又, 再次, 又一次, 每次都, 总是, 老是, 第二次, 第三次, 三番五次, 反复, 仍然, 依然, 还在`},
	{sentMild, `a bit, a little, slightly, somewhat, kind of, 有点, 有点儿, 有些, 有一点, 稍微, 略, 略微, 稍`},
	{sentPolite, `please, pls, plz, thanks, thank, thank you, thx, hi, hello, hey, kindly, could you, would you, good morning,
		good afternoon, good evening, excuse me, sorry to bother, cheers, regards, welcome,
		请, 请问, 麻烦您, 麻烦你, 麻烦帮, 谢谢, 感谢, 多谢, 您好, 你好, 您, 辛苦了, 辛苦, 不好意思, 打扰, 劳驾, 没关系, 不客气`},
	{sentNeutral, `not only, no doubt, never mind, not sure, what kind,
		好的, 好像, 好多, 好几, 只好, 正好, 刚好, 好在, 好友, 好处, 爱好, 最好, 好不好, 好了, 好吗, 好奇, 还好, 好心, 好些,
		差不多, 出差, 差价, 相差, 差距, 差点, 别人, 别的, 区别, 分别, 级别, 类别, 告别, 没事, 没错, 没想到, 没多久, 没什么,
		不用, 不然, 不仅, 不少, 不止, 不知道, 不一定, 不得不, 不要, 不同, 不管, 要不, 无论, 无线, 无糖, 未来, 超市, 超过, 最后,
		最近, 真人, 香港, 香菜, 快递, 凉拌, 灿烂, 靠近, 依靠, 问题, 还在吗, 少一点, 少一些`},
	{sentNegEmoji, `😡, 😠, 🤬, 😤, 😞, 😔, 😢, 😭, 😩, 😫, 🙄, 👎, 💔, 😒, 😣, 😖, 😑, 😕, 😟, 😥, 😰, 😱`},
	{sentPosEmoji, `😊, 🙂, 😀, 😃, 😄, 😁, 😍, 🥰, ❤, 👍, 😘, 💕, 💙, ✨, 🎉, 👏, 💯, ☺, 😎, 🙌`},
}

// Emoticons are matched in the raw text: the tokenizer splits them.
var (
	sentNegEmoticons = []string{":(", ":-(", ":'(", ":/", ":-/", "-_-", "=(", ":|"}
	sentPosEmoticons = []string{":)", ":-)", ":D", ";)", "=)", "<3"}
)

type sentEntry struct {
	toks   []string
	kind   sentKind
	prefix bool // a one-word entry that matches any word it begins
}

type sentIndex struct {
	byFirst  map[string][]sentEntry // longest first
	prefixes []sentEntry            // one-word entries ending in *
}

// sentimentIndex is built on first use, from the same tokenizer the texts go
// through, so entries and texts are split alike.
var sentimentIndex = sync.OnceValue(func() *sentIndex {
	ix := &sentIndex{byFirst: map[string][]sentEntry{}}
	for _, group := range sentimentLexicon {
		for _, w := range strings.Split(group.words, ",") {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			prefix := strings.HasSuffix(w, "*")
			var toks []string
			for _, t := range sentTokenize(strings.TrimSuffix(w, "*")) {
				toks = append(toks, t.text)
			}
			e := sentEntry{toks: toks, kind: group.kind, prefix: prefix}
			if prefix && len(toks) == 1 {
				ix.prefixes = append(ix.prefixes, e)
				continue
			}
			ix.byFirst[toks[0]] = append(ix.byFirst[toks[0]], e)
		}
	}
	for _, es := range ix.byFirst {
		slices.SortStableFunc(es, func(a, b sentEntry) int { return len(b.toks) - len(a.toks) })
	}
	return ix
})

// sentMatch returns the longest lexicon entry starting at toks[i] and the index
// just after it, or nil.
func sentMatch(toks []sentToken, i int) (*sentEntry, int) {
	if i >= len(toks) || toks[i].kind == sentBreak {
		return nil, i
	}
	ix := sentimentIndex()
	for _, e := range ix.byFirst[toks[i].text] {
		if i+len(e.toks) > len(toks) {
			continue
		}
		ok := true
		for k, w := range e.toks {
			if toks[i+k].text != w || toks[i+k].kind == sentBreak {
				ok = false
				break
			}
		}
		if ok {
			return &e, i + len(e.toks)
		}
	}
	if toks[i].kind == sentWord {
		for _, e := range ix.prefixes {
			if strings.HasPrefix(toks[i].text, e.toks[0]) {
				return &e, i + 1
			}
		}
	}
	return nil, i
}
