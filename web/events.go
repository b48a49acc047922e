package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// heartbeat keeps idle streams open through proxies and, for consoles,
// keeps the agent's presence fresh.
const heartbeat = 25 * time.Second

// customerEvents streams a conversation's live events to its customer:
// agent messages, and their place in the queue. The token comes in the
// Authorization header (the page reads the stream with fetch), so it
// never appears in URLs or logs.
func (s *Server) customerEvents(c *gin.Context) {
	conv, err := s.authorize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	events, cancel := s.desk.Events.Subscribe(conv.ID)
	defer cancel()
	state, err := s.desk.State(c.Request.Context(), conv.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.stream(c, events, []escalate.Event{{Type: escalate.EventState, ConversationID: conv.ID, Data: state}}, nil, nil, func(m *kb.Message) any { return viewCustomerMessage(m) },
		func(e escalate.Event) bool { return e.Type == escalate.EventErased })
}

// staffEvents streams every event to a console; the agent console asks
// (?presence=1) for the stream to keep its agent's presence fresh.
func (s *Server) staffEvents(c *gin.Context) {
	u := currentUser(c)
	events, cancel := s.desk.Events.Subscribe("")
	defer cancel()
	touch := func() {
		if u.Role == kb.UserEditor || c.Query("presence") != "1" {
			return // only the agent console keeps its user online
		}
		if err := s.desk.Touch(c.Request.Context(), u); err != nil {
			s.log.Warn("presence not refreshed", "user", u.Name, "err", err)
		}
	}
	touch()
	sc, err := s.desk.Scope(c.Request.Context(), u)
	if err != nil {
		s.fail(c, err)
		return
	}
	sees := s.staffSees(c.Request.Context(), sc)
	keep := func(e escalate.Event) bool {
		if e.Type == escalate.EventRouted {
			h, ok := eventHandoff(e)
			return ok && h.RoutedTo == u.ID
		}
		return sees(e)
	}
	s.stream(c, events, []escalate.Event{{Type: escalate.EventQueue}}, touch, keep, func(m *kb.Message) any { return viewMessage(m) },
		func(e escalate.Event) bool { return e.Type == escalate.EventAccount && e.UserID() == u.ID })
}

// staffSees keeps, of the live events, those about hand-offs and
// conversations within an agent's scope (their teams' collections); the
// rest (queue, jobs, accounts) carry nothing of a conversation. The scope
// is read when the stream opens; a team change ends the members' streams
// (an account event), so they reopen under the new one.
func (s *Server) staffSees(ctx context.Context, sc *escalate.Scope) func(escalate.Event) bool {
	// latest is each conversation's hand-off as last seen on the stream
	// (or a stand-in with its collection when it has none), so that the
	// messages of one transferred to a team go to that team only.
	latest := map[string]*kb.Handoff{}
	return func(e escalate.Event) bool {
		if e.Type == escalate.EventHandoff {
			h, ok := eventHandoff(e)
			if !ok {
				return false
			}
			latest[h.ConversationID] = h
			return sc.Allows(h)
		}
		if e.ConversationID == "" {
			return true
		}
		h, ok := latest[e.ConversationID]
		if !ok {
			conv, err := s.store.Conversation(ctx, e.ConversationID)
			if err != nil {
				return e.Type == escalate.EventErased // gone: consoles drop it
			}
			h = &kb.Handoff{Collection: conv.Collection}
			if hs, err := s.store.Handoffs(ctx, kb.HandoffFilter{ConversationID: conv.ID, Limit: 1}); err == nil && len(hs) > 0 {
				h = hs[0]
			}
			latest[e.ConversationID] = h
		}
		return sc.Allows(h)
	}
}

// eventHandoff is a copy of the hand-off an event carries, from this
// node (*kb.Handoff) or another (JSON).
func eventHandoff(e escalate.Event) (*kb.Handoff, bool) {
	h := new(kb.Handoff)
	switch d := e.Data.(type) {
	case *kb.Handoff:
		*h = *d
	case json.RawMessage:
		if json.Unmarshal(d, h) != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	return h, true
}

// stream writes Server-Sent Events until the client goes away: first the
// initial events, then live ones (those keep reports true for, all when
// nil), with a comment every heartbeat. Messages
// go out as view shows them to this reader (agent or customer). An event
// end reports true for, once sent, ends the stream.
func (s *Server) stream(c *gin.Context, events <-chan escalate.Event, initial []escalate.Event, onBeat func(), keep func(escalate.Event) bool, view func(*kb.Message) any, end func(escalate.Event) bool) {
	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	send := func(e escalate.Event) bool {
		if m, ok := e.Data.(*kb.Message); ok {
			e.Data = view(m)
		}
		b, err := json.Marshal(e)
		if err != nil {
			s.log.Error("encode event", "type", e.Type, "err", err)
			return true
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, b); err != nil {
			return false
		}
		w.Flush()
		return true
	}
	for _, e := range initial {
		if !send(e) {
			return
		}
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	ctx := c.Request.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case e := <-events:
			if keep != nil && !keep(e) && !end(e) {
				continue
			}
			if !send(e) || end(e) {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": beat\n\n"); err != nil {
				return
			}
			w.Flush()
			if onBeat != nil {
				onBeat()
			}
		}
	}
}
