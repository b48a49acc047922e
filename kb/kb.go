// Package kb holds Baton's domain types, its sentinel errors and the Store
// interface that every storage backend implements. It imports nothing else
// of Baton's, so every other package can depend on it.
package kb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	ID         string `json:"id"`
	Collection string `json:"collection"`
	Lang       string `json:"lang"`
	TokenHash  string `json:"-"`
	Status     string `json:"status"` // bot, handoff, closed
	// Context is what the host page told about the customer, signed.
	Context *CustomerContext `json:"context,omitempty"`
	// PreviousID is the conversation this one follows, when the chat page
	// started it with that one's token ("New conversation").
	PreviousID string    `json:"previous_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// CustomerContext is identity and context a host page passes to the chat
// widget, signed with a shared secret so a customer cannot forge another's.
type CustomerContext struct {
	Name       string `json:"name,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	OrderID    string `json:"order_id,omitempty"`
	Locale     string `json:"locale,omitempty"`
	// Stage is the conversation's service stage (e.g. "after_sales") that
	// service-stage rules match.
	Stage string `json:"stage,omitempty"`
	// Exp is when the signature stops being accepted, in Unix seconds.
	Exp int64 `json:"exp"`
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
	Negative float64 `json:"negative"`
	Rephrase bool    `json:"rephrase"`
	// Author is the agent's display name on agent messages.
	Author string `json:"author,omitempty"`
	// Feedback is the customer's thumbs on a bot answer: 1, -1 or 0.
	Feedback  int       `json:"feedback"`
	CreatedAt time.Time `json:"created_at"`
}

// Bands: what the bot does with an answer given its confidence.
const (
	BandAnswer  = "answer"
	BandClarify = "clarify"
	BandHandoff = "handoff"
	// BandSmallTalk is a greeting, thanks or goodbye answered with a short
	// reply: neither an answer from the knowledge base nor a miss.
	BandSmallTalk = "small_talk"
)

// Reply is the bot's answer to one customer turn.
type Reply struct {
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
	// InScope is the probability that some article answers the question
	// at all (Confidence: that the top one is the right one).
	InScope     float64      `json:"in_scope"`
	Band        string       `json:"band"`
	Citations   []Citation   `json:"citations"`
	Suggestions []Suggestion `json:"suggestions"`
	Reasons     []string     `json:"reasons,omitempty"`
	// SmallTalk is the kind (greeting, thanks, goodbye, bot, ack) of a
	// small-talk reply.
	SmallTalk string `json:"small_talk,omitempty"`
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

// Hand-off statuses. A hand-off made while no agent is available (outside
// business hours or nobody online) is a message the team answers later.
const (
	HandoffQueued   = "queued"
	HandoffMessage  = "message"
	HandoffClaimed  = "claimed"
	HandoffResolved = "resolved"
	HandoffReturned = "returned" // handed back to the bot
)

// Hand-off outcomes an agent records when closing one: they feed the
// confidence calibration and the misses inbox.
const (
	OutcomeBotRight        = "bot_right"
	OutcomeArticleMissing  = "article_missing"
	OutcomeArticleWrong    = "article_wrong"
	OutcomeNeedlessHandoff = "needless_handoff"
)

// Handoff is a conversation handed to a human, with why. ClaimedBy holds
// the user id of the one agent who owns it while claimed.
type Handoff struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Collection     string     `json:"collection"`
	Reasons        []string   `json:"reasons"`
	Status         string     `json:"status"`
	Lang           string     `json:"lang"`
	Priority       int        `json:"priority"` // higher first
	ClaimedBy      string     `json:"claimed_by,omitempty"`
	ClaimedAt      *time.Time `json:"claimed_at,omitempty"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	Outcome        string     `json:"outcome,omitempty"`
	Contact        string     `json:"contact,omitempty"` // left by the customer when nobody was available
	// Team, when set, is the team the hand-off was transferred to: only
	// its members (and admins) may take it.
	Team string `json:"team,omitempty"`
	// RoutedTo, when set, is the agent (user id) least-busy routing chose
	// when the hand-off was created: told first, though anyone who may
	// take it still can. Set once, at creation.
	RoutedTo  string    `json:"routed_to,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Open reports whether the hand-off still waits for or is with a person.
func (h *Handoff) Open() bool {
	return h.Status == HandoffQueued || h.Status == HandoffMessage || h.Status == HandoffClaimed
}

// Turn finds, in a conversation's messages, the customer turn that led to
// hand-off h (the last one sent no later than it) and the bot's reply to
// that turn. Each index is -1 when there is none: a customer may ask for a
// person before asking anything.
func (h *Handoff) Turn(msgs []*Message) (question, reply int) {
	question, reply = -1, -1
	for i, m := range msgs {
		switch {
		case m.Role == RoleCustomer && !m.CreatedAt.After(h.CreatedAt):
			question, reply = i, -1
		case m.Role == RoleBot && m.Reply != nil && question >= 0 && reply < 0:
			reply = i
		}
	}
	return question, reply
}

// QuestionOf returns the index of the customer turn the message replyID
// answered (the last customer message before it); -1 when there is none
// or replyID is not among msgs.
func QuestionOf(msgs []*Message, replyID string) int {
	q := -1
	for i, m := range msgs {
		if m.ID == replyID {
			return q
		}
		if m.Role == RoleCustomer {
			q = i
		}
	}
	return -1
}

// HandoffFilter selects hand-offs; zero fields match everything.
type HandoffFilter struct {
	Status         []string
	Collection     string
	ConversationID string
	Limit          int // newest Limit when set
}

// Staff roles. An agent's role string is the same as the message role.
const (
	UserAdmin  = "admin"
	UserEditor = "editor"
	UserAgent  = "agent"
)

// User is a member of staff. A disabled user cannot sign in, and their
// sessions and API keys are refused until they are enabled again.
type User struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// ValidRole reports whether role is a staff role.
func ValidRole(role string) bool {
	return role == UserAgent || role == UserEditor || role == UserAdmin
}

// Validate checks a staff account's name (1 to 64 characters, no
// spaces: it is typed at sign-in and named in transfers) and role.
func (u *User) Validate() error {
	if !ValidRole(u.Role) {
		return fmt.Errorf("role %q: want agent, editor or admin: %w", u.Role, ErrInvalid)
	}
	if u.Name == "" || utf8.RuneCountInString(u.Name) > 64 || strings.ContainsFunc(u.Name, unicode.IsSpace) {
		return fmt.Errorf("name %q: want 1 to 64 characters without spaces: %w", u.Name, ErrInvalid)
	}
	return nil
}

// Session is a signed-in staff browser. Only the hash of its cookie
// value is stored; CSRF is the token state-changing requests must echo.
type Session struct {
	IDHash    string
	UserID    string
	CSRF      string
	ExpiresAt time.Time
}

// APIKey lets a member of staff's scripts call the API as them, with
// their role. Only the hash of the key is stored.
type APIKey struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	KeyHash   string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Presence states of an agent.
const (
	PresenceOnline = "online"
	PresenceAway   = "away"
)

// Presence is an agent's availability; SeenAt is the last sign of life
// from their console.
type Presence struct {
	UserID string    `json:"user_id"`
	Name   string    `json:"name"`
	Status string    `json:"status"`
	SeenAt time.Time `json:"seen_at"`
}

// Draft is an edited or uploaded article not yet published. BaseVersion
// is the published version it started from (0 for a new article):
// publishing over a newer version is refused, so two editors cannot
// silently overwrite each other.
type Draft struct {
	Article     Article   `json:"article"`
	BaseVersion int       `json:"base_version"`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Job statuses.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a background ingestion of uploaded files.
type Job struct {
	ID         string `json:"id"`
	Collection string `json:"collection"`
	Status     string `json:"status"`
	Draft      bool   `json:"draft"` // files become drafts instead of publishing
	CreatedBy  string `json:"created_by"`
	// Progress: files done of total, passages written, embeddings made.
	FilesDone  int             `json:"files_done"`
	FilesTotal int             `json:"files_total"`
	Chunks     int             `json:"chunks"`
	Embedded   int             `json:"embedded"`
	Files      []JobFileResult `json:"files"`
	Error      string          `json:"error,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// JobUpload is one uploaded file kept with its job: Index is its place
// in Job.Files.
type JobUpload struct {
	Index int
	Name  string
	Data  []byte
}

// Per-file outcomes of a job.
const (
	FileIngested  = "ingested"
	FileUnchanged = "unchanged"
	FileRejected  = "rejected"
	FilePending   = "pending"
)

// JobFileResult is what happened to one uploaded file.
type JobFileResult struct {
	Name     string   `json:"name"`
	Bytes    int64    `json:"bytes"`
	Status   string   `json:"status"`
	Reason   string   `json:"reason,omitempty"` // why it was rejected
	Articles []string `json:"articles,omitempty"`
	Added    int      `json:"added"`
	Updated  int      `json:"updated"`
	Removed  int      `json:"removed"`
}

// Team is a group of agents serving some collections. Members are user
// ids, Collections collection names, both sorted.
type Team struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Members     []string `json:"members"`
	Collections []string `json:"collections"`
}

// ValidateTeamName checks a team's name: 1 to 64 characters, not blank.
func ValidateTeamName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 64 {
		return fmt.Errorf("team name %q: want 1 to 64 characters: %w", name, ErrInvalid)
	}
	return nil
}

// AuditEntry records who changed what.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // user name, or "system"
	Action string    `json:"action"` // e.g. article.publish, job.create
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}

// AuditFilter selects audit entries; the zero value selects the newest
// 200 of all.
type AuditFilter struct {
	Actor  string // exactly this actor
	Action string // exactly this action, or every action it begins when it ends in "." ("handoff.")
	Target string // exactly this target
	Before int64  // only entries older than this Seq (the next page)
	Limit  int    // at most this many; 200 when zero
}

// Miss triggers and statuses.
const (
	MissHandoff      = "handoff"
	MissClarify      = "clarify"
	MissThumbsDown   = "thumbs_down"
	MissAgentVerdict = "agent_verdict"

	MissOpen       = "open"
	MissFixed      = "fixed"
	MissWontAnswer = "wont_answer"
)

// Miss is a customer question the bot did not get right, with what the
// bot saw, kept for the misses inbox.
type Miss struct {
	ID             string     `json:"id"`
	Collection     string     `json:"collection"`
	ConversationID string     `json:"conversation_id"`
	MessageID      string     `json:"message_id"`
	Question       string     `json:"question"`
	Lang           string     `json:"lang"`
	Trigger        string     `json:"trigger"`
	Reasons        []string   `json:"reasons"`
	Passages       []Citation `json:"passages"`
	// AgentReply is what the agent answered, when one did.
	AgentReply string    `json:"agent_reply,omitempty"`
	Status     string    `json:"status"`
	Fix        string    `json:"fix,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// MissFilter selects misses; zero fields match everything.
type MissFilter struct {
	Collection string
	Status     string
	Since      time.Time
	Until      time.Time
}

// ConversationSummary is one conversation reduced to what analytics count.
type ConversationSummary struct {
	ID         string
	Collection string
	CreatedAt  time.Time
	Turns      int // customer messages
	Answers    int // bot replies in the answer band
	ThumbsUp   int
	ThumbsDown int
	Handoffs   int
}

// Vector is one embedded text of an article (its title, a similar
// question or a passage) under one embedding model.
type Vector struct {
	ArticleID string
	ChunkID   string // the passage to show when this vector matches
	Vec       []float32
}

// IdleFilter selects conversations whose time is up: not with a person
// (status bot or closed) and silent since Before. Collection "" selects
// every collection but those in Except.
type IdleFilter struct {
	Collection string
	Except     []string
	Before     time.Time
	Limit      int // at most Limit when set
}

// ConversationExport is everything stored of one conversation that is the
// customer's: the conversation with its signed context, the transcript,
// and the hand-offs with any contact details left.
type ConversationExport struct {
	Conversation *Conversation `json:"conversation"`
	Messages     []*Message    `json:"messages"`
	Handoffs     []*Handoff    `json:"handoffs"`
	// Rating is the customer's CSAT rating; nil when they gave none.
	Rating *Rating `json:"rating"`
}

// ArticleCount is how often an article was used.
type ArticleCount struct {
	ArticleID string
	Count     int
}

// Delivery is one webhook event in the outbox, waiting to be sent. Body is
// the payload exactly as first encoded, so that every attempt, from any
// node, sends the same bytes under the same ID; only the timestamp and
// signature headers are made afresh per attempt.
type Delivery struct {
	ID    string
	Event string
	Body  []byte
	// ConversationID is the conversation the event is about, if any: an
	// erasure removes its deliveries, and its deliveries go out in order.
	ConversationID string
	CreatedAt      time.Time
	// NextAt is when the delivery is due: its creation, then each retry.
	NextAt time.Time
	// Attempts counts the attempts made so far.
	Attempts int
	// LeasedUntil is, while a sender holds the delivery, when its claim
	// lapses and another may take it; zero when nobody holds it.
	LeasedUntil time.Time
	LastError   string
}

// OutboxCount is what the webhook outbox holds, for admins to see whether
// deliveries are getting through.
type OutboxCount struct {
	// Pending counts the deliveries waiting to be sent; Failed those of
	// them whose last attempt failed, waiting for a retry.
	Pending int `json:"pending"`
	Failed  int `json:"failed"`
}

// MaxRatingComment is the longest comment, in characters, a customer may
// leave with a rating.
const MaxRatingComment = 1000

// Rating is a customer's satisfaction score (CSAT) for a conversation:
// one per conversation, a new one replaces it.
type Rating struct {
	ConversationID string `json:"conversation_id"`
	// Collection is the conversation's; the store fills it in on reading.
	Collection string `json:"collection"`
	Score      int    `json:"score"` // 1-5
	Comment    string `json:"comment,omitempty"`
	// AgentID is the agent who held the conversation's last claimed
	// hand-off; empty when only the bot handled it.
	AgentID   string    `json:"agent_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the score and the comment's length.
func (r *Rating) Validate() error {
	if r.Score < 1 || r.Score > 5 {
		return fmt.Errorf("score %d: want 1 to 5: %w", r.Score, ErrInvalid)
	}
	if n := utf8.RuneCountInString(r.Comment); n > MaxRatingComment {
		return fmt.Errorf("comment of %d characters: at most %d: %w", n, MaxRatingComment, ErrInvalid)
	}
	return nil
}

// Store is the persistence Baton needs. Implementations: kb/sqlite (the
// embedded default) and kb/postgres; both pass kb/storetest.
type Store interface {
	// Article returns the article or ErrNotFound.
	Article(ctx context.Context, id string) (*Article, error)
	// Articles lists a collection's articles; an empty collection lists all.
	Articles(ctx context.Context, collection string) ([]*Article, error)
	// Collections lists the collections that hold articles, sorted.
	Collections(ctx context.Context) ([]string, error)
	// MostAnswered counts, most first (at most limit), the articles the
	// bot answered with in a collection's conversations since a time.
	MostAnswered(ctx context.Context, collection string, since time.Time, limit int) ([]ArticleCount, error)
	// PutArticle inserts or updates an article with its chunks. An unchanged
	// hash is a no-op and reports changed=false; otherwise the version is
	// bumped and the previous one kept in history.
	PutArticle(ctx context.Context, a *Article, chunks []Chunk) (changed bool, err error)
	// UpdateArticle is PutArticle only if the stored version is still
	// baseVersion (0: the article must not exist yet); ErrConflict otherwise.
	UpdateArticle(ctx context.Context, a *Article, chunks []Chunk, baseVersion int) (changed bool, err error)
	// ArticleVersions lists an article's versions, newest first, the
	// current one included.
	ArticleVersions(ctx context.Context, id string) ([]*Article, error)
	// DeleteArticle removes an article and its chunks.
	DeleteArticle(ctx context.Context, id string) error

	PutDraft(ctx context.Context, d *Draft) error
	// Draft returns an article's draft or ErrNotFound.
	Draft(ctx context.Context, id string) (*Draft, error)
	// Drafts lists a collection's drafts; an empty collection lists all.
	Drafts(ctx context.Context, collection string) ([]*Draft, error)
	DeleteDraft(ctx context.Context, id string) error

	PutJob(ctx context.Context, j *Job) error
	// SubmitJob stores a new job and its uploaded files in one
	// transaction; the files stay until the job is done or failed.
	SubmitJob(ctx context.Context, j *Job, files []JobUpload) error
	// JobUpload returns the data of a job's file, or ErrNotFound (a job
	// ended, or one submitted before uploads were stored).
	JobUpload(ctx context.Context, jobID string, index int) ([]byte, error)
	// ClaimJob leases to claimer, until now+lease, the oldest job that is
	// queued, or running with its lease lapsed (its node stopped), and
	// marks it running. The job comes back as its last save left it, so
	// Status says whether it was started before. Callers claiming at once,
	// on any node, never get the same job; ErrNotFound when there is none.
	ClaimJob(ctx context.Context, claimer string, now time.Time, lease time.Duration) (*Job, error)
	// SaveClaimedJob is PutJob for the job's claimer, extending its lease
	// to leasedUntil; a job done or failed loses its lease and its files.
	// ErrConflict when another claimer holds the job (this one's lease
	// lapsed and it was taken), ErrNotFound when it is gone.
	SaveClaimedJob(ctx context.Context, j *Job, claimer string, leasedUntil time.Time) error
	// ExtendJobLease extends claimer's lease on a running job to
	// leasedUntil without saving its progress: the heartbeat of a job
	// still being worked on between saves. Nothing is done, and nil
	// returned, when the claimer's job has ended; ErrConflict when another
	// claimer holds it, ErrNotFound when it is gone.
	ExtendJobLease(ctx context.Context, id, claimer string, leasedUntil time.Time) error
	Job(ctx context.Context, id string) (*Job, error)
	// Jobs lists jobs with one of the statuses (all when none), newest first.
	Jobs(ctx context.Context, status ...string) ([]*Job, error)

	// AddMiss records a miss; the same question missed the same way twice
	// is kept once.
	AddMiss(ctx context.Context, m *Miss) error
	Misses(ctx context.Context, f MissFilter) ([]*Miss, error)
	// CloseMisses sets the status and fix of misses.
	CloseMisses(ctx context.Context, ids []string, status, fix string) error

	// ConversationSummaries lists the conversations a collection (all when
	// empty) started in [since, until), oldest first.
	ConversationSummaries(ctx context.Context, collection string, since, until time.Time) ([]ConversationSummary, error)

	AddAudit(ctx context.Context, e *AuditEntry) error
	// Audit lists the entries f selects, the newest first.
	Audit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
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
	// EarlierConversations lists, newest first and at most limit, the
	// conversations of the same customer that started before id: by the
	// signed context's customer id, and the chain of PreviousID.
	EarlierConversations(ctx context.Context, id string, limit int) ([]*Conversation, error)
	SetConversationStatus(ctx context.Context, id, status string) error
	// CustomerConversations lists, oldest first, the conversations whose
	// signed context has this customer id, and the unsigned ones started
	// from them ("New conversation", PreviousID), and from those.
	CustomerConversations(ctx context.Context, customerID string) ([]*Conversation, error)
	// ActiveConversations lists, oldest first, the ids of a collection's
	// conversations with a message at or after since: those a replay of
	// the bot's recent turns needs, whenever they started.
	ActiveConversations(ctx context.Context, collection string, since time.Time) ([]string, error)
	// IdleConversations lists the ids of the conversations f selects,
	// oldest first.
	IdleConversations(ctx context.Context, f IdleFilter) ([]string, error)
	// EraseConversations deletes conversations and everything stored of
	// them (messages, hand-offs, ratings, misses, webhook deliveries,
	// relayed events) and says how many there were; ids that do not exist are
	// skipped. An error with a count above zero came after the deletion
	// (cleaning up a file's copies of the text): the conversations are gone.
	EraseConversations(ctx context.Context, ids []string) (int, error)
	AddMessage(ctx context.Context, m *Message) error
	// SetMessageSignals records the trigger signals of a stored message.
	SetMessageSignals(ctx context.Context, id string, negative float64, rephrase bool) error
	Messages(ctx context.Context, conversationID string) ([]*Message, error)
	// SetFeedback records the customer's thumbs on a bot message of the
	// conversation; ErrNotFound when there is no such bot message.
	SetFeedback(ctx context.Context, conversationID, messageID string, v int) error
	// RatedMessages lists the bot messages customers gave thumbs to.
	RatedMessages(ctx context.Context) ([]*Message, error)

	// PutRating stores a conversation's rating, replacing any earlier
	// one; CreatedAt is set here. ErrInvalid for a score outside 1-5 or
	// an overlong comment, ErrNotFound when there is no such conversation.
	PutRating(ctx context.Context, r *Rating) error
	// Rating returns a conversation's rating or ErrNotFound.
	Rating(ctx context.Context, conversationID string) (*Rating, error)
	// Ratings lists the ratings of the conversations a collection (all
	// when empty) started in [since, until), in the order they started.
	Ratings(ctx context.Context, collection string, since, until time.Time) ([]*Rating, error)

	CreateHandoff(ctx context.Context, h *Handoff) error
	Handoff(ctx context.Context, id string) (*Handoff, error)
	// Handoffs lists matching hand-offs, oldest first.
	Handoffs(ctx context.Context, f HandoffFilter) ([]*Handoff, error)
	// UpdateHandoff writes h's mutable fields (status, claimed_by,
	// claimed_at, closed_at, outcome, contact, priority, team) only if the stored
	// row still has status fromStatus and claimed_by fromClaimedBy, so two
	// agents acting at once cannot both win; ErrConflict otherwise.
	UpdateHandoff(ctx context.Context, h *Handoff, fromStatus, fromClaimedBy string) error

	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id string) (*User, error)
	UserByName(ctx context.Context, name string) (*User, error)
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser writes u's role and disabled flag (ErrNotFound if there is
	// no such user); disabling also ends the user's sessions. A change that
	// would leave no enabled admin is refused with ErrConflict, so nobody
	// locks the desk out; two admins demoting each other at once cannot
	// both win.
	UpdateUser(ctx context.Context, u *User) error
	SetPassword(ctx context.Context, userID, hash string) error
	CreateSession(ctx context.Context, s *Session) error
	// Session returns an unexpired session or ErrNotFound.
	Session(ctx context.Context, idHash string) (*Session, error)
	DeleteSession(ctx context.Context, idHash string) error

	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns an unrevoked key or ErrNotFound.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// RevokeAPIKeys revokes every key of a user and says how many.
	RevokeAPIKeys(ctx context.Context, userID string) (int, error)
	// APIKeys lists a user's keys, revoked ones too, the newest first.
	APIKeys(ctx context.Context, userID string) ([]*APIKey, error)
	// RevokeAPIKey revokes one live key of a user; ErrNotFound when the
	// user has no live key by that id.
	RevokeAPIKey(ctx context.Context, userID, keyID string) error

	// CreateTeam stores a new team with no members or collections;
	// ErrConflict when the name is taken.
	CreateTeam(ctx context.Context, t *Team) error
	// Team returns a team with its members and collections, or ErrNotFound.
	Team(ctx context.Context, id string) (*Team, error)
	// Teams lists every team by name, with members and collections.
	Teams(ctx context.Context) ([]*Team, error)
	// RenameTeam renames a team; ErrNotFound, or ErrConflict when the
	// name is taken.
	RenameTeam(ctx context.Context, id, name string) error
	// DeleteTeam removes a team, its memberships and collections;
	// hand-offs transferred to it lose their team. ErrNotFound when
	// there is no such team.
	DeleteTeam(ctx context.Context, id string) error
	// SetTeamMembers replaces a team's members (user ids); ErrNotFound
	// when the team or one of the users does not exist.
	SetTeamMembers(ctx context.Context, id string, userIDs []string) error
	// SetTeamCollections replaces the collections a team serves;
	// ErrNotFound when there is no such team.
	SetTeamCollections(ctx context.Context, id string, collections []string) error

	SetPresence(ctx context.Context, p *Presence) error
	Presences(ctx context.Context) ([]*Presence, error)

	// EnqueueDelivery adds d to the webhook outbox, due at d.NextAt (now
	// when zero); CreatedAt is set here. ErrConflict when the id is taken.
	EnqueueDelivery(ctx context.Context, d *Delivery) error
	// ClaimDeliveries leases to the caller, until now+lease, at most n
	// deliveries that are due at now and not leased to anyone, oldest
	// first. Of the deliveries about one conversation (or about none) only
	// the oldest can be claimed, so they go out in the order they were
	// enqueued, retries included. Callers claiming at once, on any node,
	// never get the same delivery.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, n int) ([]*Delivery, error)
	// FinishDelivery removes a delivery that was sent or given up on;
	// ErrNotFound when it is gone.
	FinishDelivery(ctx context.Context, id string) error
	// RetryDelivery releases a claimed delivery, due again at at, with the
	// attempts made and the last error; ErrNotFound when it is gone
	// (finished by another sender, or its conversation erased).
	RetryDelivery(ctx context.Context, id string, at time.Time, attempts int, lastErr string) error
	// CountDeliveries counts the deliveries in the outbox, every node's.
	CountDeliveries(ctx context.Context) (OutboxCount, error)

	Close() error
}
