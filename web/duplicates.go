package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// duplicateArticle is one member of a near-duplicate group, as the editor
// lists it.
type duplicateArticle struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Questions []string `json:"questions"`
}

// duplicates lists groups of a collection's articles that answer the same
// question (?collection=, default "default"; ?threshold= in (0,1]).
func (s *Server) duplicates(c *gin.Context) {
	collection := c.DefaultQuery("collection", kb.DefaultCollection)
	threshold := retrieval.DefaultDuplicateThreshold
	if t := c.Query("threshold"); t != "" {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || v <= 0 || v > 1 {
			c.JSON(http.StatusBadRequest, errorBody(c, "invalid", "threshold must be a number in (0, 1]"))
			return
		}
		threshold = v
	}
	groups := [][]duplicateArticle{}
	for _, g := range s.bot.Composer.Searcher.DuplicateArticles(collection, threshold) {
		var members []duplicateArticle
		for _, id := range g {
			a, err := s.bot.Store.Article(c.Request.Context(), id)
			if err != nil {
				continue // deleted since it was indexed
			}
			members = append(members, duplicateArticle{ID: a.ID, Title: a.Title, Questions: a.Questions})
		}
		if len(members) > 1 {
			groups = append(groups, members)
		}
	}
	c.JSON(http.StatusOK, gin.H{"collection": collection, "threshold": threshold, "groups": groups})
}

type mergeRequest struct {
	From []string `json:"from"`
}

// merge folds the articles in "from" into the article of the path.
func (s *Server) merge(c *gin.Context) {
	var req mergeRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.editor.Merge(c.Request.Context(), currentUser(c).Name, c.Param("id"), req.From)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"article": a})
}
