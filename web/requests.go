package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
)

// requestIDKey holds the request's id in the gin context.
const requestIDKey = "baton.request_id"

// goodRequestID is what an id a proxy passes on may look like; anything
// else is replaced.
var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestLog gives every request an id (the X-Request-Id a proxy sent, or
// a new one), answers it in X-Request-Id and error bodies, and logs one
// line per request when it ends: method, path (never the query, which may
// carry a customer's token), status, duration, client address.
func (s *Server) requestLog(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !goodRequestID.MatchString(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-Id", id)
	start := time.Now()
	c.Next()
	s.log.Info("request", "request_id", id, "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "ms", float64(time.Since(start).Microseconds())/1000, "client", c.ClientIP())
}

// ready answers /readyz: 200 while the store answers and the server is not
// shutting down, else 503, for a load balancer to route by (/healthz says
// only that the process is up).
func (s *Server) ready(c *gin.Context) {
	select {
	case <-s.closing:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "shutting_down"})
		return
	default:
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.Collections(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "store_unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
