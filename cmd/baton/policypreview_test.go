package main

import (
	"net/http"
	"testing"
)

// TestAdminPolicyPreview: the preview replays the collection's recent bot
// turns under the proposed policy, for admins only, and changes nothing.
func TestAdminPolicyPreview(t *testing.T) {
	t.Setenv("BATON_ADMIN_TOKEN", "")
	data := t.TempDir()
	adminKey, agentKey := addKey(t, data, "admin", "root"), addKey(t, data, "agent", "ann")
	srv := launch(t, data, nil)
	c := client{t, "http://" + srv.Addr()}
	// Three answered questions in three conversations.
	for range 3 {
		id, token := c.start()
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"what is your return policy"}`); code != http.StatusOK || m["reply"].(map[string]any)["band"] != "answer" {
			t.Fatalf("seed turn = %d %v, want an answer", code, m)
		}
	}
	strict := `{"collection":"default","policy":{"answer_threshold":0.999,"handoff_threshold":0.998}}`
	if code, m := c.do("POST", "/api/v1/admin/policies/preview", agentKey, strict); code != http.StatusForbidden {
		t.Errorf("agent's preview = %d %v, want 403", code, m)
	}
	code, m := c.do("POST", "/api/v1/admin/policies/preview", adminKey, strict)
	if code != http.StatusOK {
		t.Fatalf("preview = %d %v", code, m)
	}
	now, then := m["now"].(map[string]any), m["then"].(map[string]any)
	if m["turns"] != float64(3) || now["handoffs"] != float64(0) || now["answered"] != float64(3) || then["handoffs"] != float64(3) || then["answered"] != float64(0) {
		t.Errorf("preview of a near-certain policy = %v, want 3 turns answered now, all 3 handed off then", m)
	}
	low := m["reasons"].(map[string]any)["low_confidence"].(map[string]any)
	if low["now"] != float64(0) || low["then"] != float64(3) {
		t.Errorf("low_confidence change = %v, want 0 -> 3", low)
	}
	// The current policy proposed again changes nothing, and the preview
	// saved nothing.
	_, m = c.do("POST", "/api/v1/admin/policies/preview", adminKey, `{"collection":"default","policy":{}}`)
	if now, then := m["now"].(map[string]any), m["then"].(map[string]any); now["answered"] != float64(3) || then["answered"] != float64(3) {
		t.Errorf("preview of the current policy = %v, want the 3 answered", m)
	}
	if code, m := c.do("POST", "/api/v1/admin/policies/preview", adminKey, `{"collection":"default","policy":{"handoff_threshold":1.5}}`); code != http.StatusBadRequest {
		t.Errorf("preview of a threshold above 1 = %d %v, want 400 from the policy's validation", code, m)
	}
	if code, m := c.do("POST", "/api/v1/admin/policies/preview", adminKey, `{"policy":{}}`); code != http.StatusBadRequest {
		t.Errorf("preview without a collection = %d %v, want 400", code, m)
	}
}
