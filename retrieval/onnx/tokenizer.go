package onnx

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxLen is the longest input the model takes, [CLS] and [SEP] included.
const MaxLen = 512

// maxWordChars is BERT's limit: a longer word becomes one [UNK] rather than
// a costly greedy WordPiece search.
const maxWordChars = 100

// Vocab maps WordPiece tokens (continuations spelt with a leading "##") to
// their ids.
type Vocab map[string]int64

// LoadVocab reads a BERT vocab.txt: one token a line, its id the line number
// counted from zero.
func LoadVocab(path string) (Vocab, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load vocab: %w", err)
	}
	defer f.Close()
	v := Vocab{}
	sc := bufio.NewScanner(f)
	for id := int64(0); sc.Scan(); id++ {
		tok := strings.TrimRight(sc.Text(), "\r")
		if _, dup := v[tok]; !dup { // the first id wins, as in HF tokenizers
			v[tok] = id
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load vocab %s: %w", path, err)
	}
	return v, nil
}

// Tokenizer is BERT's uncased WordPiece tokenizer. It lower-cases and strips
// accents even though bge-small-zh's tokenizer.json does not ask for it: the
// vocabulary has no capitals, so cased input would mostly become [UNK].
// A Tokenizer is safe for concurrent use.
type Tokenizer struct {
	whole              map[string]int64 // word-initial pieces
	cont               map[string]int64 // "##" pieces, stored without the prefix
	cls, sep, unk, pad int64
}

// NewTokenizer returns a tokenizer over v, which must hold [CLS], [SEP],
// [UNK] and [PAD].
func NewTokenizer(v Vocab) (*Tokenizer, error) {
	t := &Tokenizer{whole: map[string]int64{}, cont: map[string]int64{}}
	for tok, id := range v {
		if rest, ok := strings.CutPrefix(tok, "##"); ok && rest != "" {
			t.cont[rest] = id
		} else {
			t.whole[tok] = id
		}
	}
	for _, s := range []struct {
		tok string
		dst *int64
	}{{"[CLS]", &t.cls}, {"[SEP]", &t.sep}, {"[UNK]", &t.unk}, {"[PAD]", &t.pad}} {
		id, ok := v[s.tok]
		if !ok {
			return nil, fmt.Errorf("new tokenizer: vocab has no %s", s.tok)
		}
		*s.dst = id
	}
	return t, nil
}

// Encode returns the token ids of text framed by [CLS] and [SEP], cut to at
// most maxLen ids; maxLen below 3 or above MaxLen means MaxLen.
func (t *Tokenizer) Encode(text string, maxLen int) []int64 {
	if maxLen < 3 || maxLen > MaxLen {
		maxLen = MaxLen
	}
	ids := make([]int64, 1, min(maxLen, len(text)+2))
	ids[0] = t.cls
	for _, w := range basicTokens(text) {
		ids = t.wordPiece(ids, w)
		if len(ids) >= maxLen-1 {
			ids = ids[:maxLen-1]
			break
		}
	}
	return append(ids, t.sep)
}

// wordPiece appends the ids of word, split greedily longest-match-first.
func (t *Tokenizer) wordPiece(ids []int64, word string) []int64 {
	if utf8.RuneCountInString(word) > maxWordChars {
		return append(ids, t.unk)
	}
	n := len(ids)
	for start := 0; start < len(word); {
		vocab := t.whole
		if start > 0 {
			vocab = t.cont
		}
		end, id := len(word), int64(-1)
		for end > start {
			if v, ok := vocab[word[start:end]]; ok {
				id = v
				break
			}
			_, size := utf8.DecodeLastRuneInString(word[start:end])
			end -= size
		}
		if id < 0 {
			return append(ids[:n], t.unk)
		}
		ids = append(ids, id)
		start = end
	}
	return ids
}

// basicTokens normalises text and splits it into words the way BERT's basic
// tokenizer does: drop control characters, lower-case, strip accents, then
// split on whitespace, around every punctuation mark and every CJK ideograph.
func basicTokens(text string) []string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range norm.NFD.String(strings.ToLower(text)) {
		switch {
		case r == 0 || r == utf8.RuneError || isControl(r) || unicode.Is(unicode.Mn, r):
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case isPunct(r) || isCJK(r):
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Fields(b.String())
}

// isControl reports the characters BERT deletes; tab and newlines are
// whitespace instead.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

// isPunct counts all ASCII symbols as punctuation, as BERT does, so "$5" and
// "a+b" split like "5," does.
func isPunct(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r < 0x7f && !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}
	return unicode.IsPunct(r)
}

// isCJK reports the CJK Unified Ideographs blocks that BERT tokenizes one
// character at a time (kana and hangul are not among them).
func isCJK(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF ||
		r >= 0x3400 && r <= 0x4DBF ||
		r >= 0x20000 && r <= 0x2A6DF ||
		r >= 0x2A700 && r <= 0x2B73F ||
		r >= 0x2B740 && r <= 0x2B81F ||
		r >= 0x2B820 && r <= 0x2CEAF ||
		r >= 0xF900 && r <= 0xFAFF ||
		r >= 0x2F800 && r <= 0x2FA1F
}
