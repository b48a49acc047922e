package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/kb"
)

// CreateConversation stores a new conversation; CreatedAt is set here.
func (d *DB) CreateConversation(ctx context.Context, c *kb.Conversation) error {
	ts := now()
	var cc []byte
	if c.Context != nil {
		var err error
		if cc, err = json.Marshal(c.Context); err != nil {
			return fmt.Errorf("encode customer context: %w", err)
		}
	}
	customer := ""
	if c.Context != nil {
		customer = c.Context.CustomerID
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO conversations (id, collection, lang, token_hash, status, context, customer_id, previous_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Collection, c.Lang, c.TokenHash, c.Status, string(cc), customer, c.PreviousID, ts); err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	c.CreatedAt = parseTime(ts)
	return nil
}

// Conversation loads a conversation or returns kb.ErrNotFound.
func (d *DB) Conversation(ctx context.Context, id string) (*kb.Conversation, error) {
	c, err := scanConversation(d.db.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("conversation %s: %w", id, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation %s: %w", id, err)
	}
	return c, nil
}

const conversationColumns = `id, collection, lang, token_hash, status, context, previous_id, created_at`

func scanConversation(row interface{ Scan(...any) error }) (*kb.Conversation, error) {
	var c kb.Conversation
	var created, cc string
	if err := row.Scan(&c.ID, &c.Collection, &c.Lang, &c.TokenHash, &c.Status, &cc, &c.PreviousID, &created); err != nil {
		return nil, err
	}
	if cc != "" {
		c.Context = new(kb.CustomerContext)
		if err := json.Unmarshal([]byte(cc), c.Context); err != nil {
			return nil, fmt.Errorf("decode context of %s: %w", c.ID, err)
		}
	}
	c.CreatedAt = parseTime(created)
	return &c, nil
}

// EarlierConversations lists, newest first, the conversations of the same
// customer that started before id: those with its signed customer id, and
// the chains of conversations they follow (PreviousID, and theirs).
func (d *DB) EarlierConversations(ctx context.Context, id string, limit int) ([]*kb.Conversation, error) {
	rows, err := d.db.QueryContext(ctx, `
		WITH RECURSIVE
		me AS (SELECT customer_id, created_at FROM conversations WHERE id = ?1),
		mine(id) AS (
			SELECT ?1
			UNION
			SELECT id FROM conversations WHERE customer_id <> '' AND customer_id = (SELECT customer_id FROM me)
		),
		chain(id) AS (
			SELECT c.previous_id FROM conversations c JOIN mine ON c.id = mine.id WHERE c.previous_id <> ''
			UNION
			SELECT c.previous_id FROM conversations c JOIN chain ON c.id = chain.id WHERE c.previous_id <> ''
		)
		SELECT `+conversationColumns+` FROM conversations
		WHERE id <> ?1 AND julianday(created_at) <= julianday((SELECT created_at FROM me))
		  AND (id IN mine OR id IN chain)
		ORDER BY julianday(created_at) DESC, created_at DESC LIMIT ?2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("earlier conversations of %s: %w", id, err)
	}
	defer rows.Close()
	var out []*kb.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("earlier conversations of %s: %w", id, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetConversationStatus moves a conversation between bot, handoff and closed.
func (d *DB) SetConversationStatus(ctx context.Context, id, status string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE conversations SET status = ? WHERE id = ?`, status, id)
	if err != nil {
		return fmt.Errorf("set status of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("conversation %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// AddMessage appends a message to its conversation's transcript.
func (d *DB) AddMessage(ctx context.Context, m *kb.Message) error {
	var reply any
	if m.Reply != nil {
		b, err := json.Marshal(m.Reply)
		if err != nil {
			return fmt.Errorf("encode reply: %w", err)
		}
		reply = string(b)
	}
	ts := now()
	_, err := d.db.ExecContext(ctx, `INSERT INTO messages (id, conversation_id, seq, role, text, reply, negative, rephrase, author, created_at)
		VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?), ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.ConversationID, m.ConversationID, m.Role, m.Text, reply, m.Negative, m.Rephrase, m.Author, ts)
	if err != nil {
		return fmt.Errorf("add message to %s: %w", m.ConversationID, err)
	}
	m.CreatedAt = parseTime(ts)
	return nil
}

// SetMessageSignals records the trigger signals of a stored message.
func (d *DB) SetMessageSignals(ctx context.Context, id string, negative float64, rephrase bool) error {
	res, err := d.db.ExecContext(ctx, `UPDATE messages SET negative = ?, rephrase = ? WHERE id = ?`, negative, rephrase, id)
	if err != nil {
		return fmt.Errorf("set signals of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("message %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// Messages returns a conversation's transcript, oldest first.
func (d *DB) Messages(ctx context.Context, conversationID string) ([]*kb.Message, error) {
	return d.messages(ctx, `WHERE conversation_id = ? ORDER BY seq`, conversationID)
}

// RatedMessages lists the bot messages customers gave thumbs to.
func (d *DB) RatedMessages(ctx context.Context) ([]*kb.Message, error) {
	return d.messages(ctx, `WHERE role = ? AND feedback != 0 ORDER BY created_at, seq`, kb.RoleBot)
}

func (d *DB) messages(ctx context.Context, where string, args ...any) ([]*kb.Message, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, conversation_id, role, text, reply, negative, rephrase, author, feedback, created_at FROM messages `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []*kb.Message
	for rows.Next() {
		var m kb.Message
		var reply sql.NullString
		var created string
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Role, &m.Text, &reply, &m.Negative, &m.Rephrase, &m.Author, &m.Feedback, &created); err != nil {
			return nil, err
		}
		if reply.Valid {
			m.Reply = new(kb.Reply)
			if err := json.Unmarshal([]byte(reply.String), m.Reply); err != nil {
				return nil, fmt.Errorf("decode reply %s: %w", m.ID, err)
			}
		}
		m.CreatedAt = parseTime(created)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// SetFeedback records the customer's thumbs on one of the bot's messages.
func (d *DB) SetFeedback(ctx context.Context, conversationID, messageID string, v int) error {
	res, err := d.db.ExecContext(ctx, `UPDATE messages SET feedback = ? WHERE id = ? AND conversation_id = ? AND role = ?`, v, messageID, conversationID, kb.RoleBot)
	if err != nil {
		return fmt.Errorf("set feedback on %s: %w", messageID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("bot message %s in conversation %s: %w", messageID, conversationID, kb.ErrNotFound)
	}
	return nil
}

// ConversationSummaries counts, per conversation started in the window,
// the bot's answers, the thumbs and the hand-offs.
func (d *DB) ConversationSummaries(ctx context.Context, collection string, since, until time.Time) ([]kb.ConversationSummary, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT c.id, c.collection, c.created_at,
		(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.role = 'customer'),
		(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.role = 'bot' AND json_extract(m.reply, '$.band') = 'answer'),
		(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.feedback > 0),
		(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.feedback < 0),
		(SELECT COUNT(*) FROM handoffs h WHERE h.conversation_id = c.id)
		FROM conversations c WHERE (? = '' OR c.collection = ?) AND c.created_at >= ? AND c.created_at < ? ORDER BY c.created_at`,
		collection, collection, since.UTC().Format(timeFormat), until.UTC().Format(timeFormat))
	if err != nil {
		return nil, fmt.Errorf("conversation summaries: %w", err)
	}
	defer rows.Close()
	var out []kb.ConversationSummary
	for rows.Next() {
		var c kb.ConversationSummary
		var created string
		if err := rows.Scan(&c.ID, &c.Collection, &created, &c.Turns, &c.Answers, &c.ThumbsUp, &c.ThumbsDown, &c.Handoffs); err != nil {
			return nil, err
		}
		c.CreatedAt = parseTime(created)
		out = append(out, c)
	}
	return out, rows.Err()
}
