package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
)

// Editor changes the knowledge base the way content editors do: edits go
// to a draft, and only publishing touches the published article and the
// search indexes, checked against the version the draft started from so
// that two editors never silently overwrite each other. Every change is
// written to the audit log.
type Editor struct {
	Store     kb.Store
	Index     Index
	MaxTokens int
}

// Limits on what an editor can save.
const (
	maxTitleRunes    = 300
	maxBodyRunes     = 200_000
	maxQuestions     = 200
	maxQuestionRunes = 500
)

func (e *Editor) audit(ctx context.Context, actor, action, target, detail string) error {
	return e.Store.AddAudit(ctx, &kb.AuditEntry{Actor: actor, Action: action, Target: target, Detail: detail})
}

// checkEdit cleans an edited article and reports what cannot be saved.
func checkEdit(a *kb.Article) error {
	a.Title = strings.TrimSpace(a.Title)
	a.Body = strings.TrimSpace(a.Body)
	a.Questions, a.Tags = cleanList(a.Questions), cleanList(a.Tags)
	a.Lang = normalizeLang(a.Lang)
	switch {
	case a.Collection == "":
		return fmt.Errorf("collection is empty: %w", kb.ErrInvalid)
	case a.Title == "":
		return fmt.Errorf("title is empty: %w", kb.ErrInvalid)
	case utf8.RuneCountInString(a.Title) > maxTitleRunes:
		return fmt.Errorf("title is longer than %d characters: %w", maxTitleRunes, kb.ErrInvalid)
	case utf8.RuneCountInString(a.Body) > maxBodyRunes:
		return fmt.Errorf("body is longer than %d characters: %w", maxBodyRunes, kb.ErrInvalid)
	case len(a.Questions) > maxQuestions:
		return fmt.Errorf("more than %d similar questions: %w", maxQuestions, kb.ErrInvalid)
	}
	for _, q := range a.Questions {
		if utf8.RuneCountInString(q) > maxQuestionRunes {
			return fmt.Errorf("a similar question is longer than %d characters: %w", maxQuestionRunes, kb.ErrInvalid)
		}
	}
	if a.Lang == "" {
		a.Lang = DetectLang(a.Title + "\n" + a.Body + "\n" + strings.Join(a.Questions, "\n"))
	}
	return nil
}

// NewArticleID makes the id of an article an editor creates.
func NewArticleID(collection, title string) string {
	return collection + "/" + slug(title)
}

// SaveDraft saves a's content as its draft, based on the published
// version baseVersion (0 for a new article).
func (e *Editor) SaveDraft(ctx context.Context, actor string, a *kb.Article, baseVersion int) (*kb.Draft, error) {
	if err := checkEdit(a); err != nil {
		return nil, err
	}
	if a.ID == "" {
		a.ID = NewArticleID(a.Collection, a.Title)
	}
	if a.Source == "" {
		a.Source = "editor"
	}
	d := &kb.Draft{Article: *a, BaseVersion: baseVersion, UpdatedBy: actor}
	if err := e.Store.PutDraft(ctx, d); err != nil {
		return nil, err
	}
	return d, e.audit(ctx, actor, "draft.save", a.ID, fmt.Sprintf("based on version %d", baseVersion))
}

// Publish makes an article's draft the published article and indexes it.
// It fails with kb.ErrConflict when the article was published by someone
// else since the draft was started; the draft is kept.
func (e *Editor) Publish(ctx context.Context, actor, id string) (*kb.Article, error) {
	d, err := e.Store.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	a := d.Article
	a.Hash = Hash(&a)
	chunks := Split(&a, e.maxTokens())
	changed, err := e.Store.UpdateArticle(ctx, &a, chunks, d.BaseVersion)
	if err != nil {
		return nil, err
	}
	if changed {
		if err := e.Index.Index(ctx, &a, chunks); err != nil {
			return nil, err
		}
	}
	if err := e.Store.DeleteDraft(ctx, id); err != nil && !errors.Is(err, kb.ErrNotFound) {
		return nil, err
	}
	return &a, e.audit(ctx, actor, "article.publish", id, fmt.Sprintf("version %d", a.Version))
}

// Update edits and publishes in one step (the API's PUT), with the same
// version check as Publish.
func (e *Editor) Update(ctx context.Context, actor string, a *kb.Article, baseVersion int) (*kb.Article, error) {
	if _, err := e.SaveDraft(ctx, actor, a, baseVersion); err != nil {
		return nil, err
	}
	return e.Publish(ctx, actor, a.ID)
}

// Delete removes an article, its draft and its entries in every index.
func (e *Editor) Delete(ctx context.Context, actor, id string) error {
	errArt := e.Store.DeleteArticle(ctx, id)
	if errArt != nil && !errors.Is(errArt, kb.ErrNotFound) {
		return errArt
	}
	errDraft := e.Store.DeleteDraft(ctx, id)
	if errDraft != nil && !errors.Is(errDraft, kb.ErrNotFound) {
		return errDraft
	}
	if errArt != nil && errDraft != nil {
		return fmt.Errorf("article %s: %w", id, kb.ErrNotFound)
	}
	if err := e.Index.Delete(ctx, id); err != nil {
		return err
	}
	return e.audit(ctx, actor, "article.delete", id, "")
}

// Restore drafts an earlier version's content over the current one, to
// be reviewed and published like any edit.
func (e *Editor) Restore(ctx context.Context, actor, id string, version int) (*kb.Draft, error) {
	vs, err := e.Store.ArticleVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Version == version {
			a := *v
			d, err := e.SaveDraft(ctx, actor, &a, vs[0].Version)
			if err != nil {
				return nil, err
			}
			return d, e.audit(ctx, actor, "article.restore", id, fmt.Sprintf("draft from version %d", version))
		}
	}
	return nil, fmt.Errorf("article %s has no version %d: %w", id, version, kb.ErrNotFound)
}

// AddQuestions publishes an article with more similar questions, keeping
// any draft of it as it is; used to fix a cluster of misses.
func (e *Editor) AddQuestions(ctx context.Context, actor, id string, questions []string) (*kb.Article, error) {
	cur, err := e.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	a := *cur
	a.Questions = append(append([]string(nil), cur.Questions...), questions...)
	if err := checkEdit(&a); err != nil {
		return nil, err
	}
	a.Hash = Hash(&a)
	chunks := Split(&a, e.maxTokens())
	changed, err := e.Store.UpdateArticle(ctx, &a, chunks, cur.Version)
	if err != nil {
		return nil, err
	}
	if changed {
		if err := e.Index.Index(ctx, &a, chunks); err != nil {
			return nil, err
		}
	}
	return &a, e.audit(ctx, actor, "article.questions", id, fmt.Sprintf("added %d similar questions", len(a.Questions)-len(cur.Questions)))
}

func (e *Editor) maxTokens() int {
	if e.MaxTokens > 0 {
		return e.MaxTokens
	}
	return DefaultMaxTokens
}

// Merge folds the articles from into the article into: their titles and
// similar questions become into's similar questions (duplicates dropped),
// into is republished, and the others are deleted. The audit entry of the
// merge keeps each deleted article whole (JSON), so nothing an editor
// wrote is lost and a merge can be undone by hand. Merging an article
// into itself, or one of another collection, is invalid.
func (e *Editor) Merge(ctx context.Context, actor, into string, from []string) (*kb.Article, error) {
	cur, err := e.Store.Article(ctx, into)
	if err != nil {
		return nil, err
	}
	if len(from) == 0 {
		return nil, fmt.Errorf("merge into %s: no articles to merge: %w", into, kb.ErrInvalid)
	}
	have := map[string]bool{strings.ToLower(strings.TrimSpace(cur.Title)): true}
	for _, q := range cur.Questions {
		have[strings.ToLower(strings.TrimSpace(q))] = true
	}
	var add []string
	var others []*kb.Article
	for _, id := range from {
		if id == into {
			return nil, fmt.Errorf("merge %s into itself: %w", id, kb.ErrInvalid)
		}
		a, err := e.Store.Article(ctx, id)
		if err != nil {
			return nil, err
		}
		if a.Collection != cur.Collection {
			return nil, fmt.Errorf("merge %s (collection %s) into %s (collection %s): %w", id, a.Collection, into, cur.Collection, kb.ErrInvalid)
		}
		others = append(others, a)
		for _, q := range append([]string{a.Title}, a.Questions...) {
			if k := strings.ToLower(strings.TrimSpace(q)); k != "" && !have[k] {
				have[k] = true
				add = append(add, strings.TrimSpace(q))
			}
		}
	}
	merged := cur
	if len(add) > 0 {
		if merged, err = e.AddQuestions(ctx, actor, into, add); err != nil {
			return nil, err
		}
	}
	for _, a := range others {
		if err := e.Delete(ctx, actor, a.ID); err != nil {
			return nil, err
		}
	}
	kept, err := json.Marshal(others)
	if err != nil {
		return nil, err
	}
	return merged, e.audit(ctx, actor, "article.merge", into, string(kept))
}
