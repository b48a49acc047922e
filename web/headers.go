package web

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// contentPolicy is the Content-Security-Policy of every page: scripts,
// styles and connections only from Baton itself (no inline script or
// style attribute anywhere), images also from https (articles may show
// hosted pictures); frame-ancestors is added per page.
const contentPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "

// securityHeaders sets the headers every answer carries. Only the
// customer's pages (the chat and the articles an answer links to, which
// open in the widget's frame) may be framed, and only by FrameAncestors
// (any site when none are configured: the widget goes on shops' pages);
// the consoles and login never are.
func (s *Server) securityHeaders() gin.HandlerFunc {
	chatAncestors := "*"
	if len(s.opts.FrameAncestors) > 0 {
		chatAncestors = strings.Join(s.opts.FrameAncestors, " ")
	}
	chatPolicy, pagePolicy := contentPolicy+chatAncestors, contentPolicy+"'none'"
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if p := c.Request.URL.Path; p == "/chat" || strings.HasPrefix(p, "/articles/") {
			h.Set("Content-Security-Policy", chatPolicy)
			return
		}
		h.Set("Content-Security-Policy", pagePolicy)
		h.Set("X-Frame-Options", "DENY")
	}
}
