package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestProgressLog: without a terminal, `baton ingest` logs its progress
// with the rate and the time left, no more often than asked, and not
// once it is done.
func TestProgressLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	progress := progressLog(log, time.Now().Add(-2*time.Second), time.Second)
	progress(10, 40) // 5 files/s, 30 to go: 6 s left
	progress(11, 40) // within the interval: quiet
	progress(40, 40) // done: the summary line says the rest
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1:\n%s", len(lines), buf.String())
	}
	for _, want := range []string{"files=10", "of=40", "files_per_s=5.0", "eta=6s"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("progress line %q lacks %s", lines[0], want)
		}
	}
}
