package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb/postgres"
)

// relay carries live events between the nodes sharing a PostgreSQL
// database. What this node's broker publishes goes out through the store
// from one goroutine, in order, so that publishing never waits on the
// database; what the other nodes publish comes into the broker.
type relay struct {
	broker *escalate.Broker
	out    chan escalate.Event
	wg     sync.WaitGroup
	// stopListening ends the listener, stopSending cuts short the
	// sending of what was waiting when stop was called.
	stopListening, stopSending context.CancelFunc
}

const (
	// relayBuffer is how many events may wait to go out; more are dropped
	// (with a warning) rather than slowing the chat down.
	relayBuffer = 256
	// relayTimeout bounds sending one event, and sending those still
	// waiting when the app closes.
	relayTimeout = 5 * time.Second
)

// startRelay relays the broker's events through the store under a new
// node id until stop; onEvent sees each event from another node first.
func startRelay(store *postgres.Store, broker *escalate.Broker, log *slog.Logger, onEvent func(escalate.Event)) *relay {
	node := newNodeID()
	r := &relay{broker: broker, out: make(chan escalate.Event, relayBuffer)}
	listenCtx, stopListening := context.WithCancel(context.Background())
	sendCtx, stopSending := context.WithCancel(context.Background())
	r.stopListening, r.stopSending = stopListening, stopSending
	broker.SetForward(func(e escalate.Event) {
		select {
		case r.out <- e:
		default:
			log.Warn("live event not relayed to the other nodes: too many waiting", "type", e.Type)
		}
	})
	r.wg.Go(func() {
		for e := range r.out {
			if err := relayEvent(sendCtx, store, node, e); err != nil {
				log.Warn("live event not relayed to the other nodes", "type", e.Type, "err", err)
			}
		}
	})
	r.wg.Go(func() {
		deliver := func(b []byte) {
			e, err := escalate.DecodeEvent(b)
			if err != nil {
				log.Warn("live event from another node dropped", "err", err)
				return
			}
			onEvent(e)
			broker.Deliver(e)
		}
		onError := func(err error) { log.Warn("live events from the other nodes interrupted, reconnecting", "err", err) }
		// It returns once stop ends listenCtx.
		_ = store.ListenEvents(listenCtx, node, deliver, onError)
	})
	log.Debug("relaying live events through PostgreSQL", "node", node)
	return r
}

// relayEvent sends one event to the other nodes.
func relayEvent(ctx context.Context, store *postgres.Store, node string, e escalate.Event) error {
	b, err := escalate.EncodeEvent(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, relayTimeout)
	defer cancel()
	return store.PublishEvent(ctx, node, b)
}

// stop stops listening, sends the events still waiting (for up to
// relayTimeout) and waits for both.
func (r *relay) stop() {
	r.broker.SetForward(nil) // after this no one sends on r.out
	close(r.out)
	r.stopListening()
	cut := time.AfterFunc(relayTimeout, r.stopSending)
	r.wg.Wait()
	cut.Stop()
	r.stopSending()
}

// newNodeID names this process among the nodes sharing a database.
func newNodeID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
