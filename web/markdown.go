package web

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// markdown renders article bodies, the bot's answers drawn from them and
// the passages in a hand-off packet: GitHub-flavoured (tables, task lists,
// autolinks, strikethrough), with hard line breaks as editors type them.
// goldmark already drops raw HTML; sanitize is the allow-list that stands
// between an article and the page whatever the renderer lets through.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// sanitize keeps what user-generated content may hold (links, lists,
// tables, code, emphasis); task-list check boxes stay, disabled, because
// GFM renders them as inputs.
var sanitize = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("input")
	p.AllowAttrs("type").Matching(bluemonday.SpaceSeparatedTokens).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// renderMarkdown returns s as sanitised HTML, or "" if it cannot be
// rendered (the pages then fall back to the plain text).
func renderMarkdown(s string) string {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(s), &b); err != nil {
		return ""
	}
	return sanitize.Sanitize(b.String())
}
