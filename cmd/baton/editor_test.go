package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// editorAPI is a staff API client authenticated by key.
type editorAPI struct {
	t    *testing.T
	base string
	key  string
}

func (e editorAPI) do(method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.key)
	return e.send(req)
}

func (e editorAPI) send(req *http.Request) (int, map[string]any) {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			e.t.Fatalf("%s %s: not JSON: %q", req.Method, req.URL.Path, b)
		}
	}
	return res.StatusCode, m
}

// upload posts files as multipart and waits for the job to finish.
func (e editorAPI) upload(collection, query string, files map[string]string) map[string]any {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for name, content := range files {
		part, _ := w.CreateFormFile("files", name)
		part.Write([]byte(content))
	}
	w.Close()
	req, _ := http.NewRequest("POST", e.base+"/api/v1/collections/"+collection+"/documents"+query, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.key)
	code, m := e.send(req)
	if code != http.StatusAccepted {
		e.t.Fatalf("upload: %d %v", code, m)
	}
	id := m["job"].(map[string]any)["id"].(string)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		_, m := e.do("GET", "/api/v1/jobs/"+id, "")
		job := m["job"].(map[string]any)
		if job["status"] == "done" || job["status"] == "failed" {
			return job
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("job %s did not finish", id)
	return nil
}

// staffKey creates a staff user with an API key and returns the key.
func staffKey(t testing.TB, data, role, name string) string {
	t.Helper()
	var out bytes.Buffer
	if err := runUsers(context.Background(), []string{"add", "--data", data, "--role", role, "--api-key", name}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`bk_[A-Za-z0-9_-]{43}`).FindString(out.String())
}

func TestEditorFlow(t *testing.T) {
	data := t.TempDir()
	keyA, keyB, agentKey := staffKey(t, data, "editor", "eve"), staffKey(t, data, "editor", "ed"), staffKey(t, data, "agent", "ann")
	base := "http://" + launch(t, data, nil).Addr()
	eve, ed := editorAPI{t, base, keyA}, editorAPI{t, base, keyB}
	customer := client{t, base}
	ask := func(q string) (band, first string) {
		t.Helper()
		id, token := customer.start()
		code, m := customer.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(q)+`}`)
		if code != 200 {
			t.Fatalf("ask: %d %v", code, m)
		}
		r := m["reply"].(map[string]any)
		if cs := r["citations"].([]any); len(cs) > 0 {
			first = cs[0].(map[string]any)["article_id"].(string)
		}
		return r["band"].(string), first
	}
	art := url.PathEscape("default/gift-cards")

	// The editor's preview renders as the customer will see it: tables,
	// and nothing an article could inject.
	if code, r := eve.do("POST", "/api/v1/preview", `{"text":"| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>x()</script>[c](javascript:x())"}`); code != 200 ||
		!strings.Contains(js(r["html"]), "<td>1</td>") || strings.Contains(js(r["html"]), "script") {
		t.Errorf("preview = %d %v, want a table and no script", code, r)
	}
	if code, _ := (editorAPI{t, base, agentKey}).do("POST", "/api/v1/preview", `{"text":"x"}`); code != http.StatusForbidden {
		t.Errorf("preview by an agent = %d, want 403", code)
	}

	// Upload: one good file, and two the job must reject without stopping.
	job := eve.upload("default", "", map[string]string{
		"gift-cards.md": "# Gift cards\n\nGift cards can be bought in amounts from 10 to 500 euros and never expire.\n",
		"virus.exe":     "MZ...",
		"empty.txt":     "   \n",
		// Bigger than the JSON body limit of the rest of the API.
		"care-guide.md": "# Care guide\n\n" + strings.Repeat("Wash wool garments by hand in cold water and dry them flat.\n\n", 2500),
	})
	files := map[string]map[string]any{}
	for _, f := range job["files"].([]any) {
		files[f.(map[string]any)["name"].(string)] = f.(map[string]any)
	}
	if files["gift-cards.md"]["status"] != "ingested" || files["virus.exe"]["status"] != "rejected" || files["empty.txt"]["status"] != "rejected" ||
		files["care-guide.md"]["status"] != "ingested" {
		t.Fatalf("file results = %v", job["files"])
	}
	if r := files["virus.exe"]["reason"].(string); !strings.Contains(r, "unsupported file type") {
		t.Errorf("reason for virus.exe = %q", r)
	}
	if job["files_done"].(float64) != 4 || job["chunks"].(float64) < 2 {
		t.Errorf("progress = %v files, %v chunks", job["files_done"], job["chunks"])
	}
	if _, first := ask("do gift cards expire?"); first != "default/gift-cards" {
		t.Errorf("after upload, first citation = %q, want the uploaded article", first)
	}

	// A draft upload is not visible until published.
	eve.upload("default", "?draft=true", map[string]string{"loyalty.md": "# Loyalty points\n\nEvery euro spent earns one loyalty point; 100 points make a 5 euro voucher.\n"})
	if _, first := ask("how many loyalty points per euro?"); first == "default/loyalty" {
		t.Errorf("a draft answered customers")
	}
	if code, m := eve.do("POST", "/api/v1/articles/"+url.PathEscape("default/loyalty")+"/publish", ""); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	if _, first := ask("how many loyalty points per euro?"); first != "default/loyalty" {
		t.Errorf("after publishing, first citation = %q", first)
	}

	// Two editors edit version 1; the second save is refused, not lost.
	edit := func(who editorAPI, body string, base int) (int, map[string]any) {
		return who.do("PUT", "/api/v1/articles/"+art, `{"title":"Gift cards","body":`+quote(body)+`,"questions":["do gift cards expire"],"base_version":`+strings.Repeat("", 0)+itoa(base)+`}`)
	}
	if code, m := edit(eve, "Gift cards from 10 to 500 euros; they never expire and work online and in shops.", 1); code != 200 {
		t.Fatalf("eve's edit: %d %v", code, m)
	}
	if code, m := edit(ed, "Gift cards expire after a year.", 1); code != http.StatusConflict {
		t.Errorf("ed's edit from version 1 over version 2: %d %v, want 409", code, m)
	}
	_, m := eve.do("GET", "/api/v1/articles/"+art, "")
	if a := m["article"].(map[string]any); a["version"].(float64) != 2 || !strings.Contains(a["body"].(string), "online and in shops") {
		t.Errorf("article after the race = %v", a)
	}
	if vs := m["versions"].([]any); len(vs) != 2 {
		t.Errorf("versions = %v, want 2", vs)
	}
	_, m = eve.do("GET", "/api/v1/articles/"+art+"/diff?from=1&to=2", "")
	if d := m["diff"].(string); !strings.Contains(d, "-Gift cards can be bought") || !strings.Contains(d, "+Gift cards from 10 to 500 euros") {
		t.Errorf("diff =\n%s", d)
	}
	// Restore version 1 as a draft, then publish it as version 3.
	if code, m := eve.do("POST", "/api/v1/articles/"+art+"/restore", `{"version":1}`); code != 200 {
		t.Fatalf("restore: %d %v", code, m)
	}
	_, m = eve.do("POST", "/api/v1/articles/"+art+"/publish", "")
	if a := m["article"].(map[string]any); a["version"].(float64) != 3 || !strings.Contains(a["body"].(string), "never expire") || strings.Contains(a["body"].(string), "in shops") {
		t.Errorf("restored article = %v", a)
	}

	// The retrieval console searches as the bot does.
	code, m := eve.do("POST", "/api/v1/search", `{"collection":"default","question":"do gift cards expire"}`)
	if code != 200 || m["band"] != "answer" || len(m["passages"].([]any)) == 0 || m["passages"].([]any)[0].(map[string]any)["article_id"] != "default/gift-cards" {
		t.Errorf("retrieval console = %d %v", code, m)
	}

	// Deleting removes it from every index.
	if code, m := eve.do("DELETE", "/api/v1/articles/"+art, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d %v", code, m)
	}
	if _, first := ask("do gift cards expire?"); first == "default/gift-cards" {
		t.Errorf("a deleted article still answers")
	}
	if code, _ := eve.do("GET", "/api/v1/articles/"+art, ""); code != 404 {
		t.Errorf("deleted article: %d, want 404", code)
	}

	// Who did what.
	_, m = eve.do("GET", "/api/v1/audit", "")
	seen := map[string]bool{}
	for _, e := range m["audit"].([]any) {
		e := e.(map[string]any)
		seen[e["actor"].(string)+" "+e["action"].(string)] = true
	}
	for _, want := range []string{"eve job.create", "eve article.publish", "eve article.restore", "eve article.delete"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q: %v", want, seen)
		}
	}

	// Agents do not edit; bad input is a 4xx.
	agent := editorAPI{t, base, agentKey}
	if code, _ := agent.do("GET", "/api/v1/articles", ""); code != 403 {
		t.Errorf("agent listing articles: %d, want 403", code)
	}
	if code, _ := eve.do("POST", "/api/v1/articles", `{"title":"  ","body":"x"}`); code != 400 {
		t.Errorf("article without title: %d, want 400", code)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/collections/default/documents", strings.NewReader("not multipart"))
	req.Header.Set("Authorization", "Bearer "+keyA)
	if code, _ := eve.send(req); code != 400 {
		t.Errorf("upload that is not multipart: %d, want 400", code)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestEditorZipUpload: a ZIP's files are ingested one by one under their
// path in the archive; a compression bomb is refused with the reason.
func TestEditorZipUpload(t *testing.T) {
	data := t.TempDir()
	eve := editorAPI{t, "", staffKey(t, data, "editor", "eve")}
	eve.base = "http://" + launch(t, data, nil).Addr()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"faq/warranty.md":     "# Warranty\n\nEvery device has a two-year warranty covering battery and screen faults.\n",
		"faq/zh/baozhuang.md": "# 礼品包装\n\n礼品包装每件收费五元，可在结算时选择。\n",
		"old/warranty.md":     "# Warranty (2019)\n\nOne year.\n",
		"images/logo.png":     "\x89PNG...",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	zw.Close()
	bomb, err := os.ReadFile("../../ingest/testdata/bomb.zip")
	if err != nil {
		t.Fatal(err)
	}
	job := eve.upload("default", "", map[string]string{"kb.zip": buf.String(), "bomb.zip": string(bomb)})
	got := map[string]string{}
	for _, f := range job["files"].([]any) {
		f := f.(map[string]any)
		got[f["name"].(string)] = f["status"].(string) + " " + fmt.Sprint(f["reason"])
	}
	for name, want := range map[string]string{"faq/warranty.md": "ingested", "faq/zh/baozhuang.md": "ingested", "images/logo.png": "rejected",
		"old/warranty.md": "ingested", "bomb.zip": "rejected"} {
		if !strings.HasPrefix(got[name], want) {
			t.Errorf("%s: %q, want %s (all: %v)", name, got[name], want, got)
		}
	}
	if !strings.Contains(got["bomb.zip"], "uncompresses to more than") {
		t.Errorf("bomb.zip reason = %q, want the size limit named", got["bomb.zip"])
	}
	// Two files of one name in two folders are two articles.
	for id, title := range map[string]string{"default%2Fwarranty": "Warranty", "default%2Fold-warranty": "Warranty (2019)"} {
		code, body := eve.do("GET", "/api/v1/articles/"+id, "")
		if a, _ := body["article"].(map[string]any); code != 200 || a["title"] != title {
			t.Errorf("GET %s: %d %v, want the article %q", id, code, body, title)
		}
	}
	// The same archive as drafts, into another collection: two drafts, not
	// one overwritten.
	job = eve.upload("drafts", "?draft=true", map[string]string{"kb.zip": buf.String()})
	var ids []string
	for _, f := range job["files"].([]any) {
		arts, _ := f.(map[string]any)["articles"].([]any) // none for logo.png
		for _, id := range arts {
			ids = append(ids, id.(string))
		}
	}
	sort.Strings(ids)
	if want := []string{"drafts/baozhuang", "drafts/old-warranty", "drafts/warranty"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("draft upload made %v, want %v", ids, want)
	}
}
