package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
	"github.com/batonhq/baton/retrieval/onnx"
	"github.com/batonhq/baton/web"
)

// Config is everything Baton is configured with: flags first, then
// BATON_* environment variables for what no flag set, then Validate.
// defaultTokenIdle is how long a customer's token lasts with no message:
// a week, so a customer who comes back days later still sees their
// conversation.
const defaultTokenIdle = 7 * 24 * time.Hour

type Config struct {
	Addr string
	Data string
	// DatabaseURL, when set (postgres://...), keeps the store in
	// PostgreSQL instead of the data directory's SQLite database; the
	// keyword index and classifiers stay in the data directory.
	DatabaseURL string
	Collection  string

	AnswerThreshold  float64
	HandoffThreshold float64
	ConfidenceModel  string // path to a model from `baton calibrate`; empty for the built-in one
	InScopeModel     string // path to a model from `baton calibrate --task inscope`; empty for the built-in one
	Policy           string // hand-off policy file (YAML/JSON); empty for the defaults
	AdminToken       string // guards the admin API; from the environment only, never a flag

	// embedder, when set, is used instead of opening one and is left
	// open by App.Close: a throwaway App (a collection measuring its
	// hand-off threshold) shares its parent's model.
	embedder retrieval.Embedder

	// Embedder is "local" (the bundled bge-small-zh-v1.5, default), "openai"
	// (any OpenAI-compatible server; default when a base URL is set) or
	// "none" (keyword-only).
	Embedder     string
	ModelDir     string
	EmbedThreads int
	// IngestWorkers is how many files ingestion parses, or articles it embeds, at once
	// (`baton ingest` and upload jobs); 0 means GOMAXPROCS. Fewer leaves
	// cores to chat turns during a bulk upload.
	IngestWorkers int
	IVFThreshold  int  // vectors per collection above which search is approximate; -1 never
	NoClassifier  bool // leave out the per-collection article classifier
	// VectorSearch is where a question's vector candidates come from:
	// "memory" (default; a scan of the vectors each node holds) or, on
	// PostgreSQL, "pgvector" (the HNSW indexes in the database).
	VectorSearch string
	// RecalibrateMin is how many labelled questions a collection needs
	// before its confidence is recalibrated; RecalibrateEvery how often
	// the server refits (negative: never; saved recalibrations still
	// apply).
	RecalibrateMin   int
	RecalibrateEvery time.Duration
	// TokenIdle is how long a customer's conversation token lasts with no
	// message (negative: forever).
	TokenIdle    time.Duration
	EmbedBaseURL string
	EmbedModel   string
	EmbedAPIKey  string

	// Rerank, when a base URL is set, reorders the fused candidates.
	RerankBaseURL string
	RerankModel   string
	RerankAPIKey  string

	// LLM, when a base URL and model are set, writes grounded answers.
	LLMBaseURL string
	LLMModel   string
	LLMAPIKey  string
	LLMTimeout time.Duration

	Keyword struct{ Scoring, CJK string }

	// AdminUser and AdminPassword create the first admin at the first
	// start of `baton serve` (environment only).
	AdminUser     string
	AdminPassword string
	// SecureCookies marks session cookies Secure behind a TLS proxy.
	SecureCookies bool
	// WebhookURL receives hand-off events signed with WebhookSecret.
	WebhookURL    string
	WebhookSecret string
	// ContextSecret verifies the customer context host pages sign.
	ContextSecret string
	// TrustedProxies (comma-separated addresses or CIDRs) may set
	// X-Forwarded-For.
	TrustedProxies string
	// ConversationLimit ("N/DURATION" or "off") bounds the conversations
	// one client address starts, MessageLimit the messages of one
	// conversation.
	ConversationLimit, MessageLimit string
	// LogFormat is "text" (default) or "json"; read before the flags are
	// (see logFormat), declared here so every command accepts it.
	LogFormat string
	// FrameAncestors (space- or comma-separated CSP sources) may frame
	// the chat page; empty is any site.
	FrameAncestors string

	// clock drives the rate limits; nil is time.Now.
	clock func() time.Time
	// bodyTimeout is how long a request body may take; 30 s when zero.
	bodyTimeout time.Duration
	// backgroundEmbed leaves embedding the articles without vectors to
	// the server's background (StartServer sets it).
	backgroundEmbed bool
}

// bindFlags registers the flags shared by every command on fs.
func (c *Config) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Data, "data", "", "data directory (env BATON_DATA, default ./data)")
	fs.StringVar(&c.LogFormat, "log-format", "", "text or json (env BATON_LOG_FORMAT, default text)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL database (postgres://...) instead of the embedded SQLite one; needs pgvector (env BATON_DATABASE_URL)")
	fs.StringVar(&c.Collection, "collection", "", "collection (env BATON_COLLECTION, default \"default\")")
	fs.Float64Var(&c.AnswerThreshold, "answer-threshold", 0, "confidence at or above which the bot answers; overrides the policy default (env BATON_ANSWER_THRESHOLD)")
	fs.Float64Var(&c.HandoffThreshold, "handoff-threshold", 0, "confidence below which the bot hands off; overrides the policy default (env BATON_HANDOFF_THRESHOLD)")
	fs.StringVar(&c.Policy, "policy", "", "hand-off policy file, YAML or JSON, per collection (env BATON_POLICY)")
	fs.StringVar(&c.ConfidenceModel, "confidence-model", "", "confidence model JSON from `baton calibrate` (env BATON_CONFIDENCE_MODEL)")
	fs.StringVar(&c.InScopeModel, "inscope-model", "", "in-scope model JSON from `baton calibrate --task inscope` (env BATON_INSCOPE_MODEL)")
	fs.StringVar(&c.Embedder, "embedder", "", "local, openai or none (env BATON_EMBEDDER; default local, or openai when a base URL is set)")
	fs.StringVar(&c.ModelDir, "model-dir", "", "directory of the local embedding model (env BATON_MODEL_DIR; default ~/.cache/baton/models/bge-small-zh-v1.5)")
	fs.StringVar(&c.EmbedBaseURL, "embed-base-url", "", "OpenAI-compatible embeddings base URL; enables hybrid search (env BATON_EMBED_BASE_URL)")
	fs.StringVar(&c.EmbedModel, "embed-model", "", "embedding model name (env BATON_EMBED_MODEL)")
	fs.StringVar(&c.RerankBaseURL, "rerank-base-url", "", "rerank endpoint base URL (POST {base}/rerank, the Cohere/Jina/vLLM form); reorders the top candidates (env BATON_RERANK_BASE_URL)")
	fs.StringVar(&c.RerankModel, "rerank-model", "", "rerank model name (env BATON_RERANK_MODEL)")
	fs.StringVar(&c.LLMBaseURL, "llm-base-url", "", "OpenAI-compatible chat base URL for grounded answers (env BATON_LLM_BASE_URL)")
	fs.StringVar(&c.LLMModel, "llm-model", "", "chat model name (env BATON_LLM_MODEL)")
	fs.DurationVar(&c.LLMTimeout, "llm-timeout", 0, "per-call timeout of the chat model (env BATON_LLM_TIMEOUT, default 20s)")
	fs.IntVar(&c.IVFThreshold, "ivf-threshold", 0, "vectors per collection above which vector search scans only the nearest clusters; -1 never (env BATON_IVF_THRESHOLD, default 20000)")
	fs.StringVar(&c.VectorSearch, "vector-search", "", "memory or pgvector (PostgreSQL only): scan each node's in-memory vectors, or ask the database's HNSW indexes (env BATON_VECTOR_SEARCH, default memory)")
	fs.BoolVar(&c.NoClassifier, "no-classifier", false, "do not train per-collection article classifiers on the embeddings (env BATON_CLASSIFIER=off)")
	fs.IntVar(&c.RecalibrateMin, "recalibrate-min", 0, "labelled questions (agents' verdicts, customers' thumbs) a collection needs before its confidence is recalibrated (env BATON_RECALIBRATE_MIN, default 100)")
	fs.DurationVar(&c.RecalibrateEvery, "recalibrate-every", 0, "how often the server refits the per-collection recalibrations; -1s never (env BATON_RECALIBRATE_EVERY, default 1h)")
	fs.DurationVar(&c.TokenIdle, "token-idle", 0, "how long a customer's conversation token lasts with no message; then the chat page starts a new conversation; -1s never (env BATON_TOKEN_IDLE, default 168h)")
	fs.IntVar(&c.EmbedThreads, "embed-threads", 0, "threads for the local embedding model (env BATON_EMBED_THREADS; default 1)")
	fs.IntVar(&c.IngestWorkers, "ingest-workers", 0, "files ingestion parses, or articles it embeds, at once (env BATON_INGEST_WORKERS; default the number of cores)")
	fs.StringVar(&c.Keyword.Scoring, "keyword-scoring", "", "keyword scoring for new indexes: bm25 or tf-idf (env BATON_KEYWORD_SCORING)")
	fs.StringVar(&c.FrameAncestors, "frame-ancestors", "", "sites whose pages may frame the chat page (the widget's hosts), CSP sources such as https://shop.example (env BATON_FRAME_ANCESTORS; default any)")
	fs.StringVar(&c.ConversationLimit, "conversation-limit", "", "new conversations per client address, N/DURATION or off (env BATON_CONVERSATION_LIMIT, default 20/1m)")
	fs.StringVar(&c.MessageLimit, "message-limit", "", "customer messages per conversation, N/DURATION or off (env BATON_MESSAGE_LIMIT, default 30/1m)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark staff session cookies Secure, for TLS ended at a proxy (env BATON_SECURE_COOKIES)")
	fs.StringVar(&c.Keyword.CJK, "keyword-cjk", "", "Chinese analysis for new indexes: unigram+bigram or bigram (env BATON_KEYWORD_CJK)")
}

// fromEnv fills what flags left unset from the environment and defaults.
func (c *Config) fromEnv() error {
	str := func(dst *string, env, def string) {
		if *dst == "" {
			*dst = os.Getenv(env)
		}
		if *dst == "" {
			*dst = def
		}
	}
	num := func(dst *float64, env string, def float64) error {
		if *dst != 0 {
			return nil
		}
		*dst = def
		if v := os.Getenv(env); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s=%q: not a number", env, v)
			}
			*dst = f
		}
		return nil
	}
	// integer and duration fill a number no flag set from env.
	integer := func(dst *int, env string) error {
		if v := os.Getenv(env); v != "" && *dst == 0 {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s=%q: not a whole number", env, v)
			}
			*dst = n
		}
		return nil
	}
	duration := func(dst *time.Duration, env string) error {
		if v := os.Getenv(env); v != "" && *dst == 0 {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: not a duration (e.g. 20s, 1h)", env, v)
			}
			*dst = d
		}
		return nil
	}
	str(&c.Addr, "BATON_ADDR", "127.0.0.1:8080")
	str(&c.Data, "BATON_DATA", "data")
	str(&c.Collection, "BATON_COLLECTION", kb.DefaultCollection)
	str(&c.ConfidenceModel, "BATON_CONFIDENCE_MODEL", "")
	str(&c.InScopeModel, "BATON_INSCOPE_MODEL", "")
	str(&c.EmbedBaseURL, "BATON_EMBED_BASE_URL", "")
	str(&c.EmbedModel, "BATON_EMBED_MODEL", "")
	str(&c.EmbedAPIKey, "BATON_EMBED_API_KEY", "")
	str(&c.RerankBaseURL, "BATON_RERANK_BASE_URL", "")
	str(&c.RerankModel, "BATON_RERANK_MODEL", "")
	str(&c.RerankAPIKey, "BATON_RERANK_API_KEY", "")
	def := "local"
	if c.EmbedBaseURL != "" {
		def = "openai"
	}
	str(&c.Embedder, "BATON_EMBEDDER", def)
	str(&c.ModelDir, "BATON_MODEL_DIR", onnx.DefaultDir())
	for _, v := range []struct {
		dst *int
		env string
	}{{&c.IVFThreshold, "BATON_IVF_THRESHOLD"}, {&c.EmbedThreads, "BATON_EMBED_THREADS"}, {&c.IngestWorkers, "BATON_INGEST_WORKERS"}, {&c.RecalibrateMin, "BATON_RECALIBRATE_MIN"}} {
		if err := integer(v.dst, v.env); err != nil {
			return err
		}
	}
	if c.RecalibrateMin <= 0 {
		c.RecalibrateMin = defaultRecalibrateMin
	}
	if err := duration(&c.RecalibrateEvery, "BATON_RECALIBRATE_EVERY"); err != nil {
		return err
	}
	if c.RecalibrateEvery == 0 {
		c.RecalibrateEvery = defaultRecalibrateEvery
	}
	if err := duration(&c.TokenIdle, "BATON_TOKEN_IDLE"); err != nil {
		return err
	}
	if c.TokenIdle == 0 {
		c.TokenIdle = defaultTokenIdle
	}
	// Negative: tokens never expire (Bot.TokenIdle <= 0).
	if os.Getenv("BATON_CLASSIFIER") == "off" {
		c.NoClassifier = true
	}
	str(&c.Keyword.Scoring, "BATON_KEYWORD_SCORING", "")
	str(&c.Keyword.CJK, "BATON_KEYWORD_CJK", "")
	str(&c.Policy, "BATON_POLICY", "")
	str(&c.AdminToken, "BATON_ADMIN_TOKEN", "")
	str(&c.AdminUser, "BATON_ADMIN_USER", "")
	str(&c.AdminPassword, "BATON_ADMIN_PASSWORD", "")
	str(&c.WebhookURL, "BATON_WEBHOOK_URL", "")
	str(&c.WebhookSecret, "BATON_WEBHOOK_SECRET", "")
	str(&c.ContextSecret, "BATON_CONTEXT_SECRET", "")
	str(&c.TrustedProxies, "BATON_TRUSTED_PROXIES", "")
	str(&c.DatabaseURL, "BATON_DATABASE_URL", "")
	str(&c.LogFormat, "BATON_LOG_FORMAT", "")
	str(&c.VectorSearch, "BATON_VECTOR_SEARCH", "memory")
	str(&c.FrameAncestors, "BATON_FRAME_ANCESTORS", "")
	str(&c.ConversationLimit, "BATON_CONVERSATION_LIMIT", "20/1m")
	str(&c.MessageLimit, "BATON_MESSAGE_LIMIT", "30/1m")
	if v := os.Getenv("BATON_SECURE_COOKIES"); v != "" && !c.SecureCookies {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("BATON_SECURE_COOKIES=%q: want true or false", v)
		}
		c.SecureCookies = b
	}
	str(&c.LLMBaseURL, "BATON_LLM_BASE_URL", "")
	str(&c.LLMModel, "BATON_LLM_MODEL", "")
	str(&c.LLMAPIKey, "BATON_LLM_API_KEY", "")
	if err := duration(&c.LLMTimeout, "BATON_LLM_TIMEOUT"); err != nil {
		return err
	}
	if err := num(&c.AnswerThreshold, "BATON_ANSWER_THRESHOLD", 0); err != nil {
		return err
	}
	return num(&c.HandoffThreshold, "BATON_HANDOFF_THRESHOLD", 0)
}

// proxies splits TrustedProxies.
func (c *Config) proxies() []string { return splitList(c.TrustedProxies) }

// Validate reports configuration mistakes before anything starts.
func (c *Config) Validate() error {
	if c.HandoffThreshold < 0 || c.HandoffThreshold > 1 || c.AnswerThreshold < 0 || c.AnswerThreshold > 1 {
		return fmt.Errorf("thresholds are probabilities: want 0..1, got handoff %v, answer %v", c.HandoffThreshold, c.AnswerThreshold)
	}
	switch c.Embedder {
	case "local", "none":
	case "openai":
		if c.EmbedBaseURL == "" || c.EmbedModel == "" {
			return fmt.Errorf("embedder openai: set both BATON_EMBED_BASE_URL and BATON_EMBED_MODEL")
		}
	default:
		return fmt.Errorf("embedder %q: want local, openai or none", c.Embedder)
	}
	if (c.LLMBaseURL == "") != (c.LLMModel == "") {
		return fmt.Errorf("grounded answers: set both BATON_LLM_BASE_URL and BATON_LLM_MODEL, or neither")
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return fmt.Errorf("BATON_ADMIN_TOKEN: use at least 16 characters")
	}
	if (c.WebhookURL == "") != (c.WebhookSecret == "") {
		return fmt.Errorf("webhooks: set both BATON_WEBHOOK_URL and BATON_WEBHOOK_SECRET, or neither")
	}
	for _, p := range c.proxies() {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("BATON_TRUSTED_PROXIES: %q is neither an address nor a CIDR", p)
			}
		}
	}
	switch c.VectorSearch {
	case "", "memory":
	case "pgvector":
		if c.DatabaseURL == "" {
			return fmt.Errorf("--vector-search pgvector needs the PostgreSQL backend (BATON_DATABASE_URL)")
		}
	default:
		return fmt.Errorf("--vector-search %q: want memory or pgvector", c.VectorSearch)
	}
	if f := c.LogFormat; f != "" && f != "text" && f != "json" {
		return fmt.Errorf("--log-format %q: want text or json", f)
	}
	if _, err := web.ParseLimit(c.ConversationLimit); err != nil {
		return fmt.Errorf("BATON_CONVERSATION_LIMIT: %w", err)
	}
	if _, err := web.ParseLimit(c.MessageLimit); err != nil {
		return fmt.Errorf("BATON_MESSAGE_LIMIT: %w", err)
	}
	if c.ContextSecret != "" && len(c.ContextSecret) < 16 {
		return fmt.Errorf("BATON_CONTEXT_SECRET: use at least 16 characters")
	}
	if (c.AdminUser == "") != (c.AdminPassword == "") {
		return fmt.Errorf("first admin: set both BATON_ADMIN_USER and BATON_ADMIN_PASSWORD, or neither")
	}
	if c.EmbedThreads < 0 {
		return fmt.Errorf("embed threads: want 0 (runtime default) or more, got %d", c.EmbedThreads)
	}
	if c.IngestWorkers < 0 {
		return fmt.Errorf("ingest workers: want 0 (one per core) or more, got %d", c.IngestWorkers)
	}
	return nil
}
