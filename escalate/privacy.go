package escalate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/kb"
)

// The customer's side of the privacy lifecycle: export of what is stored
// of them, and erasure on request, each audited.

// Export is what is stored of one customer, or of one conversation.
type Export struct {
	ExportedAt time.Time `json:"exported_at"`
	// CustomerID is set when the export is of a customer's conversations.
	CustomerID    string                   `json:"customer_id,omitempty"`
	Conversations []*kb.ConversationExport `json:"conversations"`
}

// Erasure says what an erasure removed.
type Erasure struct {
	Conversations []string `json:"conversations"`
}

// CustomerRef names a customer in the audit log without keeping their id:
// whoever knows the id can tell the entry is theirs, nobody can read it off.
func CustomerRef(customerID string) string {
	h := sha256.Sum256([]byte(customerID))
	return "customer sha256:" + hex.EncodeToString(h[:])
}

// ExportConversation returns what is stored of one conversation and audits
// that actor exported it; kb.ErrNotFound when there is no such conversation.
func (d *Desk) ExportConversation(ctx context.Context, actor, id string) (*Export, error) {
	c, err := d.Store.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.export(ctx, actor, "conversation.export", id, "", []*kb.Conversation{c})
}

// ExportCustomer returns what is stored of a customer's conversations (see
// kb.Store.CustomerConversations) and audits that actor exported it;
// kb.ErrNotFound when none is stored.
func (d *Desk) ExportCustomer(ctx context.Context, actor, customerID string) (*Export, error) {
	cs, err := d.customer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	return d.export(ctx, actor, "customer.export", CustomerRef(customerID), customerID, cs)
}

func (d *Desk) customer(ctx context.Context, customerID string) ([]*kb.Conversation, error) {
	cs, err := d.Store.CustomerConversations(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("no conversations of customer %q: %w", customerID, kb.ErrNotFound)
	}
	return cs, nil
}

func (d *Desk) export(ctx context.Context, actor, action, target, customerID string, cs []*kb.Conversation) (*Export, error) {
	e := &Export{ExportedAt: d.now(), CustomerID: customerID, Conversations: make([]*kb.ConversationExport, 0, len(cs))}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ms, err := d.Store.Messages(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		hs, err := d.Store.Handoffs(ctx, kb.HandoffFilter{ConversationID: c.ID})
		if err != nil {
			return nil, err
		}
		r, err := d.Store.Rating(ctx, c.ID)
		if err != nil && !errors.Is(err, kb.ErrNotFound) {
			return nil, err
		}
		e.Conversations = append(e.Conversations, &kb.ConversationExport{Conversation: c, Messages: nonNilList(ms), Handoffs: nonNilList(hs), Rating: r})
		ids = append(ids, c.ID)
	}
	if err := d.audit(ctx, actor, action, target, ids); err != nil {
		return nil, err
	}
	return e, nil
}

// EraseConversation erases one conversation (see Erase); kb.ErrNotFound
// when there is no such conversation.
func (d *Desk) EraseConversation(ctx context.Context, actor, id string) (*Erasure, error) {
	if _, err := d.Store.Conversation(ctx, id); err != nil {
		return nil, err
	}
	return d.Erase(ctx, actor, "conversation.erase", id, []string{id})
}

// EraseCustomer erases a customer's conversations (see
// kb.Store.CustomerConversations and Erase); kb.ErrNotFound when none is
// stored.
func (d *Desk) EraseCustomer(ctx context.Context, actor, customerID string) (*Erasure, error) {
	cs, err := d.customer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return d.Erase(ctx, actor, "customer.erase", CustomerRef(customerID), ids)
}

// Erase deletes conversations with everything stored of them, open ones
// too: their tokens stop working, their live streams end (EventErased),
// the queue drops their hand-offs, webhook deliveries not yet made about
// them are dropped (Forget). The audit log records actor, action, target
// and the conversation ids, never the customer's text.
func (d *Desk) Erase(ctx context.Context, actor, action, target string, ids []string) (*Erasure, error) {
	n, err := d.Store.EraseConversations(ctx, ids)
	if err != nil && n == 0 {
		return nil, err
	}
	// Past here the conversations are gone (an error is then about what
	// follows the deletion, such as a checkpoint): the rest of the erasure
	// and its audit entry still happen.
	if d.Forget != nil {
		// Done like the erasure even when the request ends now.
		d.Forget(context.WithoutCancel(ctx), ids)
	}
	for _, id := range ids {
		d.publish(Event{Type: EventErased, ConversationID: id})
	}
	d.publish(Event{Type: EventQueue, StaffOnly: true})
	// The erasure is done: its audit entry is written even when ctx ends
	// now (a shutdown in the middle of a retention sweep; see record).
	if aerr := d.audit(ctx, actor, action, target, ids); aerr != nil {
		return nil, errors.Join(err, aerr)
	}
	if err != nil {
		return nil, err
	}
	return &Erasure{Conversations: ids}, nil
}

func (d *Desk) audit(ctx context.Context, actor, action, target string, ids []string) error {
	detail, _ := json.Marshal(struct {
		Conversations []string `json:"conversations"`
	}{ids})
	return d.record(ctx, actor, action, target, string(detail))
}

func nonNilList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// sweepBatch is how many conversations one erasure of the sweep takes.
const sweepBatch = 500

// SweepRetention erases the conversations whose collection's retention
// period (Policy.RetentionDays) has passed since their last message,
// unless they are with a person, and says how many. Each batch is audited
// as retention.erase by "system", the collection as its target.
func (d *Desk) SweepRetention(ctx context.Context) (int, error) {
	if d.Policies == nil {
		return 0, nil
	}
	cfg := d.Policies()
	now := d.now()
	named := make([]string, 0, len(cfg.Collections))
	filters := map[string]kb.IdleFilter{}
	for name, p := range cfg.Collections {
		named = append(named, name)
		if p.RetentionDays > 0 {
			filters[name] = kb.IdleFilter{Collection: name, Before: now.AddDate(0, 0, -p.RetentionDays), Limit: sweepBatch}
		}
	}
	if days := cfg.Default.RetentionDays; days > 0 {
		// Every collection without a policy of its own keeps the default's.
		filters["(default policy)"] = kb.IdleFilter{Except: named, Before: now.AddDate(0, 0, -days), Limit: sweepBatch}
	}
	total := 0
	for target, f := range filters {
		for {
			ids, err := d.Store.IdleConversations(ctx, f)
			if err != nil {
				return total, err
			}
			if len(ids) == 0 {
				break
			}
			if _, err := d.Erase(ctx, "system", "retention.erase", target, ids); err != nil {
				return total, err
			}
			total += len(ids)
		}
	}
	return total, nil
}
