package answer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
)

// MaxMessageRunes bounds a customer message.
const MaxMessageRunes = 4000

// Bot runs conversations: it stores each customer turn, answers it or hands
// it off, and stores the reply. The API, `baton ask` and `baton eval` all
// go through it, so what is measured is what customers get.
type Bot struct {
	Store    kb.Store
	Composer *Composer
	// policies is swapped whole by SetPolicies (the admin API) while
	// turns read it.
	policies atomic.Pointer[escalate.Config]
	// talk caches, for the policies in force (talkFor), the small-talk
	// recogniser of each collection that adds phrasings of its own.
	talkMu  sync.Mutex
	talkFor *escalate.Config
	talk    map[string]*escalate.SmallTalk
	// Sentiment and Rephrase measure the customer's turns; either may be
	// nil, which turns its trigger off.
	Sentiment SentimentScorer
	Rephrase  RephraseScorer
	// SmallTalk recognises greetings, thanks and the like, answered with a
	// short reply and never handed off; nil turns it off.
	SmallTalk *escalate.SmallTalk
	// OnSignalError hears about a signal that could not be measured; the
	// turn goes on without it.
	OnSignalError func(error)
	// Generator, when set, rewrites confident answers from the cited
	// passages; it never changes the band, the confidence or the triggers.
	Generator *Generator
	// Desk, when set, queues hand-offs for agents and carries messages to
	// the live pages; without it (eval, ask) hand-offs are only recorded.
	Desk *escalate.Desk
	// TokenIdle, when positive, is how long a customer's token lasts
	// with no message in its conversation: after that Authorize refuses
	// it with ErrTokenExpired, and the chat page starts a new
	// conversation. A conversation with a person does not expire.
	TokenIdle time.Duration
	// Now is the clock TokenIdle is measured on; nil is time.Now.
	Now func() time.Time
	// SelfThresholds are the hand-off thresholds collections measured of
	// themselves, used where the policy's SelfHandoff is on; nil: none.
	SelfThresholds *SelfThresholds
}

// InForce returns policy p of a collection as its turns apply it: the
// hand-off threshold raised to the collection's measured one where p
// asks for that (SelfHandoff) and it is higher.
func (b *Bot) InForce(collection string, p escalate.Policy) escalate.Policy {
	if t, ok := b.SelfThresholds.Get(collection); ok && p.SelfHandoff && t.Threshold > p.HandoffThreshold {
		p.HandoffThreshold = t.Threshold
	}
	return p
}

// ErrTokenExpired is a customer's token refused because its conversation
// has been idle longer than Bot.TokenIdle.
var ErrTokenExpired = errors.New("conversation token expired")

// SentimentScorer estimates the probability that a message expresses
// dissatisfaction, anger, anxiety or urgency.
type SentimentScorer interface {
	Negative(ctx context.Context, text string) (prob float64, cues []string, err error)
}

// RephraseScorer estimates the probability that cur asks again what prev
// asked; ret, when not nil, is what the bot's search made of the two.
type RephraseScorer interface {
	Score(ctx context.Context, prev, cur string, ret *escalate.RephraseRetrieval) (prob, sim float64, cue bool, err error)
}

// Policies returns the hand-off policies in force.
func (b *Bot) Policies() *escalate.Config {
	if p := b.policies.Load(); p != nil {
		return p
	}
	return escalate.NewConfig()
}

// SetPolicies replaces the hand-off policies for the turns that follow.
func (b *Bot) SetPolicies(c *escalate.Config) { b.policies.Store(c) }

// Start opens a conversation and returns it with the customer's token,
// which is shown once and stored only as a hash. cc is the verified
// customer context, nil when the host page sent none.
func (b *Bot) Start(ctx context.Context, collection, lang string, cc *kb.CustomerContext) (*kb.Conversation, string, error) {
	return b.StartAfter(ctx, collection, lang, cc, nil)
}

// StartAfter is Start for a customer who goes on from an earlier
// conversation (the chat page's "New conversation", which proved it holds
// previous's token): the new one records it, so the agent's packet lists
// the customer's history even without a signed customer id.
func (b *Bot) StartAfter(ctx context.Context, collection, lang string, cc *kb.CustomerContext, previous *kb.Conversation) (*kb.Conversation, string, error) {
	if collection == "" {
		collection = kb.DefaultCollection
	}
	switch lang {
	case "", "auto", "en", "zh":
	default:
		return nil, "", fmt.Errorf("lang %q: want auto, en or zh: %w", lang, kb.ErrInvalid)
	}
	if lang == "" {
		lang = "auto"
	}
	if err := b.knownCollection(ctx, collection); err != nil {
		return nil, "", err
	}
	token := randomID(24)
	c := &kb.Conversation{ID: randomID(12), Collection: collection, Lang: lang, TokenHash: hashToken(token), Status: kb.StatusBot, Context: cc}
	if previous != nil {
		c.PreviousID = previous.ID
	}
	if err := b.Store.CreateConversation(ctx, c); err != nil {
		return nil, "", err
	}
	return c, token, nil
}

// UnknownCollectionError refuses a conversation with a collection that
// holds no articles, where every question would hand off.
type UnknownCollectionError struct {
	Collection string
	Known      []string
}

func (e *UnknownCollectionError) Error() string {
	return fmt.Sprintf("collection %q holds no articles; known collections: %s", e.Collection, strings.Join(e.Known, ", "))
}

func (e *UnknownCollectionError) Unwrap() error { return kb.ErrNotFound }

// knownCollection checks that a collection holds articles. A knowledge
// base with none at all takes any: a fresh install's chat page works (and
// hands every question to the team) before the first upload.
func (b *Bot) knownCollection(ctx context.Context, collection string) error {
	known, err := b.Store.Collections(ctx)
	if err != nil {
		return err
	}
	if len(known) == 0 || slices.Contains(known, collection) {
		return nil
	}
	return &UnknownCollectionError{Collection: collection, Known: known}
}

// Authorize loads a conversation and checks the customer's token against it.
func (b *Bot) Authorize(ctx context.Context, id, token string) (*kb.Conversation, error) {
	c, err := b.Store.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(c.TokenHash)) != 1 {
		return nil, fmt.Errorf("conversation %s: token does not match: %w", id, kb.ErrForbidden)
	}
	if b.TokenIdle <= 0 || c.Status == kb.StatusHandoff {
		return c, nil
	}
	msgs, err := b.Store.Messages(ctx, id)
	if err != nil {
		return nil, err
	}
	last := c.CreatedAt
	for _, m := range msgs {
		if m.CreatedAt.After(last) {
			last = m.CreatedAt
		}
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	if idle := now().Sub(last); idle > b.TokenIdle {
		return nil, fmt.Errorf("conversation %s: idle for %v, tokens last %v: %w", id, idle.Round(time.Second), b.TokenIdle, ErrTokenExpired)
	}
	return c, nil
}

// TurnResult is the outcome of one customer turn.
type TurnResult struct {
	MessageID string // the stored customer message
	ReplyID   string // the stored bot reply; empty when the bot did not reply
	Reply     kb.Reply
	Handoff   *kb.Handoff // nil unless this turn handed off
	Composed  *Result     // evidence; nil when the conversation is with a person
	Signals   escalate.Signals
	// WithPerson is set when the conversation was already handed off: the
	// message went to the team and the bot did not reply.
	WithPerson bool
}

// Turn answers one customer message in conversation c.
func (b *Bot) Turn(ctx context.Context, c *kb.Conversation, text string) (*TurnResult, error) {
	return b.turn(ctx, c, text, nil)
}

// TurnStream is Turn with a generated answer streamed to onDelta as the
// model writes it. The returned reply is what counts: when the generated
// answer fails its checks it is the extractive one, and what was streamed
// must be replaced by it.
func (b *Bot) TurnStream(ctx context.Context, c *kb.Conversation, text string, onDelta func(string)) (*TurnResult, error) {
	return b.turn(ctx, c, text, onDelta)
}

func (b *Bot) turn(ctx context.Context, c *kb.Conversation, text string, onDelta func(string)) (*TurnResult, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("message text is empty: %w", kb.ErrInvalid)
	}
	if n := utf8.RuneCountInString(text); n > MaxMessageRunes {
		return nil, fmt.Errorf("message is %d characters, the limit is %d: %w", n, MaxMessageRunes, kb.ErrInvalid)
	}
	if c.Status == kb.StatusClosed {
		return nil, ErrEnded
	}
	history, err := b.Store.Messages(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	// Stored before anything else can fail: nothing the customer says is lost.
	msg := &kb.Message{ID: randomID(12), ConversationID: c.ID, Role: kb.RoleCustomer, Text: text}
	if err := b.Store.AddMessage(ctx, msg); err != nil {
		return nil, err
	}
	b.posted(msg)
	lang := c.Lang
	if lang == "auto" {
		lang = ingest.DetectLang(text)
	}
	out := &TurnResult{MessageID: msg.ID}
	if c.Status != kb.StatusBot {
		// The conversation is with the team: the message waits for them.
		out.WithPerson = true
		return out, nil
	}
	res, err := b.Composer.Compose(ctx, c.Collection, text)
	if err != nil {
		return nil, err
	}
	out.Composed = res
	policies := b.Policies()
	policy := b.InForce(c.Collection, policies.For(c.Collection))
	reply := res.Reply
	reply.Band = policy.Band(reply.Confidence, reply.InScope)
	if len(res.Hits) == 0 {
		reply.Band = kb.BandHandoff
	}
	if kind := b.smallTalk(policies, c.Collection, text, reply.Band); kind != "" {
		// The knowledge base's own confident article (a "greeting" FAQ)
		// would have answered; otherwise a short reply, and nothing
		// about the turn counts as a miss, a rephrase or a hand-off.
		reply = kb.Reply{Text: b.SmallTalk.Reply(kind, lang, policy.SmallTalk.Replies), Band: kb.BandSmallTalk, SmallTalk: kind,
			Citations: []kb.Citation{}, Suggestions: []kb.Suggestion{}}
		out.Reply = reply
		return out, b.addBotMessage(ctx, c.ID, out)
	}
	var found []string // the search's articles, when the policy lets them count
	if policy.RephraseByArticle {
		found = make([]string, len(res.Hits))
		for i, h := range res.Hits {
			found[i] = h.ArticleID
		}
	}
	signals := b.signals(ctx, history, text, found)
	if signals.Negative != 0 || signals.Rephrase {
		if err := b.Store.SetMessageSignals(ctx, msg.ID, signals.Negative, signals.Rephrase); err != nil {
			return nil, err
		}
	}
	out.Signals = signals
	turn := escalate.Turn{Text: text, Band: reply.Band, Top: res.Top, PriorMisses: escalate.PriorMisses(history), Signals: signals}
	if c.Context != nil {
		turn.Stage = c.Context.Stage
	}
	reasons := policy.Decide(turn)
	switch {
	case len(reasons) > 0:
		h, err := b.handOff(ctx, c, reasons, lang, &reply)
		if err != nil {
			return nil, err
		}
		out.Handoff = h
		if !slices.Equal(reasons, []string{kb.ReasonExplicitRequest}) {
			// Asking for a person is not a gap in the knowledge base.
			b.recordMiss(ctx, c, msg, lang, kb.MissHandoff, reasons, res.Reply.Citations)
		}
	case reply.Band == kb.BandClarify:
		reply.Text = phrase(lang, "clarify")
		b.recordMiss(ctx, c, msg, lang, kb.MissClarify, nil, res.Reply.Citations)
	case b.Generator != nil:
		b.generate(ctx, lang, text, res, &reply, onDelta)
	}
	out.Reply = reply
	return out, b.addBotMessage(ctx, c.ID, out)
}

// smallTalk returns the small-talk kind of text, or "" when the turn is to
// be answered from the knowledge base: it is not small talk, it asks for
// a person, or the knowledge base answers it confidently (band).
func (b *Bot) smallTalk(policies *escalate.Config, collection, text, band string) string {
	if b.SmallTalk == nil || band == kb.BandAnswer || escalate.ExplicitRequest(text) {
		return ""
	}
	return b.smallTalkFor(policies, collection).Kind(text)
}

// smallTalkFor returns the recogniser of a collection under policies: the
// built-in one, or with the collection's own phrasings, built once for
// the policies (SetPolicies replaces them whole, so a new pointer means
// new phrasings).
func (b *Bot) smallTalkFor(policies *escalate.Config, collection string) *escalate.SmallTalk {
	phrases := policies.For(collection).SmallTalk.Phrases
	if len(phrases) == 0 {
		return b.SmallTalk
	}
	b.talkMu.Lock()
	defer b.talkMu.Unlock()
	if b.talkFor != policies || b.talk == nil {
		b.talkFor, b.talk = policies, map[string]*escalate.SmallTalk{}
	}
	t, ok := b.talk[collection]
	if !ok {
		t = b.SmallTalk.With(phrases)
		b.talk[collection] = t
	}
	return t
}

// generate replaces the extractive answer with a grounded generated one,
// citing only passages it was given; otherwise it records why not and
// keeps the extractive answer.
func (b *Bot) generate(ctx context.Context, lang, question string, res *Result, reply *kb.Reply, onDelta func(string)) {
	var text string
	var cited []string
	var err error
	if onDelta != nil {
		text, cited, err = b.Generator.Stream(ctx, lang, question, res.Passages, onDelta)
	} else {
		text, cited, err = b.Generator.Generate(ctx, lang, question, res.Passages)
	}
	if err != nil {
		code := ErrLLMFailed
		for _, e := range []error{ErrLLMUncited, ErrLLMBadCite, ErrLLMDeclined, ErrLLMSaturated} {
			if errors.Is(err, e) {
				code = e
			}
		}
		reply.Fallback = code.Error()
		b.signalError(fmt.Errorf("generated answer not shown: %w", err))
		return
	}
	byID := map[string]kb.Citation{}
	for _, c := range reply.Citations {
		byID[c.ArticleID] = c
	}
	citations := make([]kb.Citation, 0, len(cited))
	for _, id := range cited {
		citations = append(citations, byID[id])
	}
	reply.Text, reply.Citations, reply.Generated = text, citations, true
}

// handOff opens a hand-off for the reasons and words the reply for it.
func (b *Bot) handOff(ctx context.Context, c *kb.Conversation, reasons []string, lang string, reply *kb.Reply) (*kb.Handoff, error) {
	reply.Band = kb.BandHandoff
	reply.Reasons = reasons
	reply.Text = phrase(lang, "handoff")
	if b.Desk != nil {
		h, err := b.Desk.Open(ctx, c, reasons, lang)
		if err != nil {
			return nil, err
		}
		if h.Status == kb.HandoffMessage {
			reply.Text = phrase(lang, "handoff_offline")
		}
		return h, nil
	}
	h := &kb.Handoff{ID: randomID(12), ConversationID: c.ID, Collection: c.Collection, Reasons: reasons,
		Status: kb.HandoffQueued, Lang: lang, Priority: escalate.Priority(reasons)}
	if err := b.Store.CreateHandoff(ctx, h); err != nil {
		return nil, err
	}
	if err := b.Store.SetConversationStatus(ctx, c.ID, kb.StatusHandoff); err != nil {
		return nil, err
	}
	c.Status = kb.StatusHandoff
	return h, nil
}

// recordMiss keeps a turn the bot did not answer for the misses inbox; a
// failure to record it does not fail the turn.
func (b *Bot) recordMiss(ctx context.Context, c *kb.Conversation, q *kb.Message, lang, trigger string, reasons []string, seen []kb.Citation) {
	m := &kb.Miss{ID: randomID(12), Collection: c.Collection, ConversationID: c.ID, MessageID: q.ID, Question: q.Text,
		Lang: lang, Trigger: trigger, Reasons: reasons, Passages: seen}
	if err := b.Store.AddMiss(ctx, m); err != nil {
		b.signalError(fmt.Errorf("record miss: %w", err))
	}
}

// Feedback stores the customer's thumbs on a bot message of conversation
// c; a thumbs down makes the question it answered a miss.
func (b *Bot) Feedback(ctx context.Context, c *kb.Conversation, messageID string, v int) error {
	if err := b.Store.SetFeedback(ctx, c.ID, messageID, v); err != nil {
		return err
	}
	if v >= 0 {
		return nil
	}
	msgs, err := b.Store.Messages(ctx, c.ID)
	if err != nil {
		return err
	}
	q := kb.QuestionOf(msgs, messageID)
	if q < 0 {
		return nil
	}
	i := slices.IndexFunc(msgs, func(m *kb.Message) bool { return m.ID == messageID })
	reply := msgs[i] // QuestionOf found it
	if reply.Reply == nil {
		return nil
	}
	lang := c.Lang
	if lang == "auto" || lang == "" {
		lang = ingest.DetectLang(msgs[q].Text)
	}
	b.recordMiss(ctx, c, msgs[q], lang, kb.MissThumbsDown, nil, reply.Reply.Citations)
	return nil
}

// RequestPerson hands the conversation off because the customer pressed
// "talk to a person"; honoured at once, whatever the bot thinks.
func (b *Bot) RequestPerson(ctx context.Context, c *kb.Conversation) (*TurnResult, error) {
	if c.Status == kb.StatusClosed {
		return nil, ErrEnded
	}
	lang := c.Lang
	if lang == "auto" || lang == "" {
		lang = "en"
		if msgs, err := b.Store.Messages(ctx, c.ID); err == nil {
			for _, m := range msgs {
				if m.Role == kb.RoleCustomer {
					lang = ingest.DetectLang(m.Text)
				}
			}
		}
	}
	out := &TurnResult{}
	if c.Status != kb.StatusBot {
		out.WithPerson = true
		return out, nil
	}
	out.Reply = kb.Reply{Citations: []kb.Citation{}, Suggestions: []kb.Suggestion{}}
	h, err := b.handOff(ctx, c, []string{kb.ReasonExplicitRequest}, lang, &out.Reply)
	if err != nil {
		return nil, err
	}
	out.Handoff = h
	return out, b.addBotMessage(ctx, c.ID, out)
}

// ErrEnded refuses a customer message to a conversation an agent resolved.
var ErrEnded = fmt.Errorf("this conversation has ended: start a new one, or reopen it: %w", kb.ErrConflict)

// Reopen gives an ended conversation back to the bot, for a customer who
// chooses to go on with it rather than start a new one.
func (b *Bot) Reopen(ctx context.Context, c *kb.Conversation) error {
	if c.Status != kb.StatusClosed {
		return nil
	}
	if err := b.Store.SetConversationStatus(ctx, c.ID, kb.StatusBot); err != nil {
		return err
	}
	c.Status = kb.StatusBot
	return nil
}

// End closes the conversation at the customer's wish, as a resolution
// does: their next message needs a new conversation or a reopen. A
// conversation with the team is the team's to close: ErrConflict.
func (b *Bot) End(ctx context.Context, c *kb.Conversation) error {
	switch c.Status {
	case kb.StatusClosed:
		return nil
	case kb.StatusHandoff:
		return fmt.Errorf("the conversation is with our team, who will close it: %w", kb.ErrConflict)
	}
	if err := b.Store.SetConversationStatus(ctx, c.ID, kb.StatusClosed); err != nil {
		return err
	}
	c.Status = kb.StatusClosed
	return nil
}

// addBotMessage stores out's reply and notes its id for the customer's thumbs.
func (b *Bot) addBotMessage(ctx context.Context, convID string, out *TurnResult) error {
	m := &kb.Message{ID: randomID(12), ConversationID: convID, Role: kb.RoleBot, Text: out.Reply.Text, Reply: &out.Reply}
	if err := b.Store.AddMessage(ctx, m); err != nil {
		return err
	}
	out.ReplyID = m.ID
	b.posted(m)
	return nil
}

func (b *Bot) posted(m *kb.Message) {
	if b.Desk != nil {
		b.Desk.Posted(m)
	}
}

// signals measures the customer's state from this turn and the earlier
// ones; found, when not nil, are the articles this turn's search found,
// best first, for the rephrase detector to weigh.
func (b *Bot) signals(ctx context.Context, history []*kb.Message, text string, found []string) escalate.Signals {
	var s escalate.Signals
	var prev *kb.Message // the previous customer turn
	answered := false    // whether the bot replied to it
	var article string   // the article it replied with
	for _, m := range history {
		switch m.Role {
		case kb.RoleCustomer:
			s.PriorNegative = append(s.PriorNegative, m.Negative)
			if m.Rephrase {
				s.PriorRephrases++
			} else {
				s.PriorRephrases = 0
			}
			prev, answered, article = m, false, ""
		case kb.RoleBot:
			if m.Reply != nil && m.Reply.Band == kb.BandSmallTalk {
				// "thanks" after an answer is not a question to compare
				// the next one with.
				prev, answered, article = nil, false, ""
				continue
			}
			answered = m.Reply != nil && m.Reply.Band != kb.BandHandoff
			if answered && len(m.Reply.Citations) > 0 {
				article = m.Reply.Citations[0].ArticleID
			}
		}
	}
	if b.Sentiment != nil {
		p, _, err := b.Sentiment.Negative(ctx, text)
		if err != nil {
			b.signalError(fmt.Errorf("sentiment: %w", err))
		}
		s.Negative = p
	}
	if b.Rephrase != nil && prev != nil && answered {
		var ret *escalate.RephraseRetrieval
		if found != nil {
			ret = &escalate.RephraseRetrieval{Answered: article, Found: found}
		}
		p, sim, cue, err := b.Rephrase.Score(ctx, prev.Text, text, ret)
		if err != nil {
			b.signalError(fmt.Errorf("rephrase: %w", err))
		}
		s.Similarity = sim
		s.Rephrase = cue || p >= 0.5
	}
	if !s.Rephrase {
		s.PriorRephrases = 0
	}
	return s
}

func (b *Bot) signalError(err error) {
	if b.OnSignalError != nil {
		b.OnSignalError(err)
	}
}

var phrases = map[string]map[string]string{
	"en": {
		"handoff":         "I'm passing you to a member of our team, with this conversation attached so you won't need to repeat yourself.",
		"clarify":         "I'm not sure I understood. Did you mean one of these?",
		"handoff_offline": "Nobody from our team is available right now. Leave your contact details and we will get back to you; this conversation is kept for them.",
	},
	"zh": {
		"handoff":         "正在为您转接人工客服，对话记录会一并转交，您无需重复说明。",
		"clarify":         "我不太确定您的意思，您是想问以下哪个问题？",
		"handoff_offline": "目前暂无人工客服在线。请留下您的联系方式，我们会尽快联系您；本次对话记录会一并转交。",
	},
}

func phrase(lang, key string) string {
	if p, ok := phrases[lang]; ok {
		return p[key]
	}
	return phrases["en"][key]
}

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	if n >= 24 {
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
