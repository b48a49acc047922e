package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Live events between the nodes sharing a database. A node stores each
// event in the events table and notifies the others, who read every
// event after the last one they delivered: notifications only wake them,
// so a lost one delays an event by at most eventsPoll and a payload can
// exceed NOTIFY's 8000 bytes.

const (
	// eventsChannel is the NOTIFY channel that wakes the listeners.
	eventsChannel = "baton_events"
	// eventsLock is the advisory lock key under which publishers take turns.
	eventsLock = 0x6576656e7473 // "events"
	// eventsPoll is how long a listener waits for a notification before
	// reading the table anyway.
	eventsPoll = 5 * time.Second
	// eventsKeep is how long events are kept for listeners catching up
	// after a reconnect; eventsPruneEvery how often a listener prunes.
	eventsKeep       = 10 * time.Minute
	eventsPruneEvery = time.Minute
	// A listener reconnects after minPause, doubled on each failure up to maxPause.
	minPause = 100 * time.Millisecond
	maxPause = 5 * time.Second
)

// PublishEvent stores payload, an event published on node, for the other
// nodes' ListenEvents, and wakes them. Publishers take turns under an
// advisory lock so that events commit in seq order: once a listener has
// read up to an event, none with a smaller seq can appear after it.
func (s *Store) PublishEvent(ctx context.Context, node string, payload []byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, eventsLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH e AS (INSERT INTO events (node, payload) VALUES ($1, $2) RETURNING seq)
			SELECT pg_notify($3, seq::text) FROM e`, node, payload, eventsChannel)
		return err
	})
	if err != nil {
		return fmt.Errorf("publish event: %w", err)
	}
	return nil
}

// ListenEvents calls deliver, in order, with the payload of every event
// the other nodes publish from now on (never node's own) until ctx ends,
// and then returns ctx's error. It holds a connection of its own, named
// "baton events <node>" in pg_stat_activity; when that breaks it tells
// onError (when not nil), reconnects after a short pause and carries on
// after the last event it delivered, so that nothing published meanwhile
// is missed or delivered twice. deliver should not block: no event is
// read while it runs. Events older than eventsKeep are pruned now and then.
func (s *Store) ListenEvents(ctx context.Context, node string, deliver func(payload []byte), onError func(error)) error {
	l := &listener{store: s, node: node, deliver: deliver, last: -1}
	return keepListening(ctx, "events", l.session, onError)
}

// keepListening runs session, a LISTEN connection's life, again and
// again until ctx ends, and then returns ctx's error: each time session
// breaks it tells onError (when not nil) and pauses, minPause after a
// session that got as far as listening, twice the last pause (up to
// maxPause) after one that did not.
func keepListening(ctx context.Context, what string, session func(context.Context) (up bool, err error), onError func(error)) error {
	pause := minPause
	for {
		up, err := session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if up {
			pause = minPause
		}
		if onError != nil {
			onError(fmt.Errorf("listen for %s: %w", what, err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, maxPause)
	}
}

// listenConn opens a connection of its own, named name in
// pg_stat_activity, that listens on channel.
func (s *Store) listenConn(ctx context.Context, name, channel string) (*pgx.Conn, error) {
	cfg := s.pool.Config().ConnConfig
	cfg.RuntimeParams["application_name"] = name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// listener is the state ListenEvents keeps across connections.
type listener struct {
	store   *Store
	node    string
	deliver func([]byte)
	last    int64 // the seq delivered up to; -1 before the first connection
	pruned  time.Time
}

// session listens on one new connection until it breaks or ctx ends; up
// reports whether it got as far as listening.
func (l *listener) session(ctx context.Context) (up bool, err error) {
	conn, err := l.store.listenConn(ctx, "baton events "+l.node, eventsChannel)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if l.last < 0 {
		// Only events published after the node started; read after LISTEN
		// so that none falls between the two.
		if err := conn.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&l.last); err != nil {
			return false, err
		}
	}
	for {
		if err := l.catchUp(ctx, conn); err != nil {
			return true, err
		}
		if time.Since(l.pruned) >= eventsPruneEvery {
			if err := pruneEvents(ctx, conn, eventsKeep); err != nil {
				return true, err
			}
			l.pruned = time.Now()
		}
		wait, cancel := context.WithTimeout(ctx, eventsPoll)
		_, err := conn.WaitForNotification(wait)
		cancel()
		if err != nil && (ctx.Err() != nil || !pgconn.Timeout(err)) {
			return true, err
		}
	}
}

// catchUp delivers the other nodes' events after l.last in order.
func (l *listener) catchUp(ctx context.Context, conn *pgx.Conn) error {
	type event struct {
		seq     int64
		payload []byte
	}
	rows, _ := conn.Query(ctx, `SELECT seq, payload FROM events WHERE seq > $1 AND node <> $2 ORDER BY seq`, l.last, l.node)
	defer rows.Close()
	var events []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.seq, &e.payload); err != nil {
			return err
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	for _, e := range events {
		l.deliver(e.payload)
		l.last = e.seq
	}
	return nil
}

// pruneEvents deletes the events older than keep.
func pruneEvents(ctx context.Context, conn *pgx.Conn, keep time.Duration) error {
	if _, err := conn.Exec(ctx, `DELETE FROM events WHERE created_at < clock_timestamp() - $1::interval`, keep); err != nil {
		return fmt.Errorf("prune events: %w", err)
	}
	return nil
}
