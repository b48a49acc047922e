package onnx

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTokenizerMatchesReference compares against ids from the model's own
// tokenizer (reference_test.go, made by scripts/tokenizer-reference.mjs).
func TestTokenizerMatchesReference(t *testing.T) {
	dir := requireModel(t)
	vocab, err := LoadVocab(filepath.Join(dir, VocabFile))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := NewTokenizer(vocab)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range referenceCases {
		t.Run(tc.name, func(t *testing.T) {
			got := tok.Encode(tc.text, tc.maxLen)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Encode(%q, %d)\n got %v\nwant %v", tc.text, tc.maxLen, got, tc.want)
			}
		})
	}
}

// tinyVocab is small enough to reason about each rule by hand.
var tinyVocab = Vocab{
	"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3,
	"un": 4, "##aff": 5, "##able": 6, "hello": 7, ",": 8, "退": 9, "款": 10,
	"cafe": 11, "!": 12, "a": 13, "##a": 14, "$": 15, "5": 16, "hell": 17, "##o": 18,
	"##ffable": 19, "una": 20,
}

func TestTokenizerRules(t *testing.T) {
	tok, err := NewTokenizer(tinyVocab)
	if err != nil {
		t.Fatal(err)
	}
	hundred := append(append([]int64{2, 13}, slices.Repeat([]int64{14}, 99)...), 3)
	tests := []struct {
		name   string
		text   string
		maxLen int
		want   []int64
	}{
		{"longest piece first", "unaffable", 0, []int64{2, 20, 19, 3}},
		{"continuation pieces", "hello hellooo", 0, []int64{2, 7, 7, 18, 18, 3}},
		{"no backtracking after a dead end", "unaff", 0, []int64{2, 1, 3}},
		{"whole word unknown when a piece is missing", "unax hello", 0, []int64{2, 1, 7, 3}},
		{"capitals and accents folded", "CAFÉ, Hello!", 0, []int64{2, 11, 8, 7, 12, 3}},
		{"cjk split from latin", "退款hello", 0, []int64{2, 9, 10, 7, 3}},
		{"ascii symbols split", "$5", 0, []int64{2, 15, 16, 3}},
		{"control characters dropped", "hel\u200blo\tca\u00adfe\u0000", 0, []int64{2, 7, 11, 3}},
		{"word of 100 characters kept", strings.Repeat("a", 100), 0, hundred},
		{"word of 101 characters unknown", strings.Repeat("a", 101), 0, []int64{2, 1, 3}},
		{"empty", "", 0, []int64{2, 3}},
		{"only spaces", " \t\n ", 0, []int64{2, 3}},
		{"truncation keeps sep", "hello hello hello hello", 4, []int64{2, 7, 7, 3}},
		{"truncation inside a word", "hellooo", 4, []int64{2, 7, 18, 3}},
		{"max length below 3 means 512", "hello", 1, []int64{2, 7, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tok.Encode(tc.text, tc.maxLen)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Encode(%q, %d)\n got %v\nwant %v", tc.text, tc.maxLen, got, tc.want)
			}
		})
	}
}

func TestTokenizerCapsAtModelLimit(t *testing.T) {
	tok, err := NewTokenizer(tinyVocab)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("hello ", 600)
	for _, maxLen := range []int{0, 512, 4096} {
		got := tok.Encode(long, maxLen)
		if len(got) != MaxLen || got[0] != 2 || got[len(got)-1] != 3 {
			t.Errorf("Encode(600 words, %d): got %d ids from %d to %d, want %d from [CLS] to [SEP]",
				maxLen, len(got), got[0], got[len(got)-1], MaxLen)
		}
	}
}

func TestNewTokenizerNeedsSpecialTokens(t *testing.T) {
	for _, special := range []string{"[CLS]", "[SEP]", "[UNK]", "[PAD]"} {
		t.Run(special, func(t *testing.T) {
			v := Vocab{}
			for k, id := range tinyVocab {
				if k != special {
					v[k] = id
				}
			}
			_, err := NewTokenizer(v)
			if err == nil || !strings.Contains(err.Error(), special) {
				t.Errorf("NewTokenizer without %s: got error %v, want one naming it", special, err)
			}
		})
	}
}

func TestLoadVocab(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vocab.txt")
	if err := os.WriteFile(path, []byte("[PAD]\r\n[UNK]\nhello\n##lo\nhello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadVocab(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Vocab{"[PAD]": 0, "[UNK]": 1, "hello": 2, "##lo": 3}
	if len(got) != len(want) {
		t.Errorf("LoadVocab: got %v, want %v", got, want)
	}
	for tok, id := range want {
		if got[tok] != id {
			t.Errorf("LoadVocab: %q got id %d, want %d", tok, got[tok], id)
		}
	}

	if _, err := LoadVocab(filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("LoadVocab(missing file): got nil error, want one")
	}
}
