package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
)

type createConversationRequest struct {
	Collection string `json:"collection"`
	Lang       string `json:"lang"`
	// Context is a signed customer context token from the host page.
	Context string `json:"context"`
	// Previous is the conversation this one goes on from, with its token
	// as proof that it is the same customer's.
	Previous *struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	} `json:"previous"`
}

func (s *Server) createConversation(c *gin.Context) {
	if s.convByAddr.throttled(c, c.ClientIP(), "too many new conversations from this address") {
		return
	}
	var req createConversationRequest
	if err := decodeJSON(c.Request.Body, &req, true); err != nil {
		s.fail(c, err)
		return
	}
	var cc *kb.CustomerContext
	if req.Context != "" {
		var err error
		if cc, err = VerifyContext(s.opts.ContextSecret, req.Context, time.Now()); err != nil {
			s.fail(c, err)
			return
		}
	}
	var previous *kb.Conversation
	if req.Previous != nil {
		var err error
		previous, err = s.bot.Authorize(c.Request.Context(), req.Previous.ID, req.Previous.Token)
		switch {
		case errors.Is(err, answer.ErrTokenExpired):
			// An expired token proves nothing: the new conversation
			// starts on its own.
			previous = nil
		case err != nil:
			s.fail(c, err)
			return
		}
	}
	conv, token, err := s.bot.StartAfter(c.Request.Context(), req.Collection, req.Lang, cc, previous)
	var unknown *answer.UnknownCollectionError
	if errors.As(err, &unknown) {
		body := errorBody(c, "not_found", unknown.Error())
		body["collections"] = unknown.Known
		c.JSON(http.StatusNotFound, body)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": conv.ID, "token": token, "collection": conv.Collection, "lang": conv.Lang})
}

type postMessageRequest struct {
	Text string `json:"text"`
}

func (s *Server) postMessage(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.msgByConv.throttled(c, conv.ID, "too many messages in this conversation") {
		return
	}
	var req postMessageRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		s.streamTurn(c, conv, req.Text)
		return
	}
	res, err := s.bot.Turn(c.Request.Context(), conv, req.Text)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.turnReply(c, conv, res)
}

// streamTurn answers a turn as Server-Sent Events: `delta` events carry a
// generated answer as the model writes it, then one `reply` event carries
// the same body as the JSON reply, whose text replaces the deltas. Until
// the first delta nothing is sent, so errors before it are plain JSON
// errors with their status.
func (s *Server) streamTurn(c *gin.Context, conv *kb.Conversation, text string) {
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		h := c.Writer.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		c.Writer.WriteHeader(http.StatusOK)
	}
	event := func(name string, v any) {
		start()
		b, _ := json.Marshal(v)
		fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", name, b)
		c.Writer.Flush()
	}
	res, err := s.bot.TurnStream(c.Request.Context(), conv, text, func(d string) { event("delta", gin.H{"text": d}) })
	if err != nil {
		if !started {
			s.fail(c, err)
			return
		}
		s.log.Error("streamed turn failed", "conversation", conv.ID, "err", err)
		event("error", errorBody(c, "internal", "internal error"))
		return
	}
	body, err := s.turnBody(c, conv, res)
	if err != nil {
		if !started {
			s.fail(c, err)
			return
		}
		event("error", errorBody(c, "internal", "internal error"))
		return
	}
	event("reply", body)
}

// turnReply answers a turn: the bot's reply (null when the conversation
// is with the team), the hand-off it opened, and the customer's place in
// the queue.
func (s *Server) turnReply(c *gin.Context, conv *kb.Conversation, res *answer.TurnResult) {
	body, err := s.turnBody(c, conv, res)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

func (s *Server) turnBody(c *gin.Context, conv *kb.Conversation, res *answer.TurnResult) (gin.H, error) {
	s.metrics.turn(conv, res)
	body := gin.H{"message_id": res.MessageID, "reply": nil, "reply_id": res.ReplyID, "handoff": nil, "state": nil}
	if !res.WithPerson {
		body["reply"] = res.Reply
		body["reply_html"] = renderMarkdown(res.Reply.Text)
	}
	if res.Handoff != nil {
		body["handoff"] = gin.H{"id": res.Handoff.ID, "reasons": res.Handoff.Reasons, "status": res.Handoff.Status}
	}
	if res.Handoff != nil || res.WithPerson {
		st, err := s.desk.State(c.Request.Context(), conv.ID)
		if err != nil {
			return nil, err
		}
		body["state"] = st
	}
	return body, nil
}

// requestPerson is the "talk to a person" button.
func (s *Server) requestPerson(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.bot.RequestPerson(c.Request.Context(), conv)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.turnReply(c, conv, res)
}

// welcome is a collection's greeting and starter questions for the chat
// page, in ?lang= (en or zh).
func (s *Server) welcome(c *gin.Context) {
	w, err := s.bot.Welcome(c.Request.Context(), c.Param("c"), c.Query("lang"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

// reopen takes a conversation an agent resolved back to the bot.
func (s *Server) reopen(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.bot.Reopen(c.Request.Context(), conv); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": conv.ID, "status": conv.Status})
}

// end closes the conversation at the customer's wish ("End chat"), and
// answers the state the page shows: ended, with the rating to give.
func (s *Server) end(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.bot.End(c.Request.Context(), conv); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.desk.State(c.Request.Context(), conv.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": conv.ID, "status": conv.Status, "state": st})
}

// handoffState is the customer's place in the queue.
func (s *Server) handoffState(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.desk.State(c.Request.Context(), conv.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"state": st})
}

type contactRequest struct {
	Contact string `json:"contact"`
}

// leaveContact keeps the customer's contact details with their hand-off
// when nobody could take it.
func (s *Server) leaveContact(c *gin.Context) {
	var req contactRequest
	conv, ok := s.authorizeWith(c, &req)
	if !ok {
		return
	}
	st, err := s.desk.LeaveContact(c.Request.Context(), conv.ID, req.Contact)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"state": st})
}

type feedbackRequest struct {
	Value *int `json:"value"`
}

// feedback stores the customer's thumbs (1 up, -1 down, 0 withdrawn) on
// one of the bot's answers in their conversation.
func (s *Server) feedback(c *gin.Context) {
	var req feedbackRequest
	conv, ok := s.authorizeWith(c, &req)
	if !ok {
		return
	}
	if req.Value == nil || *req.Value < -1 || *req.Value > 1 {
		s.fail(c, fmt.Errorf("value must be 1, -1 or 0: %w", kb.ErrInvalid))
		return
	}
	if err := s.bot.Feedback(c.Request.Context(), conv, c.Param("mid"), *req.Value); err != nil {
		s.fail(c, err)
		return
	}
	s.metrics.feedback.WithLabelValues(strconv.Itoa(*req.Value)).Inc()
	c.JSON(http.StatusOK, gin.H{"value": *req.Value})
}

type ratingRequest struct {
	Score   *int   `json:"score"`
	Comment string `json:"comment"`
}

// rate stores the customer's satisfaction score (1-5) and optional
// comment for their conversation; rating again replaces it.
func (s *Server) rate(c *gin.Context) {
	var req ratingRequest
	conv, ok := s.authorizeWith(c, &req)
	if !ok {
		return
	}
	if req.Score == nil {
		s.fail(c, fmt.Errorf("score is missing: give 1 to 5: %w", kb.ErrInvalid))
		return
	}
	r, err := s.bot.Rate(c.Request.Context(), conv, *req.Score, strings.TrimSpace(req.Comment))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"score": r.Score, "comment": r.Comment})
}

func (s *Server) listMessages(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	msgs, err := s.bot.Store.Messages(c.Request.Context(), conv.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	views := make([]customerMessage, len(msgs))
	for i, m := range msgs {
		views[i] = viewCustomerMessage(m)
	}
	c.JSON(http.StatusOK, gin.H{"conversation": conv, "messages": views})
}

// authorizeWith authorizes the customer's request (authorize) and decodes
// its JSON body into req; on failure it has answered and reports false.
func (s *Server) authorizeWith(c *gin.Context, req any) (*kb.Conversation, bool) {
	conv, err := s.authorize(c)
	if err == nil {
		err = decodeJSON(c.Request.Body, req, false)
	}
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return conv, true
}

// authorize checks the customer's bearer token against the conversation
// in the path: unknown conversation 404, wrong or missing token 403.
func (s *Server) authorize(c *gin.Context) (*kb.Conversation, error) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		token = ""
	}
	return s.bot.Authorize(c.Request.Context(), c.Param("id"), strings.TrimSpace(token))
}

// decodeJSON decodes one JSON object, rejecting unknown fields; an empty
// body is allowed only when allowEmpty is set.
func decodeJSON(r io.Reader, v any, allowEmpty bool) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) && allowEmpty:
		return nil
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return fmt.Errorf("request body is empty; send a JSON object: %w", kb.ErrInvalid)
	default:
		return fmt.Errorf("request body is not valid JSON for this endpoint: %v: %w", err, kb.ErrInvalid)
	}
}
