package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/kb"
)

func (s *Server) chatPage(c *gin.Context) {
	coll := c.DefaultQuery("collection", kb.DefaultCollection)
	c.HTML(http.StatusOK, "chat.html", gin.H{"Collection": coll, "Embed": c.Query("embed") == "1"})
}

func (s *Server) loginPage(c *gin.Context) {
	next := c.Query("next")
	if len(next) == 0 || next[0] != '/' || (len(next) > 1 && (next[1] == '/' || next[1] == '\\')) {
		next = "/console" // only local paths: no open redirect
	}
	c.HTML(http.StatusOK, "login.html", gin.H{"Next": next})
}

func (s *Server) consolePage(c *gin.Context) {
	u := currentUser(c)
	csrf, _ := c.Get("baton.csrf")
	c.HTML(http.StatusOK, "console.html", gin.H{"User": u, "CSRF": csrf})
}

func (s *Server) editorPage(c *gin.Context) {
	u := currentUser(c)
	csrf, _ := c.Get("baton.csrf")
	c.HTML(http.StatusOK, "editor.html", gin.H{"User": u, "CSRF": csrf})
}

// insightsPage is the misses inbox and the analytics, for editors (who
// fix misses) and agents (who read them).
func (s *Server) insightsPage(c *gin.Context) {
	u := currentUser(c)
	csrf, _ := c.Get("baton.csrf")
	c.HTML(http.StatusOK, "insights.html", gin.H{"User": u, "CSRF": csrf})
}

// widget serves the embeddable chat launcher; a host page adds
// <script src="https://baton.example/widget.js" data-collection="shop"></script>.
func (s *Server) widget(c *gin.Context) {
	b, err := static.ReadFile("static/widget.js")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", b)
}
