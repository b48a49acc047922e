package ingest

import (
	"reflect"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"english", "Hi there. How are you? Fine!", []string{"Hi there.", " How are you?", " Fine!"}},
		{"decimal point is not a sentence end", "Version 3.5 is out. Thanks.", []string{"Version 3.5 is out.", " Thanks."}},
		{"chinese", "你好。请问有什么可以帮您？好的；谢谢！", []string{"你好。", "请问有什么可以帮您？", "好的；", "谢谢！"}},
		{"closing quote stays with its sentence", "他说：“好的。”然后离开了。", []string{"他说：“好的。”", "然后离开了。"}},
		{"line breaks separate list items", "- one\n- two", []string{"- one\n", "- two"}},
		{"no terminator", "no end", []string{"no end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range sentences(tt.text) {
				got = append(got, tt.text[s.start:s.end])
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sentences(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
