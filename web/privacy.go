package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The privacy API: an admin exports or erases what is stored of one
// conversation, or of one customer (by the customer id of the signed
// context). Every call is audited by the desk.

func (s *Server) exportConversation(c *gin.Context) {
	e, err := s.desk.ExportConversation(c.Request.Context(), currentUser(c).Name, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

func (s *Server) eraseConversation(c *gin.Context) {
	e, err := s.desk.EraseConversation(c.Request.Context(), currentUser(c).Name, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.log.Info("conversation erased", "conversation", c.Param("id"), "by", currentUser(c).Name)
	c.JSON(http.StatusOK, e)
}

func (s *Server) exportCustomer(c *gin.Context) {
	e, err := s.desk.ExportCustomer(c.Request.Context(), currentUser(c).Name, c.Param("customer_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

func (s *Server) eraseCustomer(c *gin.Context) {
	e, err := s.desk.EraseCustomer(c.Request.Context(), currentUser(c).Name, c.Param("customer_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	// The customer id is theirs too: the log names the erased conversations.
	s.log.Info("customer erased", "conversations", e.Conversations, "by", currentUser(c).Name)
	c.JSON(http.StatusOK, e)
}
