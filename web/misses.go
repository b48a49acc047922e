package web

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// misses is the misses inbox: open misses of a collection and period,
// clustered by meaning, largest first.
func (s *Server) misses(c *gin.Context) {
	since, err := answer.Period(c.Query("period"), time.Now())
	if err != nil {
		s.fail(c, err)
		return
	}
	clusters, err := answer.ClusterMisses(c.Request.Context(), s.store, s.bot.Composer.Searcher.Embedder(), retrieval.DefaultClusterThreshold,
		kb.MissFilter{Collection: c.Query("collection"), Since: since, Status: c.Query("status")})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"clusters": clusters, "threshold": retrieval.DefaultClusterThreshold})
}

// Fixes for a cluster of misses.
const (
	fixAddQuestions = "add_questions"
	fixNewArticle   = "new_article"
	fixWontAnswer   = "wont_answer"
)

type fixRequest struct {
	MissIDs []string `json:"miss_ids"`
	Action  string   `json:"action"`
	// ArticleID is the article to add the questions to (add_questions).
	ArticleID string `json:"article_id"`
	// Title and Body of a new article; Body defaults to the agent's reply.
	Title string `json:"title"`
	Body  string `json:"body"`
	// Publish a new article at once rather than leaving it a draft.
	Publish bool `json:"publish"`
}

// fixMisses applies a one-click fix to misses: their questions become
// similar questions of an article, or a new article, or questions the
// bot must always hand off; the misses close.
func (s *Server) fixMisses(c *gin.Context) {
	var req fixRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	all, err := s.store.Misses(ctx, kb.MissFilter{Status: kb.MissOpen})
	if err != nil {
		s.fail(c, err)
		return
	}
	want := map[string]bool{}
	for _, id := range req.MissIDs {
		want[id] = true
	}
	var ms []*kb.Miss
	var questions []string
	for _, m := range all {
		if want[m.ID] {
			ms = append(ms, m)
			questions = append(questions, m.Question)
		}
	}
	if len(ms) == 0 || len(ms) != len(want) {
		s.fail(c, fmt.Errorf("%d of %d misses are open: %w", len(ms), len(want), kb.ErrConflict))
		return
	}
	actor := currentUser(c).Name
	collection := ms[0].Collection
	var article *kb.Article
	status, note := kb.MissFixed, ""
	switch req.Action {
	case fixAddQuestions:
		a, err := s.store.Article(ctx, req.ArticleID)
		if err != nil {
			s.fail(c, err)
			return
		}
		if a.Collection != collection {
			s.fail(c, fmt.Errorf("article %s is in %s, the misses in %s: %w", a.ID, a.Collection, collection, kb.ErrInvalid))
			return
		}
		if article, err = s.editor.AddQuestions(ctx, actor, a.ID, questions); err != nil {
			s.fail(c, err)
			return
		}
		note = fmt.Sprintf("added %d similar questions to %s", len(questions), a.ID)
	case fixNewArticle:
		title := strings.TrimSpace(req.Title)
		if title == "" {
			title = questions[0]
		}
		body := req.Body
		if strings.TrimSpace(body) == "" {
			for _, m := range ms {
				if m.AgentReply != "" {
					body = m.AgentReply
					break
				}
			}
		}
		a := &kb.Article{Collection: collection, Title: title, Body: body, Questions: questions}
		if article, err = s.newArticle(c, a, req.Publish); err != nil {
			s.fail(c, err)
			return
		}
		note = fmt.Sprintf("new article %s", article.ID)
	case fixWontAnswer:
		// An always-hand-off article holding the questions: asking them
		// again hands off (sensitive_topic) instead of answering.
		a := &kb.Article{Collection: collection, Title: "Hand off: " + questions[0], Questions: questions, AlwaysHandoff: true,
			Tags: []string{"do-not-answer"}}
		if article, err = s.newArticle(c, a, true); err != nil {
			s.fail(c, err)
			return
		}
		status, note = kb.MissWontAnswer, fmt.Sprintf("always hand off via %s", article.ID)
	default:
		s.fail(c, fmt.Errorf("action %q: want add_questions, new_article or wont_answer: %w", req.Action, kb.ErrInvalid))
		return
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if err := s.store.CloseMisses(ctx, ids, status, note); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.AddAudit(ctx, &kb.AuditEntry{Actor: actor, Action: "misses." + req.Action, Target: article.ID,
		Detail: fmt.Sprintf("%d misses: %s", len(ids), note)}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"article": article, "closed": len(ids), "fix": note})
}

// newArticle drafts a new article from a fix, and publishes it if asked.
func (s *Server) newArticle(c *gin.Context, a *kb.Article, publish bool) (*kb.Article, error) {
	ctx := c.Request.Context()
	actor := currentUser(c).Name
	a.ID = uniqueID(ctx, s.store, a.Collection, a.Title)
	d, err := s.editor.SaveDraft(ctx, actor, a, 0)
	if err != nil {
		return nil, err
	}
	if !publish {
		return &d.Article, nil
	}
	return s.editor.Publish(ctx, actor, d.Article.ID)
}

// analytics are the collection's figures over a period (?period=30d),
// day by day, with the largest open clusters of misses.
func (s *Server) analytics(c *gin.Context) {
	now := time.Now()
	period := c.DefaultQuery("period", "30d")
	if period == "all" {
		s.fail(c, fmt.Errorf("period all: give a number of days, e.g. 90d: %w", kb.ErrInvalid))
		return
	}
	since, err := answer.Period(period, now)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := answer.Analyze(c.Request.Context(), s.store, s.bot.Composer.Searcher.Embedder(), c.Query("collection"), since, now)
	if err != nil {
		s.fail(c, err)
		return
	}
	// How far confidence is adapted to the collection (all of them when
	// none is chosen) from agents' verdicts and customers' thumbs.
	recal := s.bot.Composer.Recalibrations.All()
	if q := c.Query("collection"); q != "" {
		maps.DeleteFunc(recal, func(coll string, _ answer.Recalibration) bool { return coll != q })
	}
	c.JSON(http.StatusOK, struct {
		*answer.Analytics
		Recalibration  map[string]answer.Recalibration `json:"recalibration"`
		RecalibrateMin int                             `json:"recalibrate_min"`
	}{a, recal, s.opts.RecalibrateMin})
}
