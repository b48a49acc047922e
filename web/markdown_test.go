package web

import (
	"strings"
	"testing"
)

func TestRenderMarkdownGFM(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"table", "| Plan | Price |\n|---|---|\n| Basic | 5 |\n", "<td>Basic</td>"},
		{"task list", "- [x] done\n- [ ] open\n", `<input checked="" disabled="" type="checkbox"`},
		{"strikethrough", "~~old~~ new", "<del>old</del>"},
		{"autolink", "see https://example.com/help", `<a href="https://example.com/help"`},
		{"hard wraps", "line one\nline two", "line one<br>"},
		{"chinese", "| 套餐 | 价格 |\n|---|---|\n| 基础 | 5 |\n", "<td>基础</td>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderMarkdown(tc.in); !strings.Contains(got, tc.want) {
				t.Errorf("renderMarkdown(%q) = %q, want it to hold %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRenderMarkdownSanitises(t *testing.T) {
	for _, in := range []string{
		"<script>alert(1)</script>",
		"[click](javascript:alert(1))",
		`<img src=x onerror="alert(1)">`,
		"<iframe src=\"https://evil.example\"></iframe>",
		`[x](https://example.com "t\" onclick=\"alert(1)")`,
	} {
		got := renderMarkdown(in)
		for _, bad := range []string{"<script", "javascript:", "onerror", "<iframe", "onclick"} {
			if strings.Contains(strings.ToLower(got), bad) {
				t.Errorf("renderMarkdown(%q) = %q, holds %q", in, got, bad)
			}
		}
	}
	if got := renderMarkdown("[help](https://example.com)"); !strings.Contains(got, `rel="nofollow noreferrer noopener" target="_blank"`) {
		t.Errorf("external link = %q, want it to open apart, with no referrer", got)
	}
}
