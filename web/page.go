package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/kb"
)

func (s *Server) chatPage(c *gin.Context) {
	coll := c.DefaultQuery("collection", kb.DefaultCollection)
	c.HTML(http.StatusOK, "chat.html", gin.H{"Collection": coll})
}
