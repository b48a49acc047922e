package escalate

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestSmallTalkKind(t *testing.T) {
	s := DefaultSmallTalk()
	tests := []struct {
		name, text, want string
	}{
		{"greeting en", "Hello!", SmallTalkGreeting},
		{"greeting zh", "你好", SmallTalkGreeting},
		{"drawn out", "hiiiii", SmallTalkGreeting},
		{"thanks en", "Thanks a lot!", SmallTalkThanks},
		{"thanks zh", "谢谢", SmallTalkThanks},
		{"ends on goodbye", "thanks, bye", SmallTalkGoodbye},
		{"bot zh", "你是机器人吗", SmallTalkBot},
		{"ack zh", "嗯", SmallTalkAck},
		{"presence zh", "在吗", SmallTalkGreeting},
		{"question after greeting", "hi, where is my order?", ""},
		{"question zh after greeting", "你好，怎么退款", ""},
		{"fillers only", "so very", ""},
		{"empty", "  ?! ", ""},
		{"real question", "How do I close my account?", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Kind(tt.text); got != tt.want {
				t.Errorf("Kind(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestSmallTalkHeldOut checks phrasings the built-in set does not list
// as written: every one is recognised, as its kind.
func TestSmallTalkHeldOut(t *testing.T) {
	s := DefaultSmallTalk()
	n := 0
	for _, line := range readLines(t, "testdata/smalltalk_heldout.tsv") {
		kind, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		n++
		if got := s.Kind(text); got != kind {
			t.Errorf("Kind(%q) = %q, want %q", text, got, kind)
		}
	}
	if n < 80 {
		t.Fatalf("held-out set has %d phrasings, want at least 80", n)
	}
}

func TestSmallTalkNotQuestions(t *testing.T) {
	s := DefaultSmallTalk()
	for _, q := range readLines(t, "testdata/smalltalk_questions.txt") {
		if k := s.Kind(q); k != "" {
			t.Errorf("question %q taken for small talk (%s)", q, k)
		}
	}
}

func TestSmallTalkBuiltInSize(t *testing.T) {
	s := DefaultSmallTalk()
	// At least 50 phrasings a language: count by script.
	var en, zh int
	for _, p := range s.phrases {
		if strings.ContainsFunc(strings.Join(p.tokens, ""), func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			zh++
		} else {
			en++
		}
	}
	if en < 50 || zh < 50 {
		t.Errorf("built-in set has %d English and %d Chinese phrasings, want >= 50 each", en, zh)
	}
}

func TestSmallTalkCollectionRules(t *testing.T) {
	s := DefaultSmallTalk()
	if s.Kind("aloha") != "" {
		t.Fatal("aloha is not built in")
	}
	r := SmallTalkRules{Phrases: map[string][]string{SmallTalkGreeting: {"aloha"}},
		Replies: map[string]map[string]string{SmallTalkGreeting: {"en": "Aloha! Ask away."}}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.With(r.Phrases).Kind("Aloha!"); got != SmallTalkGreeting {
		t.Errorf("with the collection's phrasing: %q, want greeting", got)
	}
	if got := s.Reply(SmallTalkGreeting, "en", r.Replies); got != "Aloha! Ask away." {
		t.Errorf("custom reply: %q", got)
	}
	if got := s.Reply(SmallTalkGreeting, "zh", r.Replies); !strings.Contains(got, "您好") {
		t.Errorf("zh falls back to the built-in reply, got %q", got)
	}
	bad := SmallTalkRules{Phrases: map[string][]string{"weather": {"nice day"}}}
	if err := bad.Validate(); err == nil {
		t.Error("unknown kind accepted")
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}
