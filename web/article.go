package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/yuin/goldmark"
)

// markdown renders article bodies; raw HTML in them is dropped (goldmark's
// default), so an article cannot inject script into the page.
var markdown = goldmark.New()

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
