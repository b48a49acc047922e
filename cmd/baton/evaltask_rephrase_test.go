package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/retrieval/onnx"
)

// TestRephraseWithKnowledgeBase fits and evaluates the rephrase detector
// with its messages searched in a knowledge base: only the language the
// knowledge base is in gets a retrieval regression.
func TestRephraseWithKnowledgeBase(t *testing.T) {
	requireModel(t)
	dir := t.TempDir()
	topics := []struct {
		id, title string
		asks      []string
	}{
		{"returns", "How to return an item", []string{"what is your return policy", "how do I send something back", "can I return a product I bought", "where do I print a return label"}},
		{"shipping", "Shipping abroad", []string{"do you ship abroad", "can you deliver to France", "how long does international delivery take", "which countries do you send parcels to"}},
		{"password", "Reset your password", []string{"I forgot my password", "how do I change my password", "I cannot sign in to my account", "reset my login"}},
		{"payment", "Ways to pay", []string{"can I pay with PayPal", "which cards do you accept", "do you take Apple Pay", "is cash on delivery possible"}},
	}
	var kbl, pl bytes.Buffer
	enc, penc := json.NewEncoder(&kbl), json.NewEncoder(&pl)
	for i, tp := range topics {
		if err := enc.Encode(map[string]any{"id": tp.id, "title": tp.title, "body": "About " + tp.title + ".", "lang": "en", "questions": tp.asks[:2], "collection": "shop"}); err != nil {
			t.Fatal(err)
		}
		other := topics[(i+1)%len(topics)]
		for j := range tp.asks {
			penc.Encode(evaluate.RephrasePair{A: tp.asks[j], B: tp.asks[(j+1)%len(tp.asks)], Lang: "en", Paraphrase: true})
			penc.Encode(evaluate.RephrasePair{A: tp.asks[j], B: other.asks[j], Lang: "en", Paraphrase: false})
		}
	}
	for i := range 10 {
		penc.Encode(evaluate.RephrasePair{A: fmt.Sprintf("退款%d天能到账吗", i+1), B: fmt.Sprintf("退款要%d天吗", i+1), Lang: "zh", Paraphrase: true})
		penc.Encode(evaluate.RephrasePair{A: fmt.Sprintf("退款%d天能到账吗", i+1), B: "怎么修改收货地址", Lang: "zh", Paraphrase: false})
	}
	kbDir := filepath.Join(dir, "shop")
	if err := os.MkdirAll(kbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	pairs, model := filepath.Join(dir, "pairs.jsonl"), filepath.Join(dir, "model.json")
	for path, b := range map[string][]byte{filepath.Join(kbDir, "kb.jsonl"): kbl.Bytes(), pairs: pl.Bytes()} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out, errb bytes.Buffer
	if err := runCalibrate(ctx, []string{"--task", "rephrase", "--file", pairs, "--kb", kbDir, "--out", model}, &out, &errb, log); err != nil {
		t.Fatalf("calibrate: %v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "en   lexical+"+onnx.ModelName+"+retrieval") {
		t.Errorf("calibrate did not report the retrieval variant for en:\n%s", errb.String())
	}
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	var m escalate.RephraseModel
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("fitted model: %v", err)
	}
	if len(m.Retrieval["en"].Weights) == 0 || len(m.Retrieval["zh"].Weights) != 0 {
		t.Errorf("retrieval regressions for %v, want en only (the knowledge base is English)", m.Retrieval)
	}
	if !strings.Contains(m.FittedOn, "searched in shop") {
		t.Errorf("fitted_on = %q, want it to name the knowledge base", m.FittedOn)
	}

	out.Reset()
	if err := runEval(ctx, []string{"--task", "rephrase", "--file", pairs, "--kb", kbDir, "--json"}, &out, &errb, log); err != nil {
		t.Fatalf("eval: %v", err)
	}
	var rep struct {
		Model string
		EN    *evaluate.RephraseMetrics
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("eval output %q: %v", out.String(), err)
	}
	if !strings.HasSuffix(rep.Model, "+retrieval") || rep.EN == nil || rep.EN.N != 32 {
		t.Errorf("eval report = %+v, want the retrieval model on 32 English pairs", rep)
	}
}
