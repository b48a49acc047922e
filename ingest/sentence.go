package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a byte range of a paragraph.
type span struct{ start, end int }

// splitParagraph cuts a paragraph into pieces of at most maxTokens at
// sentence ends, packing consecutive sentences together, and cuts by tokens
// any sentence that is itself over the limit.
func splitParagraph(p string, maxTokens int) []string {
	var spans []span
	for _, s := range sentences(p) {
		if Tokens(p[s.start:s.end]) <= maxTokens {
			spans = append(spans, s)
			continue
		}
		for _, h := range hardSplit(p[s.start:s.end], maxTokens) {
			spans = append(spans, span{s.start + h.start, s.start + h.end})
		}
	}
	var out []string
	start, end, tok := -1, 0, 0
	emit := func() {
		if t := strings.TrimSpace(p[start:end]); t != "" {
			out = append(out, t)
		}
	}
	for _, s := range spans {
		n := Tokens(p[s.start:s.end])
		if start >= 0 && tok+n > maxTokens {
			emit()
			start, tok = -1, 0
		}
		if start < 0 {
			start = s.start
		}
		end = s.end
		tok += n
	}
	if start >= 0 {
		emit()
	}
	return out
}

// sentences splits p after sentence-ending punctuation, keeping closing
// quotes and brackets with their sentence, and after line breaks, which in
// a paragraph usually separate list items. An ASCII full stop ends a
// sentence only before a space, so "3.5" and "v1.2" stay whole.
func sentences(p string) []span {
	var out []span
	start := 0
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		if !strings.ContainsRune(".!?。！？；\n", r) {
			continue
		}
		end := i
		for r != '\n' && end < len(p) {
			r, size := utf8.DecodeRuneInString(p[end:])
			if !strings.ContainsRune(".!?。！？；”’」』）)\"'", r) {
				break
			}
			end += size
		}
		if strings.ContainsRune(".!?", r) && end < len(p) {
			next, _ := utf8.DecodeRuneInString(p[end:])
			if !unicode.IsSpace(next) {
				i = end
				continue
			}
		}
		out = append(out, span{start, end})
		start, i = end, end
	}
	if start < len(p) {
		out = append(out, span{start, len(p)})
	}
	return out
}

// hardSplit cuts s into pieces of at most maxTokens tokens, always between
// tokens, never inside a word.
func hardSplit(s string, maxTokens int) []span {
	var out []span
	start, n, inWord := 0, 0, false
	for i, r := range s {
		begins := false
		switch {
		case unicode.Is(unicode.Han, r):
			begins, inWord = true, false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			begins, inWord = !inWord, true
		default:
			inWord = false
		}
		if !begins {
			continue
		}
		if n == maxTokens {
			out = append(out, span{start, i})
			start, n = i, 0
		}
		n++
	}
	return append(out, span{start, len(s)})
}
