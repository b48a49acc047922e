package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/answer"
)

// selfKB writes a knowledge base of 12 topics with 100 similar questions
// each: enough (1,200, a tenth held out) for a collection to measure its
// own hand-off threshold.
func selfKB(t *testing.T) string {
	topics := []string{"refund", "delivery", "password", "invoice", "address", "coupon", "warranty", "subscription", "gift card", "return label", "size chart", "store hours"}
	asks := []string{"how do I", "where can I", "can you help me", "I want to", "is it possible to", "please tell me how to", "what is the way to", "help, I need to", "could I", "explain how to"}
	verbs := []string{"check the", "change the", "get a", "find my", "use a", "cancel the", "ask about the", "understand the", "see the", "sort out my"}
	dir := t.TempDir()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for i, topic := range topics {
		var qs []string
		for _, a := range asks {
			for _, v := range verbs {
				qs = append(qs, fmt.Sprintf("%s %s %s", a, v, topic))
			}
		}
		enc.Encode(map[string]any{"id": fmt.Sprintf("t%02d", i), "title": "All about the " + topic, "body": "Everything on the " + topic + ": what it is and how it works.", "lang": "en", "questions": qs})
	}
	if err := os.WriteFile(filepath.Join(dir, "kb.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSelfThresholdMeasuredInBackground: a served collection measures its
// own hand-off threshold once its classifier is trained, from a tenth of
// its similar questions, and logs it; the bot then uses it.
func TestSelfThresholdMeasuredInBackground(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds 1,200 questions")
	}
	data := t.TempDir()
	if err := run(context.Background(), []string{"ingest", "--data", data, selfKB(t)}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	const token = "self-threshold-admin-token"
	srv := serveData(t, data, func(c *Config) { c.AdminToken = token })
	var got answer.SelfThreshold
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var ok bool
		if got, ok = srv.App.Bot.SelfThresholds.Get("default"); ok {
			break
		}
	}
	if got.Questions != 120 {
		t.Fatalf("measured %+v, want 120 questions held out (a tenth of 1,200)", got)
	}
	// Questions from one template score alike: the cap holds.
	if got.Threshold != answer.SelfMax {
		t.Errorf("threshold %v, want the cap %v", got.Threshold, answer.SelfMax)
	}
	if !strings.Contains(logsOf(srv), "hand-off threshold measured") {
		t.Errorf("no log line for the measurement:\n%s", logsOf(srv))
	}
	// The admin API shows it beside the recalibrations.
	code, m := client{t, "http://" + srv.Addr()}.do("GET", "/api/v1/admin/recalibration", token, "")
	if th, _ := m["handoff_thresholds"].(map[string]any); code != 200 || th["default"] == nil {
		t.Errorf("GET recalibration = %d %v, want the measured threshold of default", code, m)
	}
}
