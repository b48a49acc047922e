package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/web"
)

// The webhook's receiver as admins change it (PUT
// /api/v1/admin/integrations/webhook): saved where every node reads it,
// in the database on PostgreSQL, else in the data directory. What was
// saved, turning the webhook off included, wins over --webhook-url and
// --webhook-secret, which are the receiver until an admin saves one.

// webhookSetting is the key under which PostgreSQL keeps the receiver.
const webhookSetting = "webhook"

// webhookFile is where the data directory keeps it; WriteFileAtomic
// makes it readable by its owner only, as it holds the secret.
const webhookFile = "webhook.json"

// loadWebhook reads the receiver an admin saved, else the configured one.
func (a *App) loadWebhook(ctx context.Context) (web.WebhookTarget, error) {
	doc, err := a.sharedDoc(ctx, webhookSetting, webhookFile)
	switch {
	case errors.Is(err, kb.ErrNotFound):
		return web.WebhookTarget{URL: a.Config.WebhookURL, Secret: a.Config.WebhookSecret}, nil
	case err != nil:
		return web.WebhookTarget{}, fmt.Errorf("read webhook: %w", err)
	}
	var t web.WebhookTarget
	if err := json.Unmarshal(doc, &t); err != nil {
		return web.WebhookTarget{}, fmt.Errorf("read webhook: %w", err)
	}
	return t, nil
}

// SaveWebhook saves the receiver where loadWebhook reads it; on
// PostgreSQL the other nodes are told to apply it.
func (a *App) SaveWebhook(ctx context.Context, t web.WebhookTarget) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return a.saveSharedDoc(ctx, webhookSetting, webhookFile, doc, escalate.EventWebhook)
}

// sharedDoc reads a document every node shares: the setting on
// PostgreSQL, else the data directory's file; kb.ErrNotFound when none
// was saved.
func (a *App) sharedDoc(ctx context.Context, setting, file string) ([]byte, error) {
	if pg, ok := a.Store.(*postgres.Store); ok {
		return pg.Setting(ctx, setting)
	}
	doc, err := os.ReadFile(filepath.Join(a.Config.Data, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", file, kb.ErrNotFound)
	}
	return doc, err
}

// saveSharedDoc saves doc where sharedDoc reads it (the file readable by
// its owner only); on PostgreSQL it publishes event so that the other
// nodes reload it.
func (a *App) saveSharedDoc(ctx context.Context, setting, file string, doc []byte, event string) error {
	pg, ok := a.Store.(*postgres.Store)
	if !ok {
		return kb.WriteFileAtomic(filepath.Join(a.Config.Data, file), doc)
	}
	if err := pg.PutSetting(ctx, setting, doc); err != nil {
		return err
	}
	a.Bot.Desk.Events.Publish(escalate.Event{Type: event, StaffOnly: true})
	return nil
}

// reloadWebhook applies the receiver saved on another node; a failure
// keeps the one in force and is logged.
func (a *App) reloadWebhook(ctx context.Context) {
	w := a.webhook.Load()
	if w == nil { // not serving
		return
	}
	t, err := a.loadWebhook(ctx)
	if err == nil {
		err = w.SetTarget(t.URL, t.Secret)
	}
	if err != nil {
		a.Log.Error("webhook changed on another node not applied", "err", err)
		return
	}
	a.Log.Info("webhook receiver changed on another node", "url", web.RedactURL(t.URL))
}
