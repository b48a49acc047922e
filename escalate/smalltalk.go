package escalate

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/batonhq/baton/kb"
)

// Small-talk kinds: a message that is only social (a greeting, thanks, a
// goodbye, a question about the bot, an acknowledgement) is answered with
// a short reply and never handed off or counted as a miss.
const (
	SmallTalkGreeting = "greeting"
	SmallTalkThanks   = "thanks"
	SmallTalkGoodbye  = "goodbye"
	SmallTalkBot      = "bot"
	SmallTalkAck      = "ack"
)

// smallTalkPriority decides the kind of a message mixing several ("hi,
// thanks, bye"): what the customer ends on matters more than how they
// opened.
var smallTalkPriority = []string{SmallTalkGoodbye, SmallTalkThanks, SmallTalkBot, SmallTalkGreeting, SmallTalkAck}

//go:embed smalltalk.json
var smallTalkJSON []byte

// smallTalkSet is the shape of smalltalk.json: phrasings per kind and
// language, filler words that may surround them, and default replies.
type smallTalkSet struct {
	Kinds   map[string]map[string][]string `json:"kinds"`
	Fillers map[string][]string            `json:"fillers"`
	Replies map[string]map[string]string   `json:"replies"`
}

// SmallTalk recognises messages that are only small talk. A message is
// small talk when, after normalising case, punctuation and drawn-out
// letters ("hiii"), it is made wholly of known phrasings and filler words;
// one word of anything else ("hi, my card is blocked") makes it a question.
type SmallTalk struct {
	phrases []stPhrase // longest first
	fillers map[string]bool
	replies map[string]map[string]string
}

type stPhrase struct {
	tokens []string
	kind   string
}

// DefaultSmallTalk returns the built-in bilingual small-talk recogniser.
func DefaultSmallTalk() *SmallTalk {
	var set smallTalkSet
	if err := json.Unmarshal(smallTalkJSON, &set); err != nil {
		panic(fmt.Sprintf("escalate: built-in smalltalk.json: %v", err)) // embedded, checked by tests
	}
	s := &SmallTalk{fillers: map[string]bool{}, replies: set.Replies}
	for kind, byLang := range set.Kinds {
		for _, list := range byLang {
			s.addPhrases(kind, list)
		}
	}
	for _, list := range set.Fillers {
		for _, f := range list {
			for _, t := range smallTalkTokens(f) {
				s.fillers[t] = true
			}
		}
	}
	s.sortPhrases()
	return s
}

// With returns a copy of s that also knows the extra phrasings, by kind
// (a collection's own, from its policy; Validate has checked the kinds).
func (s *SmallTalk) With(extra map[string][]string) *SmallTalk {
	if len(extra) == 0 {
		return s
	}
	c := &SmallTalk{phrases: append([]stPhrase(nil), s.phrases...), fillers: s.fillers, replies: s.replies}
	for kind, list := range extra {
		c.addPhrases(kind, list)
	}
	c.sortPhrases()
	return c
}

// Validate reports a kind that is not a small-talk kind, or a reply in a
// language other than en and zh.
func (r SmallTalkRules) Validate() error {
	for kind := range r.Phrases {
		if !slices.Contains(smallTalkPriority, kind) {
			return fmt.Errorf("small talk kind %q: want one of %v: %w", kind, smallTalkPriority, kb.ErrInvalid)
		}
	}
	for kind, byLang := range r.Replies {
		if !slices.Contains(smallTalkPriority, kind) {
			return fmt.Errorf("small talk kind %q: want one of %v: %w", kind, smallTalkPriority, kb.ErrInvalid)
		}
		for lang := range byLang {
			if lang != "en" && lang != "zh" {
				return fmt.Errorf("small talk reply language %q: want en or zh: %w", lang, kb.ErrInvalid)
			}
		}
	}
	return nil
}

func (s *SmallTalk) addPhrases(kind string, list []string) {
	for _, p := range list {
		if toks := smallTalkTokens(p); len(toks) > 0 {
			s.phrases = append(s.phrases, stPhrase{toks, kind})
		}
	}
}

func (s *SmallTalk) sortPhrases() {
	sort.SliceStable(s.phrases, func(i, j int) bool { return len(s.phrases[i].tokens) > len(s.phrases[j].tokens) })
}

// Kind returns the small-talk kind of text, or "" when it is not only
// small talk.
func (s *SmallTalk) Kind(text string) string {
	toks := smallTalkTokens(text)
	if len(toks) == 0 || len(toks) > 16 {
		return ""
	}
	found := map[string]bool{}
	for i := 0; i < len(toks); {
		n, kind := s.match(toks[i:])
		switch {
		case n > 0:
			found[kind] = true
			i += n
		case s.fillers[toks[i]]:
			i++
		default:
			return ""
		}
	}
	for _, k := range smallTalkPriority {
		if found[k] {
			return k
		}
	}
	return "" // fillers alone ("so", "the")
}

// match returns the length and kind of the longest phrasing toks starts with.
func (s *SmallTalk) match(toks []string) (int, string) {
	for _, p := range s.phrases {
		if len(p.tokens) <= len(toks) && slices.Equal(p.tokens, toks[:len(p.tokens)]) {
			return len(p.tokens), p.kind
		}
	}
	return 0, ""
}

// Reply returns the built-in reply to a small-talk kind in lang ("en" or
// "zh"); custom, when it has the kind in lang, wins.
func (s *SmallTalk) Reply(kind, lang string, custom map[string]map[string]string) string {
	if r := custom[kind][lang]; r != "" {
		return r
	}
	if lang != "zh" {
		lang = "en"
	}
	return s.replies[kind][lang]
}

// smallTalkTokens splits text into lower-case words, each Han character
// its own token, with punctuation, symbols and emoji dropped, apostrophes
// kept inside words and runs of one letter squeezed to one ("hiii",
// "thaaanks", "嗯嗯嗯" stays "嗯嗯" through its phrasing being squeezed too).
func smallTalkTokens(text string) []string {
	var toks []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			toks = append(toks, string(word))
			word = word[:0]
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if n := len(toks); n > 0 && toks[n-1] == string(r) && (n < 2 || toks[n-2] == string(r)) {
				continue // 嗯嗯嗯 -> 嗯嗯
			}
			toks = append(toks, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if n := len(word); n > 0 && word[n-1] == r && unicode.IsLetter(r) {
				continue
			}
			word = append(word, r)
		case r == '\'' || r == '’':
			if len(word) > 0 {
				word = append(word, '\'')
			}
		default:
			flush()
		}
	}
	flush()
	for i, t := range toks {
		toks[i] = strings.TrimRight(t, "'")
	}
	return toks
}
