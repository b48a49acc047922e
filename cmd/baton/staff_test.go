package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// staffAPI calls the server as a key holder (or nobody, with no key).
type staffAPI struct {
	t    *testing.T
	base string
}

func (a staffAPI) call(method, path, key, body string) deskResp {
	a.t.Helper()
	hdr := map[string]string{}
	if key != "" {
		hdr["Authorization"] = "Bearer " + key
	}
	r, err := sendReq(http.DefaultClient, method, a.base+path, body, hdr)
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

func (a staffAPI) want(code int, method, path, key, body string) deskResp {
	a.t.Helper()
	r := a.call(method, path, key, body)
	if r.code != code {
		a.t.Fatalf("%s %s = %d %s, want %d", method, path, r.code, r.raw, code)
	}
	return r
}

// signIn starts a session for name; the client keeps its cookie.
func (a staffAPI) signIn(name, pw string) (*http.Client, deskResp) {
	a.t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := loginReq(hc, a.base, name, pw, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return hc, r
}

var keyRE = regexp.MustCompile(`^bk_[A-Za-z0-9_-]{43}$`)

// TestAdminStaffAPI: an admin manages staff accounts over the API: adds
// them (the CLI's rules), disables one (it cannot sign in, its session and
// key stop working; enabling brings the key back), changes a role, resets
// a password (signing the account out), creates a key shown once and
// revokes it; the last enabled admin can be neither disabled nor
// demoted; agents and editors are refused, strangers asked to sign in;
// every change is audited under the admin's name with no secret in it.
func TestAdminStaffAPI(t *testing.T) {
	t.Setenv("BATON_ADMIN_TOKEN", "")
	data := t.TempDir()
	rootKey, agentKey, editorKey := addKey(t, data, "admin", "root"), addKey(t, data, "agent", "ann-bot"), addKey(t, data, "editor", "eve-bot")
	srv := launch(t, data, nil)
	a := staffAPI{t, "http://" + srv.Addr()}
	const annPW, evePW, bossPW, newPW = "ann-password-1", "eve-password-1", "boss-password-1", "eve-password-2"

	// Only admins: agents and editors 403, nobody 401.
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/admin/users", ""},
		{"POST", "/api/v1/admin/users", `{"name":"mallory","role":"admin","password":"mallory-password"}`},
		{"PATCH", "/api/v1/admin/users/ID", `{"role":"admin"}`},
		{"POST", "/api/v1/admin/users/ID/password", `{"password":"mallory-password"}`},
		{"GET", "/api/v1/admin/users/ID/keys", ""},
		{"POST", "/api/v1/admin/users/ID/keys", ""},
		{"DELETE", "/api/v1/admin/users/ID/keys/KEY", ""},
	}
	r := a.want(http.StatusOK, "GET", "/api/v1/admin/users", rootKey, "")
	ids := map[string]string{}
	for _, u := range r.body["users"].([]any) {
		ids[js(jm(u)["name"])] = js(jm(u)["id"])
	}
	for _, rt := range routes {
		path := strings.NewReplacer("ID", ids["ann-bot"], "KEY", "no-such-key").Replace(rt.path)
		for _, who := range []struct {
			name, key string
			want      int
		}{{"an agent", agentKey, 403}, {"an editor", editorKey, 403}, {"nobody", "", 401}} {
			if got := a.call(rt.method, path, who.key, rt.body); got.code != who.want {
				t.Errorf("%s %s by %s = %d %s, want %d", rt.method, rt.path, who.name, got.code, got.raw, who.want)
			}
		}
	}
	if _, err := srv.App.Store.UserByName(t.Context(), "mallory"); err == nil {
		t.Fatalf("a refused request created mallory")
	}

	// Adding: the CLI's rules for names, roles and passwords.
	for _, tt := range []struct{ name, body string }{
		{"unknown role", `{"name":"zed","role":"boss","password":"zed-password-1"}`},
		{"space in the name", `{"name":"z ed","role":"agent","password":"zed-password-1"}`},
		{"empty name", `{"name":"","role":"agent","password":"zed-password-1"}`},
		{"short password", `{"name":"zed","role":"agent","password":"short"}`},
		{"no password and no key", `{"name":"zed","role":"agent"}`},
		{"unknown field", `{"name":"zed","role":"agent","password":"zed-password-1","superuser":true}`},
	} {
		if got := a.call("POST", "/api/v1/admin/users", rootKey, tt.body); got.code != http.StatusBadRequest {
			t.Errorf("add with %s = %d %s, want 400", tt.name, got.code, got.raw)
		}
	}
	r = a.want(http.StatusCreated, "POST", "/api/v1/admin/users", rootKey, `{"name":"ann","role":"agent","password":"`+annPW+`"}`)
	ann := jm(r.body["user"])
	annID := js(ann["id"])
	if ann["name"] != "ann" || ann["role"] != "agent" || ann["disabled"] != false || ann["keys"] != float64(0) || ann["password"] != true || r.body["key"] != nil {
		t.Errorf("added %v, want agent ann, enabled, a password, no keys", r.raw)
	}
	if strings.Contains(r.raw, "hash") || strings.Contains(r.raw, "$2a$") {
		t.Errorf("the answer shows the password hash: %s", r.raw)
	}
	a.want(http.StatusConflict, "POST", "/api/v1/admin/users", rootKey, `{"name":"ann","role":"editor","password":"other-password-1"}`)
	r = a.want(http.StatusCreated, "POST", "/api/v1/admin/users", rootKey, `{"name":"eve","role":"editor","password":"`+evePW+`"}`)
	eveID := js(jm(r.body["user"])["id"])
	// A key-only account gets its key in the answer, once.
	r = a.want(http.StatusCreated, "POST", "/api/v1/admin/users", rootKey, `{"name":"bridge","role":"agent","api_key":true}`)
	if !keyRE.MatchString(js(r.body["key"])) || jm(r.body["user"])["password"] != false || jm(r.body["user"])["keys"] != float64(1) {
		t.Errorf("key-only account: %s; want a bk_ key, no password, one key", r.raw)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("an answer holding a key has Cache-Control %q, want no-store", cc)
	}
	a.want(http.StatusOK, "GET", "/api/v1/handoffs", js(r.body["key"]), "")

	// ann signs in; her page and session work.
	annHC, login := a.signIn("ann", annPW)
	if login.code != http.StatusOK {
		t.Fatalf("ann signs in = %d %s", login.code, login.raw)
	}
	annGet := func(path string) int {
		t.Helper()
		res, err := sendReq(annHC, "GET", a.base+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.code
	}
	if code := annGet("/api/v1/handoffs"); code != http.StatusOK {
		t.Fatalf("ann's session = %d, want 200", code)
	}
	if code := annGet("/admin"); code != http.StatusForbidden {
		t.Errorf("/admin for an agent = %d, want 403", code)
	}

	// A key for ann, shown once.
	r = a.want(http.StatusCreated, "POST", "/api/v1/admin/users/"+annID+"/keys", rootKey, "")
	annKey, keyID := js(r.body["key"]), js(jm(r.body["api_key"])["id"])
	if !keyRE.MatchString(annKey) || keyID == "" {
		t.Fatalf("new key answer %s, want a bk_ key and its id", r.raw)
	}
	a.want(http.StatusOK, "GET", "/api/v1/handoffs", annKey, "")
	r = a.want(http.StatusOK, "GET", "/api/v1/admin/users/"+annID+"/keys", rootKey, "")
	if ks := r.body["keys"].([]any); len(ks) != 1 || jm(ks[0])["id"] != keyID || jm(ks[0])["revoked_at"] != nil || strings.Contains(r.raw, annKey) {
		t.Errorf("ann's keys = %s, want the one live key without its secret", r.raw)
	}

	// Disabled: no sign-in (the same answer as a wrong password), no
	// session, no key.
	r = a.want(http.StatusOK, "PATCH", "/api/v1/admin/users/"+annID, rootKey, `{"disabled":true}`)
	if jm(r.body["user"])["disabled"] != true {
		t.Errorf("PATCH disabled answered %s", r.raw)
	}
	if code := annGet("/api/v1/handoffs"); code != http.StatusUnauthorized {
		t.Errorf("a disabled agent's session = %d, want 401", code)
	}
	if code := a.call("GET", "/api/v1/handoffs", annKey, "").code; code != http.StatusUnauthorized {
		t.Errorf("a disabled agent's key = %d, want 401", code)
	}
	_, disabled := a.signIn("ann", annPW)
	_, wrong := a.signIn("nobody-by-this-name", annPW)
	if disabled.code != http.StatusUnauthorized || disabled.errMsg() != wrong.errMsg() || disabled.errCode() != wrong.errCode() {
		t.Errorf("a disabled account signing in = %d %s; want 401 as for a wrong password (%d %s)", disabled.code, disabled.raw, wrong.code, wrong.raw)
	}
	// Enabled again: the key works again, and so does signing in.
	a.want(http.StatusOK, "PATCH", "/api/v1/admin/users/"+annID, rootKey, `{"disabled":false}`)
	a.want(http.StatusOK, "GET", "/api/v1/handoffs", annKey, "")
	if _, again := a.signIn("ann", annPW); again.code != http.StatusOK {
		t.Errorf("ann enabled again signs in = %d %s", again.code, again.raw)
	}

	// A role change takes effect at once; a bad one is refused.
	a.want(http.StatusOK, "PATCH", "/api/v1/admin/users/"+annID, rootKey, `{"role":"editor"}`)
	if code := a.call("GET", "/api/v1/handoffs", annKey, "").code; code != http.StatusForbidden {
		t.Errorf("ann's key after she became an editor: queue = %d, want 403", code)
	}
	a.want(http.StatusBadRequest, "PATCH", "/api/v1/admin/users/"+annID, rootKey, `{"role":"owner"}`)
	a.want(http.StatusBadRequest, "PATCH", "/api/v1/admin/users/"+annID, rootKey, `{}`)
	a.want(http.StatusNotFound, "PATCH", "/api/v1/admin/users/no-such-user", rootKey, `{"role":"agent"}`)

	// Revoking one key.
	a.want(http.StatusNoContent, "DELETE", "/api/v1/admin/users/"+annID+"/keys/"+keyID, rootKey, "")
	if code := a.call("GET", "/api/v1/articles", annKey, "").code; code != http.StatusUnauthorized {
		t.Errorf("a revoked key = %d, want 401", code)
	}
	a.want(http.StatusNotFound, "DELETE", "/api/v1/admin/users/"+annID+"/keys/"+keyID, rootKey, "")
	a.want(http.StatusNotFound, "DELETE", "/api/v1/admin/users/"+eveID+"/keys/"+keyID, rootKey, "")
	r = a.want(http.StatusOK, "GET", "/api/v1/admin/users/"+annID+"/keys", rootKey, "")
	if ks := r.body["keys"].([]any); len(ks) != 1 || jm(ks[0])["revoked_at"] == nil {
		t.Errorf("ann's keys after revoking = %s, want the one, revoked", r.raw)
	}

	// A password reset signs the account out; the old password stops working.
	eveHC, login := a.signIn("eve", evePW)
	if login.code != http.StatusOK {
		t.Fatalf("eve signs in = %d %s", login.code, login.raw)
	}
	a.want(http.StatusBadRequest, "POST", "/api/v1/admin/users/"+eveID+"/password", rootKey, `{"password":"short"}`)
	a.want(http.StatusNoContent, "POST", "/api/v1/admin/users/"+eveID+"/password", rootKey, `{"password":"`+newPW+`"}`)
	if res, err := sendReq(eveHC, "GET", a.base+"/api/v1/articles", "", nil); err != nil || res.code != http.StatusUnauthorized {
		t.Errorf("eve's session after a reset = %d %v, want 401", res.code, err)
	}
	if _, old := a.signIn("eve", evePW); old.code != http.StatusUnauthorized {
		t.Errorf("eve's old password = %d, want 401", old.code)
	}
	if _, fresh := a.signIn("eve", newPW); fresh.code != http.StatusOK {
		t.Errorf("eve's new password = %d %s, want 200", fresh.code, fresh.raw)
	}

	// The last enabled admin stays: root can be neither disabled nor
	// demoted until there is another admin.
	for _, body := range []string{`{"disabled":true}`, `{"role":"agent"}`} {
		if r := a.call("PATCH", "/api/v1/admin/users/"+ids["root"], rootKey, body); r.code != http.StatusConflict || !strings.Contains(r.errMsg(), "last enabled admin") {
			t.Errorf("PATCH the last admin %s = %d %s, want 409", body, r.code, r.raw)
		}
	}
	r = a.want(http.StatusCreated, "POST", "/api/v1/admin/users", rootKey, `{"name":"boss","role":"admin","password":"`+bossPW+`"}`)
	bossID := js(jm(r.body["user"])["id"])
	// boss works by session: the console page, and changes with the CSRF token only.
	bossHC, login := a.signIn("boss", bossPW)
	if login.code != http.StatusOK {
		t.Fatalf("boss signs in = %d %s", login.code, login.raw)
	}
	csrf := js(login.body["csrf"])
	page, err := sendReq(bossHC, "GET", a.base+"/admin", "", nil)
	if err != nil || page.code != http.StatusOK || !strings.Contains(page.raw, `src="/static/admin.js"`) {
		t.Errorf("/admin for an admin = %d %v", page.code, err)
	}
	if res, _ := sendReq(bossHC, "PATCH", a.base+"/api/v1/admin/users/"+ids["root"], `{"disabled":true}`, nil); res.code != http.StatusForbidden {
		t.Errorf("PATCH by session without the CSRF token = %d %s, want 403", res.code, res.raw)
	}
	if res, _ := sendReq(bossHC, "PATCH", a.base+"/api/v1/admin/users/"+ids["root"], `{"disabled":true}`, map[string]string{"X-CSRF-Token": csrf}); res.code != http.StatusOK {
		t.Errorf("boss disables root = %d %s, want 200", res.code, res.raw)
	}
	if code := a.call("GET", "/api/v1/admin/users", rootKey, "").code; code != http.StatusUnauthorized {
		t.Errorf("disabled root's key = %d, want 401", code)
	}
	if res, _ := sendReq(bossHC, "PATCH", a.base+"/api/v1/admin/users/"+bossID, `{"role":"editor"}`, map[string]string{"X-CSRF-Token": csrf}); res.code != http.StatusConflict {
		t.Errorf("the last enabled admin demotes themself = %d %s, want 409", res.code, res.raw)
	}

	// The audit log: every change, by whom, with before and after, and no secret.
	res, err := sendReq(bossHC, "GET", a.base+"/api/v1/audit?action=user.&limit=100", "", nil)
	if err != nil || res.code != http.StatusOK {
		t.Fatalf("audit = %d %v", res.code, err)
	}
	type entry struct{ Actor, Action, Target, Detail string }
	var log struct{ Audit []entry }
	if err := json.Unmarshal([]byte(res.raw), &log); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range slices.Backward(log.Audit) {
		if e.Actor != "cli" {
			got = append(got, e.Actor+" "+e.Action+" "+e.Target)
		}
		for _, secret := range []string{annPW, evePW, newPW, bossPW, annKey, "bk_", "$2a$"} {
			if strings.Contains(e.Detail, secret) {
				t.Errorf("audit entry %s %s holds a secret: %s", e.Action, e.Target, e.Detail)
			}
		}
	}
	want := []string{
		"root user.add ann", "root user.add eve", "root user.add bridge", "root user.key ann",
		"root user.update ann", "root user.update ann", "root user.update ann",
		"root user.revoke ann", "root user.passwd eve", "root user.add boss", "boss user.update root",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit, oldest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range log.Audit {
		if e.Action == "user.update" && e.Target == "root" {
			var d struct {
				Before, After struct {
					Role     string
					Disabled bool
				}
			}
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil || d.Before.Disabled || !d.After.Disabled || d.Before.Role != "admin" || d.After.Role != "admin" {
				t.Errorf("root's disabling recorded as %q (%v), want before enabled, after disabled", e.Detail, err)
			}
		}
	}
	if logs := logsOf(srv); strings.Contains(logs, annPW) || strings.Contains(logs, newPW) || strings.Contains(logs, annKey) {
		t.Errorf("the server log holds a password or key")
	}
}

// TestAdminBootstrapToken: the bootstrap token adds staff while no
// enabled admin exists, so a fresh install creates its first admin over
// HTTP; then it adds nobody, and it never opens the rest of the staff API.
func TestAdminBootstrapToken(t *testing.T) {
	const token = "bootstrap-token-0123456789"
	t.Setenv("BATON_ADMIN_TOKEN", token)
	srv := launch(t, "", nil)
	a := staffAPI{t, "http://" + srv.Addr()}
	a.want(http.StatusUnauthorized, "POST", "/api/v1/admin/users", token+"x", `{"name":"first","role":"admin","password":"first-password-1"}`)
	a.want(http.StatusCreated, "POST", "/api/v1/admin/users", token, `{"name":"helper","role":"agent","password":"helper-password-1"}`)
	r := a.want(http.StatusCreated, "POST", "/api/v1/admin/users", token, `{"name":"first","role":"admin","api_key":true}`)
	firstKey := js(r.body["key"])
	if r := a.call("POST", "/api/v1/admin/users", token, `{"name":"second","role":"admin","password":"second-password-1"}`); r.code != http.StatusForbidden {
		t.Errorf("the token once an admin exists = %d %s, want 403", r.code, r.raw)
	}
	if code := a.call("GET", "/api/v1/admin/users", token, "").code; code != http.StatusUnauthorized {
		t.Errorf("the token lists staff = %d, want 401", code)
	}
	r = a.want(http.StatusOK, "GET", "/api/v1/audit?action=user.add", firstKey, "")
	var actors []string
	for _, e := range r.body["audit"].([]any) {
		actors = append(actors, js(jm(e)["actor"])+" "+js(jm(e)["target"]))
	}
	if strings.Join(actors, ",") != "admin token first,admin token helper" {
		t.Errorf("user.add entries %v, want both by the admin token", actors)
	}
}
