package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/kb"
)

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

// customerMessage is a message as the customer's own transcript shows it:
// what was said and answered, without the trigger signals (the sentiment
// score of their own words, the rephrase flag) that only agents need.
type customerMessage struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Role           string    `json:"role"`
	Text           string    `json:"text"`
	HTML           string    `json:"html,omitempty"`
	Reply          *kb.Reply `json:"reply,omitempty"`
	Author         string    `json:"author,omitempty"`
	Feedback       int       `json:"feedback"`
	CreatedAt      time.Time `json:"created_at"`
}

func viewCustomerMessage(m *kb.Message) customerMessage {
	v := customerMessage{ID: m.ID, ConversationID: m.ConversationID, Role: m.Role, Text: m.Text, Reply: m.Reply, Author: m.Author, Feedback: m.Feedback, CreatedAt: m.CreatedAt}
	if m.Role == kb.RoleBot {
		v.HTML = renderMarkdown(m.Text)
	}
	return v
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
	// renderMarkdown's HTML is sanitised against an allow-list.
	c.HTML(http.StatusOK, "article.html", gin.H{"Article": a, "Body": template.HTML(renderMarkdown(a.Body))})
}

type previewRequest struct {
	Text string `json:"text"`
}

// preview renders an editor's Markdown as the customer will see it.
func (s *Server) preview(c *gin.Context) {
	var req previewRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"html": renderMarkdown(req.Text)})
}
