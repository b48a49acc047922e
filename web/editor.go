package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/pmezard/go-difflib/difflib"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
)

// articleItem is an article in the editor's list.
type articleItem struct {
	ID         string `json:"id"`
	Collection string `json:"collection"`
	Title      string `json:"title"`
	Lang       string `json:"lang"`
	Version    int    `json:"version"` // 0: never published
	Draft      bool   `json:"draft"`
	Always     bool   `json:"always_handoff"`
}

func (s *Server) listArticles(c *gin.Context) {
	ctx := c.Request.Context()
	coll := c.Query("collection")
	arts, err := s.store.Articles(ctx, coll)
	if err != nil {
		s.fail(c, err)
		return
	}
	drafts, err := s.store.Drafts(ctx, coll)
	if err != nil {
		s.fail(c, err)
		return
	}
	byID := map[string]*articleItem{}
	items := []*articleItem{}
	for _, a := range arts {
		it := &articleItem{ID: a.ID, Collection: a.Collection, Title: a.Title, Lang: a.Lang, Version: a.Version, Always: a.AlwaysHandoff}
		byID[a.ID] = it
		items = append(items, it)
	}
	for _, d := range drafts {
		if it, ok := byID[d.Article.ID]; ok {
			it.Draft = true
			continue
		}
		a := d.Article
		items = append(items, &articleItem{ID: a.ID, Collection: a.Collection, Title: a.Title, Lang: a.Lang, Draft: true, Always: a.AlwaysHandoff})
	}
	c.JSON(http.StatusOK, gin.H{"articles": items})
}

// versionMeta is one entry of an article's history.
type versionMeta struct {
	Version   int    `json:"version"`
	UpdatedAt string `json:"updated_at"`
	Title     string `json:"title"`
}

// getArticle returns the published article, its draft and its history.
func (s *Server) getArticle(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	a, errA := s.store.Article(ctx, id)
	d, errD := s.store.Draft(ctx, id)
	for _, err := range []error{errA, errD} {
		if err != nil && !errors.Is(err, kb.ErrNotFound) {
			s.fail(c, err)
			return
		}
	}
	if errA != nil && errD != nil {
		s.fail(c, errA)
		return
	}
	versions := []versionMeta{}
	if a != nil {
		vs, err := s.store.ArticleVersions(ctx, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, v := range vs {
			versions = append(versions, versionMeta{Version: v.Version, UpdatedAt: v.UpdatedAt.Format("2006-01-02 15:04"), Title: v.Title})
		}
	}
	c.JSON(http.StatusOK, gin.H{"article": a, "draft": d, "versions": versions})
}

// articleRequest is an editor's version of an article.
type articleRequest struct {
	Collection    string   `json:"collection"`
	Title         string   `json:"title"`
	Body          string   `json:"body"`
	Questions     []string `json:"questions"`
	Tags          []string `json:"tags"`
	Lang          string   `json:"lang"`
	AlwaysHandoff bool     `json:"always_handoff"`
	// BaseVersion is the published version the edit started from (0 for
	// a new article); a save over a newer one is refused with 409.
	BaseVersion int `json:"base_version"`
}

func (r articleRequest) article(id string) *kb.Article {
	return &kb.Article{ID: id, Collection: r.Collection, Title: r.Title, Body: r.Body, Questions: r.Questions,
		Tags: r.Tags, Lang: r.Lang, AlwaysHandoff: r.AlwaysHandoff}
}

// createArticle drafts a new article (POST /articles).
func (s *Server) createArticle(c *gin.Context) {
	var req articleRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if req.Collection == "" {
		req.Collection = kb.DefaultCollection
	}
	id := ingest.NewArticleID(req.Collection, req.Title)
	if _, err := s.store.Article(c.Request.Context(), id); err == nil {
		s.fail(c, fmt.Errorf("an article %s exists already; edit it instead: %w", id, kb.ErrConflict))
		return
	}
	d, err := s.editor.SaveDraft(c.Request.Context(), currentUser(c).Name, req.article(id), 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"draft": d})
}

// saveDraft saves an edit as the article's draft (PUT /articles/{id}/draft).
func (s *Server) saveDraft(c *gin.Context) {
	var req articleRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	id := c.Param("id")
	pub, err := s.store.Article(ctx, id)
	if err != nil && !errors.Is(err, kb.ErrNotFound) {
		s.fail(c, err)
		return
	}
	if pub != nil && pub.Version != req.BaseVersion {
		s.fail(c, fmt.Errorf("article %s is at version %d and your edit started from %d: reload it: %w", id, pub.Version, req.BaseVersion, kb.ErrConflict))
		return
	}
	if req.Collection == "" {
		if pub != nil {
			req.Collection = pub.Collection
		} else if d, err := s.store.Draft(ctx, id); err == nil {
			req.Collection = d.Article.Collection
		} else {
			s.fail(c, err)
			return
		}
	}
	d, err := s.editor.SaveDraft(ctx, currentUser(c).Name, req.article(id), req.BaseVersion)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"draft": d})
}

// putArticle edits and publishes at once, for scripts (PUT /articles/{id}).
func (s *Server) putArticle(c *gin.Context) {
	var req articleRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	id := c.Param("id")
	if req.Collection == "" {
		a, err := s.store.Article(c.Request.Context(), id)
		if err != nil {
			s.fail(c, err)
			return
		}
		req.Collection = a.Collection
	}
	a, err := s.editor.Update(c.Request.Context(), currentUser(c).Name, req.article(id), req.BaseVersion)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"article": a})
}

func (s *Server) publish(c *gin.Context) {
	a, err := s.editor.Publish(c.Request.Context(), currentUser(c).Name, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"article": a})
}

func (s *Server) discardDraft(c *gin.Context) {
	ctx := c.Request.Context()
	if err := s.store.DeleteDraft(ctx, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.AddAudit(ctx, &kb.AuditEntry{Actor: currentUser(c).Name, Action: "draft.discard", Target: c.Param("id")}); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) deleteArticle(c *gin.Context) {
	if err := s.editor.Delete(c.Request.Context(), currentUser(c).Name, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type restoreRequest struct {
	Version int `json:"version"`
}

func (s *Server) restore(c *gin.Context) {
	var req restoreRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.editor.Restore(c.Request.Context(), currentUser(c).Name, c.Param("id"), req.Version)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"draft": d})
}

// diff shows what changed between two versions (?from=1&to=2; "draft"
// names the draft), as a unified diff of the article as Markdown.
func (s *Server) diff(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	load := func(v string) (*kb.Article, error) {
		if v == "draft" {
			d, err := s.store.Draft(ctx, id)
			if err != nil {
				return nil, err
			}
			return &d.Article, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("version %q: want a number or draft: %w", v, kb.ErrInvalid)
		}
		vs, err := s.store.ArticleVersions(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, a := range vs {
			if a.Version == n {
				return a, nil
			}
		}
		return nil, fmt.Errorf("article %s has no version %d: %w", id, n, kb.ErrNotFound)
	}
	from, err := load(c.Query("from"))
	if err != nil {
		s.fail(c, err)
		return
	}
	to, err := load(c.Query("to"))
	if err != nil {
		s.fail(c, err)
		return
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(asMarkdown(from)), B: difflib.SplitLines(asMarkdown(to)),
		FromFile: "version " + c.Query("from"), ToFile: "version " + c.Query("to"), Context: 3,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"diff": text})
}

// asMarkdown is an article as one document, for diffs.
func asMarkdown(a *kb.Article) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", a.Title, a.Body)
	for _, q := range a.Questions {
		fmt.Fprintf(&b, "Q: %s\n", q)
	}
	fmt.Fprintf(&b, "tags: %s\nalways hand off: %v\n", strings.Join(a.Tags, ", "), a.AlwaysHandoff)
	return b.String()
}

type searchRequest struct {
	Collection string `json:"collection"`
	Question   string `json:"question"`
}

// retrievalConsole searches as the bot would: ranked passages with their
// scores, the confidence, and the band the collection's policy gives it.
func (s *Server) retrievalConsole(c *gin.Context) {
	var req searchRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if strings.TrimSpace(req.Question) == "" {
		s.fail(c, fmt.Errorf("question is empty: %w", kb.ErrInvalid))
		return
	}
	if req.Collection == "" {
		req.Collection = kb.DefaultCollection
	}
	res, err := s.bot.Composer.Compose(c.Request.Context(), req.Collection, req.Question)
	if err != nil {
		s.fail(c, err)
		return
	}
	policy := s.bot.Policies().For(req.Collection)
	band := policy.Band(res.Reply.Confidence, res.Reply.InScope)
	if len(res.Hits) == 0 {
		band = kb.BandHandoff
	}
	var reasons []string
	if band != kb.BandHandoff {
		reasons = policy.Decide(escalate.Turn{Text: req.Question, Band: band, Top: res.Top})
		if len(reasons) > 0 {
			band = kb.BandHandoff
		}
	}
	hits := make([]gin.H, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, gin.H{"article_id": h.ArticleID, "chunk_id": h.ChunkID, "score": h.Score})
	}
	c.JSON(http.StatusOK, gin.H{"answer": res.Reply.Text, "confidence": res.Reply.Confidence, "band": band,
		"reasons": reasons, "passages": res.Passages, "citations": res.Reply.Citations, "hits": hits})
}

// queryCount reads a query parameter that is a whole number, 0 when absent.
func queryCount(c *gin.Context, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a whole number: %w", name, v, kb.ErrInvalid)
	}
	return n, nil
}

// audit lists the audit log, newest first: ?actor=, ?action= (a prefix
// when it ends in "."), ?target=, ?limit= (200, at most 1000) and
// ?before=SEQ for the next page.
func (s *Server) audit(c *gin.Context) {
	limit, err := queryCount(c, "limit")
	if err != nil {
		s.fail(c, err)
		return
	}
	before, err := queryCount(c, "before")
	if err != nil {
		s.fail(c, err)
		return
	}
	f := kb.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), Target: c.Query("target"),
		Before: before, Limit: int(min(limit, 1000))}
	log, err := s.store.Audit(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if log == nil {
		log = []*kb.AuditEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"audit": log})
}

// uniqueID is an id for a new article titled title that no article or
// draft has yet.
func uniqueID(ctx context.Context, store kb.Store, collection, title string) string {
	base := ingest.NewArticleID(collection, title)
	id := base
	for n := 2; ; n++ {
		_, errA := store.Article(ctx, id)
		_, errD := store.Draft(ctx, id)
		if errors.Is(errA, kb.ErrNotFound) && errors.Is(errD, kb.ErrNotFound) {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, n)
	}
}
