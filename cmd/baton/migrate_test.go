package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestMigrate(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0001_init.sql") || !strings.Contains(out.String(), "0008_misses.sql") || !strings.Contains(out.String(), "schema up to date") {
		t.Errorf("migrate printed:\n%s", out.String())
	}
	// Running it again applies nothing new and still succeeds.
	first := out.String()
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--data", data}, &out, io.Discard); err != nil || out.String() != first {
		t.Errorf("second migrate: %v\n%s\nwant the same as the first:\n%s", err, out.String(), first)
	}
}
