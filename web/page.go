package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

func (s *Server) chatPage(c *gin.Context) {
	coll := c.DefaultQuery("collection", kb.DefaultCollection)
	c.HTML(http.StatusOK, "chat.html", gin.H{"Collection": coll, "Embed": c.Query("embed") == "1"})
}

func (s *Server) loginPage(c *gin.Context) {
	c.HTML(http.StatusOK, "login.html", gin.H{"Next": localPath(c.Query("next"), "/console")})
}

// localPath returns next as a path on this site, or def when it is not
// plainly one: no scheme or host, one leading slash, and no control
// character or backslash anywhere (browsers drop tabs and newlines and
// read \ as /, so "/\t/evil.example" would leave the site). The result
// is rebuilt from its parsed parts, so it means what was checked.
func localPath(next, def string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return def
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return def
	}
	out := u.EscapedPath()
	if strings.HasPrefix(out, "//") {
		return def
	}
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
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

// adminPage is the admin console: staff accounts and their keys.
func (s *Server) adminPage(c *gin.Context) {
	u := currentUser(c)
	csrf, _ := c.Get("baton.csrf")
	var readOnly string
	if !s.policiesManaged() {
		readOnly = policyFileMessage
	}
	c.HTML(http.StatusOK, "admin.html", gin.H{"User": u, "CSRF": csrf,
		"Collections": s.policyCollections(c.Request.Context()), "PolicyReadOnly": readOnly, "Topics": escalate.Topics()})
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
