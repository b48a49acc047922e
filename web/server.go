// Package web is Baton's HTTP face: the JSON API under /api/v1, the
// customer chat page, and health checks. Handlers translate between HTTP
// and the domain packages; no domain logic lives here.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// maxBodyBytes bounds JSON request bodies; a 4,000-character message in
// Chinese is about 12 KB.
const maxBodyBytes = 64 << 10

// Server holds what the handlers need.
type Server struct {
	bot         *answer.Bot
	store       kb.Store
	desk        *escalate.Desk
	log         *slog.Logger
	opts        Options
	engine      *gin.Engine
	adminStaff  gin.HandlerFunc // requireStaff(kb.UserAdmin)
	loginByAddr *limiter
	loginByPair *limiter
	loginByName *limiter
	convByAddr  *limiter // nil: no limit
	msgByConv   *limiter // nil: no limit
	closing     chan struct{}
	closeOnce   sync.Once
	policyMu    sync.Mutex // serialises changes to the saved policies
	webhookMu   sync.Mutex // serialises changes to the webhook's receiver
	editor      *ingest.Editor
	jobs        *ingest.Jobs
	metrics     *metrics
}

// CloseStreams ends every live event stream, for a graceful shutdown.
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// Options configure the optional parts of the API.
type Options struct {
	// AdminToken, when set, also opens /api/v1/admin/policies and
	// recalibration, and adds staff accounts while no enabled admin
	// exists (a bootstrap); staff with the admin role always can.
	AdminToken string
	// PolicyFile is where PUT /api/v1/admin/policies saves; empty when a
	// --policy file manages the policies (PUT is then refused).
	PolicyFile string
	// SavePolicies, when set, saves the policies instead of PolicyFile
	// (in a database every node reads).
	SavePolicies func(ctx context.Context, doc []byte) error
	// SecureCookies marks the session cookie Secure even when TLS ends at
	// a proxy in front of Baton.
	SecureCookies bool
	// ContextSecret verifies the customer context host pages sign; empty
	// refuses context.
	ContextSecret string
	// Editor and Jobs serve the editor console and API; without them
	// those routes are absent.
	Editor *ingest.Editor
	Jobs   *ingest.Jobs
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For is believed; none by default, so a client cannot
	// pick the address that login rate limits count against.
	TrustedProxies []string
	// RecalibrateMin is how many labelled questions a collection needs
	// before its confidence is recalibrated, for the analytics to say.
	RecalibrateMin int
	// Conversations limits how many conversations one client address
	// starts, Messages how many messages one conversation takes; a zero
	// Limit is none.
	Conversations, Messages Limit
	// FrameAncestors are the origins whose pages may frame the chat and
	// article pages (the widget's hosts), as CSP frame-ancestors sources;
	// empty is any site. Every other page refuses to be framed.
	FrameAncestors []string
	// BodyTimeout is how long a request body may take to arrive (an
	// upload twenty times that); 30 s when zero.
	BodyTimeout time.Duration
	// Webhook, when set, sends hand-off events; the admin console shows
	// its receiver, sends it a test event and, with SaveWebhook, changes
	// it.
	Webhook *Webhook
	// SaveWebhook, when set, saves a new receiver of the Webhook where
	// every node reads it (and tells the others); without it the
	// receiver cannot be changed through the API.
	SaveWebhook func(ctx context.Context, t WebhookTarget) error
	// Clock is what the rate limits refill by; nil is time.Now.
	// Tests stop it so a slow machine does not refill a bucket mid-test.
	Clock func() time.Time
}

// New builds the HTTP handler.
// A bot without a desk gets one, so hand-offs always reach the queue.
func New(bot *answer.Bot, log *slog.Logger, opts Options) *Server {
	gin.SetMode(gin.ReleaseMode)
	if bot.Desk == nil {
		bot.Desk = &escalate.Desk{Store: bot.Store, Events: escalate.NewBroker(), Policies: bot.Policies}
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = 30 * time.Second
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	s := &Server{bot: bot, store: bot.Store, desk: bot.Desk, log: log, opts: opts, engine: gin.New(),
		// Ten tries per address, then one every six seconds; five per
		// address and name, then one every thirty: slow for guessing, fine
		// for typos, and a stranger's wrong guesses never lock an agent
		// out of their own address. Per name alone only thirty, then one
		// every three seconds: more than one address can spend, so only
		// guessing from many addresses at once meets it.
		loginByAddr: newLimiter(6*time.Second, 10, clock), loginByPair: newLimiter(30*time.Second, 5, clock),
		loginByName: newLimiter(3*time.Second, 30, clock), closing: make(chan struct{}),
		convByAddr: opts.Conversations.limiter(clock), msgByConv: opts.Messages.limiter(clock),
		editor: opts.Editor, jobs: opts.Jobs,
		metrics: newMetrics(bot.Desk)}
	// Article ids hold a slash (collection/name): API clients escape it as
	// %2F, and routes match on the escaped path so it stays one segment.
	s.engine.UseRawPath = true
	if err := s.engine.SetTrustedProxies(opts.TrustedProxies); err != nil {
		// Checked by the config; an unparsable entry trusts no one.
		log.Error("trusted proxies", "err", err)
		s.engine.SetTrustedProxies(nil)
	}
	s.engine.Use(s.requestLog, s.metrics.observe, s.securityHeaders())
	s.engine.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
		s.log.Error("panic in handler", "path", c.Request.URL.Path, "panic", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody(c, "internal", "internal error"))
	}))
	s.engine.SetHTMLTemplate(template.Must(template.ParseFS(templates, "templates/*.html")))
	s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) routes() {
	r := s.engine
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	r.GET("/metrics", s.metrics.handler())
	sub, _ := fs.Sub(static, "static")
	r.StaticFS("/static", http.FS(sub))
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/chat") })
	r.GET("/chat", s.chatPage)
	r.GET("/widget.js", s.widget)
	r.GET("/articles/*id", s.articlePage)
	r.GET("/login", s.loginPage)
	r.GET("/console", s.staffPage(kb.UserAgent, kb.UserAdmin), s.consolePage)
	r.GET("/admin", s.staffPage(kb.UserAdmin), s.adminPage)

	api := r.Group("/api/v1", limitBody(maxBodyBytes, s.opts.BodyTimeout))
	api.POST("/conversations", s.createConversation)
	api.POST("/conversations/:id/messages", s.postMessage)
	api.GET("/conversations/:id/messages", s.listMessages)
	api.POST("/conversations/:id/handoff", s.requestPerson)
	api.GET("/conversations/:id/handoff", s.handoffState)
	api.POST("/conversations/:id/contact", s.leaveContact)
	api.POST("/conversations/:id/reopen", s.reopen)
	api.GET("/collections/:c/welcome", s.welcome)
	api.POST("/conversations/:id/messages/:mid/feedback", s.feedback)
	api.POST("/conversations/:id/rating", s.rate)
	api.POST("/conversations/:id/end", s.end)
	api.GET("/conversations/:id/events", s.customerEvents)

	api.POST("/session", s.login)
	api.GET("/session", s.whoami)
	api.DELETE("/session", s.requireStaff(kb.UserAdmin, kb.UserEditor, kb.UserAgent), s.logout)
	desk := api.Group("", s.requireStaff(kb.UserAgent, kb.UserAdmin))
	desk.GET("/handoffs", s.listHandoffs)
	desk.GET("/handoffs/:id", s.packet)
	desk.POST("/handoffs/:id/claim", s.claim)
	desk.POST("/handoffs/:id/release", s.release)
	desk.POST("/handoffs/:id/transfer", s.transfer)
	desk.POST("/handoffs/:id/handback", s.closeHandoff(kb.HandoffReturned))
	desk.POST("/handoffs/:id/resolve", s.closeHandoff(kb.HandoffResolved))
	desk.POST("/handoffs/:id/messages", s.agentReply)
	desk.GET("/presence", s.presence)
	desk.PUT("/presence", s.setPresence)
	desk.GET("/teams", s.teamDirectory)
	api.GET("/events", s.requireStaff(kb.UserAgent, kb.UserAdmin, kb.UserEditor), s.staffEvents)
	if s.editor != nil && s.jobs != nil {
		r.GET("/editor", s.staffPage(kb.UserEditor, kb.UserAdmin), s.editorPage)
		r.GET("/insights", s.staffPage(kb.UserEditor, kb.UserAdmin, kb.UserAgent), s.insightsPage)
		ed := api.Group("", s.requireStaff(kb.UserEditor, kb.UserAdmin))
		// Uploads are the one body larger than a JSON request.
		r.POST("/api/v1/collections/:c/documents", limitBody(maxUploadBytes, 20*s.opts.BodyTimeout), s.requireStaff(kb.UserEditor, kb.UserAdmin), s.upload)
		ed.GET("/jobs", s.listJobs)
		ed.GET("/jobs/:id", s.job)
		ed.GET("/articles", s.listArticles)
		ed.POST("/articles", s.createArticle)
		ed.GET("/articles/:id", s.getArticle)
		ed.PUT("/articles/:id", s.putArticle)
		ed.DELETE("/articles/:id", s.deleteArticle)
		ed.PUT("/articles/:id/draft", s.saveDraft)
		ed.DELETE("/articles/:id/draft", s.discardDraft)
		ed.POST("/articles/:id/publish", s.publish)
		ed.POST("/articles/:id/restore", s.restore)
		ed.GET("/articles/:id/diff", s.diff)
		ed.POST("/articles/:id/merge", s.merge)
		ed.GET("/duplicates", s.duplicates)
		ed.GET("/collections/:c/welcome/settings", s.welcomeSettings)
		ed.PUT("/collections/:c/welcome/settings", s.putWelcome)
		ed.POST("/search", s.retrievalConsole)
		ed.POST("/preview", s.preview)
		ed.GET("/audit", s.audit)
		ed.POST("/misses/fix", s.fixMisses)
		api.GET("/misses", s.requireStaff(kb.UserEditor, kb.UserAdmin, kb.UserAgent), s.misses)
		api.GET("/analytics", s.requireStaff(kb.UserEditor, kb.UserAdmin, kb.UserAgent), s.analytics)
	}
	s.adminStaff = s.requireStaff(kb.UserAdmin)
	admin := api.Group("/admin", s.requireAdmin)
	admin.GET("/policies", s.getPolicies)
	admin.PUT("/policies", s.putPolicies)
	admin.POST("/policies/preview", s.previewPolicy)
	admin.GET("/recalibration", s.getRecalibrations)
	// The privacy API needs a member of staff with the admin role (a
	// session or a bk_ key), so that every export and erasure is audited
	// under a name; the shared admin token does not open it.
	// Staff accounts likewise need an admin by name, except that the
	// bootstrap token may add accounts while no enabled admin exists.
	api.POST("/admin/users", s.adminOrBootstrap, s.createStaff)
	staff := api.Group("/admin/users", s.adminStaff)
	staff.GET("", s.listStaff)
	staff.PATCH("/:id", s.updateStaff)
	staff.POST("/:id/password", s.resetPassword)
	staff.GET("/:id/keys", s.listKeys)
	staff.POST("/:id/keys", s.createKey)
	staff.DELETE("/:id/keys/:key", s.revokeKey)
	privacy := api.Group("/admin", s.adminStaff)
	privacy.GET("/conversations/:id/export", s.exportConversation)
	privacy.DELETE("/conversations/:id", s.eraseConversation)
	privacy.GET("/customers/:customer_id/export", s.exportCustomer)
	privacy.DELETE("/customers/:customer_id", s.eraseCustomer)
	// Integrations: an admin by name, so that each change and test event
	// is audited under it.
	integ := api.Group("/admin/integrations", s.adminStaff)
	integ.GET("", s.integrations)
	integ.PUT("/webhook", s.putWebhook)
	integ.POST("/webhook/test", s.testWebhook)
	// Teams: an admin by name, so that each change is audited under it.
	teams := api.Group("/admin/teams", s.adminStaff)
	teams.GET("", s.listTeams)
	teams.POST("", s.createTeam)
	teams.PATCH("/:id", s.renameTeam)
	teams.DELETE("/:id", s.deleteTeam)
	teams.PUT("/:id/members", s.setTeamMembers)
	teams.PUT("/:id/collections", s.setTeamCollections)
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, errorBody(c, "not_found", "no such endpoint"))
	})
}

// message is an error as a user reads it: the code already says the
// kind, so the sentinel's own text is dropped from the end.
func message(err, sentinel error) string {
	return strings.TrimSuffix(err.Error(), ": "+sentinel.Error())
}

func isNotFound(err error) bool { return errors.Is(err, kb.ErrNotFound) }

// limitBody bounds request bodies to n bytes; beyond it a read fails
// and the handler answers 413.
func limitBody(n int64, within time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		body := http.MaxBytesReader(c.Writer, c.Request.Body, n)
		if c.Request.ContentLength != 0 && within > 0 {
			// A body must arrive within its time: a client trickling
			// bytes cannot hold a connection open for ever.
			rc := http.NewResponseController(c.Writer)
			if rc.SetReadDeadline(time.Now().Add(within)) == nil {
				body = &deadlineBody{ReadCloser: body, rc: rc}
			}
		}
		c.Request.Body = body
		c.Next()
	}
}

// deadlineBody lifts the connection's read deadline once the body has been
// read, so a long answer (a streamed turn) is never cut by it.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	// Only a whole body lifts it: after a timeout the server must not wait
	// on the rest of a trickled body before it answers.
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// apiError is the JSON error shape every endpoint uses.
type apiError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// policiesManaged reports whether the policies can be changed through the
// API (not when a --policy file manages them).
func (s *Server) policiesManaged() bool { return s.opts.PolicyFile != "" || s.opts.SavePolicies != nil }

// savePolicies saves a policy document where the server keeps them.
func (s *Server) savePolicies(ctx context.Context, doc []byte) error {
	if s.opts.SavePolicies != nil {
		return s.opts.SavePolicies(ctx, doc)
	}
	return kb.WriteFileAtomic(s.opts.PolicyFile, doc)
}

// errorBody is the body of an error answer, carrying the request's id so
// a user's report can be matched with the logs.
func errorBody(c *gin.Context, code, msg string) gin.H {
	return gin.H{"error": apiError{Code: code, Message: msg, RequestID: c.GetString(requestIDKey)}}
}

// fail maps an error to its status and JSON body. Only internal errors
// are logged: user mistakes are the user's to see, not the operator's.
func (s *Server) fail(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.JSON(http.StatusRequestEntityTooLarge, errorBody(c, "too_large", "request body is too large"))
	case errors.Is(err, kb.ErrInvalid):
		c.JSON(http.StatusBadRequest, errorBody(c, "invalid", message(err, kb.ErrInvalid)))
	case errors.Is(err, kb.ErrNotFound):
		c.JSON(http.StatusNotFound, errorBody(c, "not_found", message(err, kb.ErrNotFound)))
	case errors.Is(err, errSignIn):
		c.JSON(http.StatusUnauthorized, errorBody(c, "unauthorized", "sign in first"))
	case errors.Is(err, answer.ErrTokenExpired):
		c.JSON(http.StatusUnauthorized, errorBody(c, "token_expired", "this conversation has been idle too long; start a new one"))
	case errors.Is(err, kb.ErrForbidden):
		c.JSON(http.StatusForbidden, errorBody(c, "forbidden", message(err, kb.ErrForbidden)))
	case errors.Is(err, answer.ErrEnded):
		c.JSON(http.StatusConflict, errorBody(c, "conversation_ended", message(err, kb.ErrConflict)))
	case errors.Is(err, kb.ErrConflict):
		c.JSON(http.StatusConflict, errorBody(c, "conflict", message(err, kb.ErrConflict)))
	default:
		s.log.Error("request failed", "request_id", c.GetString(requestIDKey), "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
		c.JSON(http.StatusInternalServerError, errorBody(c, "internal", "internal error"))
	}
}

// Routes lists every route the server answers, as "METHOD /path" with
// gin's parameters (":id", "*id"), for tests that must cover them all.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.engine.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}
