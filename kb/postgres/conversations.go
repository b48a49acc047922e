package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// CreateConversation stores a new conversation; CreatedAt is set here.
func (s *Store) CreateConversation(ctx context.Context, c *kb.Conversation) error {
	customer := ""
	if c.Context != nil {
		customer = c.Context.CustomerID
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO conversations (id, collection, lang, token_hash, status, context, customer_id, previous_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
		c.ID, c.Collection, c.Lang, c.TokenHash, c.Status, c.Context, customer, c.PreviousID).Scan(&c.CreatedAt)
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	return nil
}

const conversationColumns = `id, collection, lang, token_hash, status, context, previous_id, created_at`

// Conversation loads a conversation or returns kb.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id string) (*kb.Conversation, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanConversation)
	if err != nil {
		return nil, notFound(err, "conversation "+id)
	}
	return c, nil
}

func scanConversation(row pgx.CollectableRow) (*kb.Conversation, error) {
	var c kb.Conversation
	err := row.Scan(&c.ID, &c.Collection, &c.Lang, &c.TokenHash, &c.Status, &c.Context, &c.PreviousID, &c.CreatedAt)
	return &c, err
}

// EarlierConversations lists, newest first, the conversations of the same
// customer that started before id: those with its signed customer id, and
// the chains of conversations they follow (PreviousID, and theirs).
func (s *Store) EarlierConversations(ctx context.Context, id string, limit int) ([]*kb.Conversation, error) {
	rows, _ := s.pool.Query(ctx, `
		WITH RECURSIVE
		me AS (SELECT customer_id, created_at FROM conversations WHERE id = $1),
		mine(id) AS (
			SELECT $1::text
			UNION
			SELECT id FROM conversations WHERE customer_id <> '' AND customer_id = (SELECT customer_id FROM me)
		),
		chain(id) AS (
			SELECT c.previous_id FROM conversations c JOIN mine ON c.id = mine.id WHERE c.previous_id <> ''
			UNION
			SELECT c.previous_id FROM conversations c JOIN chain ON c.id = chain.id WHERE c.previous_id <> ''
		)
		SELECT `+conversationColumns+` FROM conversations
		WHERE id <> $1 AND created_at <= (SELECT created_at FROM me)
		  AND (id IN (SELECT id FROM mine) OR id IN (SELECT id FROM chain))
		ORDER BY created_at DESC, id DESC LIMIT $2`, id, limit)
	cs, err := pgx.CollectRows(rows, scanConversation)
	if err != nil {
		return nil, fmt.Errorf("earlier conversations of %s: %w", id, err)
	}
	return cs, nil
}

// SetConversationStatus moves a conversation between bot, handoff and closed.
func (s *Store) SetConversationStatus(ctx context.Context, id, status string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE conversations SET status = $1 WHERE id = $2`, status, id)
	if err != nil {
		return fmt.Errorf("set status of %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("conversation %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// AddMessage appends a message to its conversation's transcript.
func (s *Store) AddMessage(ctx context.Context, m *kb.Message) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO messages (id, conversation_id, role, text, reply, negative, rephrase, author)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
		m.ID, m.ConversationID, m.Role, m.Text, m.Reply, m.Negative, m.Rephrase, m.Author).Scan(&m.CreatedAt)
	if err != nil {
		return fmt.Errorf("add message to %s: %w", m.ConversationID, err)
	}
	return nil
}

// SetMessageSignals records the trigger signals of a stored message.
func (s *Store) SetMessageSignals(ctx context.Context, id string, negative float64, rephrase bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE messages SET negative = $1, rephrase = $2 WHERE id = $3`, negative, rephrase, id)
	if err != nil {
		return fmt.Errorf("set signals of %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("message %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// Messages returns a conversation's transcript, oldest first.
func (s *Store) Messages(ctx context.Context, conversationID string) ([]*kb.Message, error) {
	return s.messages(ctx, `WHERE conversation_id = $1 ORDER BY seq`, conversationID)
}

// RatedMessages lists the bot messages customers gave thumbs to.
func (s *Store) RatedMessages(ctx context.Context) ([]*kb.Message, error) {
	return s.messages(ctx, `WHERE role = $1 AND feedback <> 0 ORDER BY created_at, seq`, kb.RoleBot)
}

func (s *Store) messages(ctx context.Context, where string, args ...any) ([]*kb.Message, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, conversation_id, role, text, reply, negative, rephrase, author, feedback, created_at FROM messages `+where, args...)
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kb.Message, error) {
		var m kb.Message
		err := row.Scan(&m.ID, &m.ConversationID, &m.Role, &m.Text, &m.Reply, &m.Negative, &m.Rephrase, &m.Author, &m.Feedback, &m.CreatedAt)
		return &m, err
	})
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return ms, nil
}

// SetFeedback records the customer's thumbs on one of the bot's messages.
func (s *Store) SetFeedback(ctx context.Context, conversationID, messageID string, v int) error {
	tag, err := s.pool.Exec(ctx, `UPDATE messages SET feedback = $1 WHERE id = $2 AND conversation_id = $3 AND role = $4`, v, messageID, conversationID, kb.RoleBot)
	if err != nil {
		return fmt.Errorf("set feedback on %s: %w", messageID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("bot message %s in conversation %s: %w", messageID, conversationID, kb.ErrNotFound)
	}
	return nil
}

// ConversationSummaries counts, per conversation started in the window,
// the bot's answers, the thumbs and the hand-offs.
func (s *Store) ConversationSummaries(ctx context.Context, collection string, since, until time.Time) ([]kb.ConversationSummary, error) {
	rows, _ := s.pool.Query(ctx, `SELECT c.id, c.collection, c.created_at,
		(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.role = 'customer'),
		(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.role = 'bot' AND m.reply->>'band' = 'answer'),
		(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.feedback > 0),
		(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.feedback < 0),
		(SELECT count(*) FROM handoffs h WHERE h.conversation_id = c.id)
		FROM conversations c WHERE ($1 = '' OR c.collection = $1) AND c.created_at >= $2 AND c.created_at < $3 ORDER BY c.created_at, c.id`,
		collection, since, until)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[kb.ConversationSummary])
	if err != nil {
		return nil, fmt.Errorf("conversation summaries: %w", err)
	}
	return out, nil
}
