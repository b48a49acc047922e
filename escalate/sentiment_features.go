package escalate

import (
	"math"
	"regexp"
	"strings"
	"unicode"
)

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
