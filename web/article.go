package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/batonhq/baton/kb"
)

// markdown renders article bodies and the bot's answers drawn from them;
// raw HTML and javascript: links are dropped (goldmark's defaults), so an
// article cannot inject script into a page.
var markdown = goldmark.New(goldmark.WithRendererOptions(html.WithHardWraps()))

// messageView is a message as the chat page gets it: the bot's answers,
// which are article text, also come rendered from Markdown.
type messageView struct {
	*kb.Message
	HTML string `json:"html,omitempty"`
}

func viewMessage(m *kb.Message) messageView {
	v := messageView{Message: m}
	if m.Role == kb.RoleBot {
		v.HTML = renderMarkdown(m.Text)
	}
	return v
}

func renderMarkdown(s string) string {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(s), &b); err != nil {
		return "" // the page falls back to the plain text
	}
	return b.String()
}

// articlePage shows one knowledge-base article: where a citation links to.
func (s *Server) articlePage(c *gin.Context) {
	// Article ids hold a slash (collection/name), hence the wildcard route.
	id := strings.TrimPrefix(c.Param("id"), "/")
	a, err := s.store.Article(c.Request.Context(), id)
	if err != nil {
		status := http.StatusInternalServerError
		if isNotFound(err) {
			status = http.StatusNotFound
		} else {
			s.log.Error("article page", "id", id, "err", err)
		}
		c.String(status, http.StatusText(status))
		return
	}
	var body bytes.Buffer
	if err := markdown.Convert([]byte(a.Body), &body); err != nil {
		s.fail(c, err)
		return
	}
	// The HTML comes from goldmark with unsafe HTML off.
	c.HTML(http.StatusOK, "article.html", gin.H{"Article": a, "Body": template.HTML(body.String())})
}
