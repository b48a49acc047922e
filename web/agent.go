package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
)

// queueItem is a hand-off as the queue shows it.
type queueItem struct {
	*kb.Handoff
	Holder      string  `json:"holder,omitempty"`
	WaitSeconds int     `json:"wait_seconds"`
	Preview     string  `json:"preview"`  // the latest customer message
	Negative    float64 `json:"negative"` // its probability of negative sentiment
}

// listHandoffs is the queue: waiting hand-offs by priority then wait,
// then those held by agents.
func (s *Server) listHandoffs(c *gin.Context) {
	ctx := c.Request.Context()
	q, err := s.desk.QueueFor(ctx, currentUser(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	names := map[string]string{}
	items := make([]queueItem, 0, len(q))
	for _, h := range q {
		it := queueItem{Handoff: h, WaitSeconds: int(time.Since(h.CreatedAt).Seconds())}
		if h.ClaimedBy != "" {
			if _, ok := names[h.ClaimedBy]; !ok {
				if u, err := s.store.User(ctx, h.ClaimedBy); err == nil {
					names[h.ClaimedBy] = u.Name
				}
			}
			it.Holder = names[h.ClaimedBy]
		}
		msgs, err := s.store.Messages(ctx, h.ConversationID)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, m := range msgs {
			if m.Role == kb.RoleCustomer {
				it.Preview, it.Negative = m.Text, m.Negative
			}
		}
		items = append(items, it)
	}
	online, err := s.desk.OnlineAgents(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"handoffs": items, "agents_online": online})
}

// packetView is a packet as the console gets it: the bot's turns come
// rendered from Markdown, as the customer saw them.
type packetView struct {
	*answer.Packet
	Messages []messageView `json:"messages"`
}

// packet is the hand-off packet: transcript, reasons, passages, draft.
func (s *Server) packet(c *gin.Context) {
	ctx := c.Request.Context()
	h, err := s.store.Handoff(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.desk.Allowed(ctx, currentUser(c), h); err != nil {
		s.fail(c, err)
		return
	}
	// ?lang= is the console's language, which the summary is written in.
	lang := c.Query("lang")
	if lang != "zh" && lang != "en" {
		lang = ""
	}
	p, err := s.bot.Packet(ctx, h, lang)
	if err != nil {
		s.fail(c, err)
		return
	}
	for i := range p.Passages {
		p.Passages[i].HTML = renderMarkdown(p.Passages[i].Text)
	}
	msgs := make([]messageView, len(p.Messages))
	for i, m := range p.Messages {
		msgs[i] = viewMessage(m)
	}
	c.JSON(http.StatusOK, packetView{Packet: p, Messages: msgs})
}

func (s *Server) claim(c *gin.Context) {
	h, err := s.desk.Claim(c.Request.Context(), currentUser(c), c.Param("id"))
	s.handoffReply(c, h, err)
}

func (s *Server) release(c *gin.Context) {
	h, err := s.desk.Release(c.Request.Context(), currentUser(c), c.Param("id"))
	s.handoffReply(c, h, err)
}

// transferRequest names the agent (to) or the team (team, an id) a
// hand-off goes to: exactly one of them.
type transferRequest struct {
	To   string `json:"to"`
	Team string `json:"team"`
}

func (s *Server) transfer(c *gin.Context) {
	var req transferRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	var h *kb.Handoff
	var err error
	switch {
	case req.To == "" && req.Team == "":
		err = fmt.Errorf("transfer: name an agent (to) or a team (team): %w", kb.ErrInvalid)
	case req.To != "" && req.Team != "":
		err = fmt.Errorf("transfer: name an agent (to) or a team (team), not both: %w", kb.ErrInvalid)
	case req.Team != "":
		h, err = s.desk.TransferToTeam(c.Request.Context(), currentUser(c), c.Param("id"), req.Team)
	default:
		h, err = s.desk.Transfer(c.Request.Context(), currentUser(c), c.Param("id"), req.To)
	}
	s.handoffReply(c, h, err)
}

type closeRequest struct {
	Outcome string `json:"outcome"`
}

// closeHandoff resolves a hand-off or returns it to the bot, with the
// agent's verdict on the bot.
func (s *Server) closeHandoff(status string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req closeRequest
		if err := decodeJSON(c.Request.Body, &req, true); err != nil {
			s.fail(c, err)
			return
		}
		h, err := s.desk.Close(c.Request.Context(), currentUser(c), c.Param("id"), status, req.Outcome)
		s.handoffReply(c, h, err)
	}
}

func (s *Server) handoffReply(c *gin.Context, h *kb.Handoff, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"handoff": h})
}

type replyRequest struct {
	Text string `json:"text"`
}

// agentReply sends the holder's message to the customer.
func (s *Server) agentReply(c *gin.Context) {
	var req replyRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.desk.Reply(c.Request.Context(), currentUser(c), c.Param("id"), req.Text)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"message": m})
}

func (s *Server) presence(c *gin.Context) {
	ps, err := s.store.Presences(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	if ps == nil {
		ps = []*kb.Presence{}
	}
	c.JSON(http.StatusOK, gin.H{"presence": ps})
}

type presenceRequest struct {
	Status string `json:"status"`
}

func (s *Server) setPresence(c *gin.Context) {
	var req presenceRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.desk.SetPresence(c.Request.Context(), currentUser(c), req.Status); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": req.Status})
}
