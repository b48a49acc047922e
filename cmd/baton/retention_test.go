package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeSweepsRetention: `baton serve` erases, as it starts, the
// conversations silent for longer than their collection's retention_days,
// and no others; the audit log says the system did it.
func TestServeSweepsRetention(t *testing.T) {
	data := t.TempDir()
	var old, recent string
	runUntil(t, data, func(base string) {
		c := client{t, base}
		old, _ = chatAs(t, c, "", "how do I send something back? zq8-retained-marker")
		recent, _ = chatAs(t, c, "", "how do I send something back")
	})
	// Close the first conversation and backdate it by 40 days.
	db, err := sql.Open("sqlite", filepath.Join(data, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	then := time.Now().UTC().AddDate(0, 0, -40).Format(time.RFC3339Nano)
	for _, q := range []string{`UPDATE conversations SET created_at = ?, status = 'closed' WHERE id = ?`, `UPDATE messages SET created_at = ? WHERE conversation_id = ?`} {
		if _, err := db.Exec(q, then, old); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("default:\n  retention_days: 30\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_POLICY", policy)
	runUntil(t, data, func(string) {
		deadline := time.Now().Add(10 * time.Second)
		for conversationsIn(t, data) != 1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := conversationsIn(t, data); n != 1 {
			t.Errorf("%d conversations stored 10 s after the start, want 1", n)
		}
	})
	db, err = sql.Open("sqlite", filepath.Join(data, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	rows, err := db.Query(`SELECT id FROM conversations`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if len(ids) != 1 || ids[0] != recent {
		t.Errorf("conversations after the sweep = %v, want only the recent %s", ids, recent)
	}
	var actor, detail string
	if err := db.QueryRow(`SELECT actor, detail FROM audit_log WHERE action = 'retention.erase'`).Scan(&actor, &detail); err != nil || actor != "system" || !strings.Contains(detail, old) {
		t.Errorf("retention audit entry = %q %q %v, want the system erasing %s", actor, detail, err, old)
	}
	if found := filesHolding(t, data, "zq8-retained-marker"); len(found) > 0 {
		t.Errorf("the swept conversation's text is still in %v", found)
	}
}
