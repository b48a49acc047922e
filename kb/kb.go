// Package kb holds Baton's domain types, its sentinel errors and the Store
// interface that every storage backend implements. It imports nothing else
// of Baton's, so every other package can depend on it.
package kb

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends and services wrap them with context; the web
// layer maps them to HTTP status codes.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
)

// DefaultCollection is the collection used when none is named.
const DefaultCollection = "default"

// Article is one knowledge-base entry: a FAQ answer or a policy page.
// Questions are the "similar questions" an editor attaches so that
// customers' phrasings find the article.
type Article struct {
	ID            string    `json:"id"`
	Collection    string    `json:"collection"`
	Title         string    `json:"title"`
	Body          string    `json:"body"`
	Questions     []string  `json:"questions"`
	Tags          []string  `json:"tags"`
	Lang          string    `json:"lang"`
	AlwaysHandoff bool      `json:"always_handoff"`
	Source        string    `json:"source"` // file or origin the article came from
	Hash          string    `json:"hash"`   // content hash of the fields above
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Chunk is a retrievable passage of an article. Heading carries the section
// path so that a passage keeps its context once cut out.
type Chunk struct {
	ID        string `json:"id"` // ArticleID#Ord
	ArticleID string `json:"article_id"`
	Ord       int    `json:"ord"`
	Heading   string `json:"heading"`
	Text      string `json:"text"`
}

// Conversation is one customer's chat. The token that proves ownership is
// never stored; only its hash is.
type Conversation struct {
	ID         string    `json:"id"`
	Collection string    `json:"collection"`
	Lang       string    `json:"lang"`
	TokenHash  string    `json:"-"`
	Status     string    `json:"status"` // bot, handoff, closed
	CreatedAt  time.Time `json:"created_at"`
}

// Conversation statuses.
const (
	StatusBot     = "bot"
	StatusHandoff = "handoff"
	StatusClosed  = "closed"
)

// Message roles.
const (
	RoleCustomer = "customer"
	RoleBot      = "bot"
	RoleAgent    = "agent"
)

// Message is one turn in a conversation. Reply holds the bot's structured
// reply (confidence, band, citations) for bot messages.
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Role           string `json:"role"`
	Text           string `json:"text"`
	Reply          *Reply `json:"reply,omitempty"`
	// Negative and Rephrase are the trigger signals measured on a customer
	// turn: probability of negative sentiment, and whether it asked again
	// what the previous turn asked.
	Negative  float64   `json:"negative"`
	Rephrase  bool      `json:"rephrase"`
	CreatedAt time.Time `json:"created_at"`
}

// Bands: what the bot does with an answer given its confidence.
const (
	BandAnswer  = "answer"
	BandClarify = "clarify"
	BandHandoff = "handoff"
)

// Reply is the bot's answer to one customer turn.
type Reply struct {
	Text        string       `json:"text"`
	Confidence  float64      `json:"confidence"`
	Band        string       `json:"band"`
	Citations   []Citation   `json:"citations"`
	Suggestions []Suggestion `json:"suggestions"`
	Reasons     []string     `json:"reasons,omitempty"`
	// Generated is set when a language model wrote Text from the cited
	// passages; Fallback names why a generated answer was not shown
	// (llm_uncited, llm_bad_cite, llm_declined, llm_failed, llm_saturated).
	Generated bool   `json:"generated,omitempty"`
	Fallback  string `json:"fallback,omitempty"`
}

// Citation points at the article a reply is drawn from.
type Citation struct {
	ArticleID string  `json:"article_id"`
	Title     string  `json:"title"`
	Snippet   string  `json:"snippet"`
	Score     float64 `json:"score"`
}

// Suggestion is a "did you mean" choice offered when the bot is unsure.
type Suggestion struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
}

// Handoff reason codes.
const (
	ReasonLowConfidence     = "low_confidence"
	ReasonRepeatedMiss      = "repeated_miss"
	ReasonRephrase          = "rephrase"
	ReasonNegativeSentiment = "negative_sentiment"
	ReasonExplicitRequest   = "explicit_request"
	ReasonSensitiveTopic    = "sensitive_topic"
	ReasonServiceStage      = "service_stage"
	ReasonAgentRequest      = "agent_request"
)

// Handoff is a conversation handed to a human, with why.
type Handoff struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Collection     string    `json:"collection"`
	Reasons        []string  `json:"reasons"`
	Status         string    `json:"status"` // queued, claimed, resolved
	CreatedAt      time.Time `json:"created_at"`
}

// Vector is one embedded text of an article (its title, a similar
// question or a passage) under one embedding model.
type Vector struct {
	ArticleID string
	ChunkID   string // the passage to show when this vector matches
	Vec       []float32
}

// Store is the persistence Baton needs. Implementations: kb/sqlite.
type Store interface {
	// Article returns the article or ErrNotFound.
	Article(ctx context.Context, id string) (*Article, error)
	// Articles lists a collection's articles; an empty collection lists all.
	Articles(ctx context.Context, collection string) ([]*Article, error)
	// PutArticle inserts or updates an article with its chunks. An unchanged
	// hash is a no-op and reports changed=false; otherwise the version is
	// bumped and the previous one kept in history.
	PutArticle(ctx context.Context, a *Article, chunks []Chunk) (changed bool, err error)
	// DeleteArticle removes an article and its chunks.
	DeleteArticle(ctx context.Context, id string) error
	// ArticlesBySource lists ids of articles ingested from one source.
	ArticlesBySource(ctx context.Context, collection, source string) ([]string, error)
	// Chunks returns an article's chunks in order.
	Chunks(ctx context.Context, articleID string) ([]Chunk, error)

	// PutVectors replaces an article's vectors for a model; hash is the
	// article hash they were computed from.
	PutVectors(ctx context.Context, articleID, model, hash string, vs []Vector) error
	// Vectors calls fn for every stored vector of a model whose article
	// hash is current, article by article.
	Vectors(ctx context.Context, model string, fn func(collection string, v Vector) error) error
	// ArticlesMissingVectors lists articles with no current vectors for a model.
	ArticlesMissingVectors(ctx context.Context, model string) ([]string, error)

	CreateConversation(ctx context.Context, c *Conversation) error
	Conversation(ctx context.Context, id string) (*Conversation, error)
	SetConversationStatus(ctx context.Context, id, status string) error
	AddMessage(ctx context.Context, m *Message) error
	// SetMessageSignals records the trigger signals of a stored message.
	SetMessageSignals(ctx context.Context, id string, negative float64, rephrase bool) error
	Messages(ctx context.Context, conversationID string) ([]*Message, error)
	CreateHandoff(ctx context.Context, h *Handoff) error
	Handoffs(ctx context.Context, status string) ([]*Handoff, error)

	Close() error
}
