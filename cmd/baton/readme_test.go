package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReadmeScreenshots: every screenshot the README shows is in
// docs/screenshots and is one a browser test takes, so `make screenshots`
// renews it.
func TestReadmeScreenshots(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var tests []byte
	files, _ := filepath.Glob("*browser_test.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, b...)
	}
	shots := regexp.MustCompile(`\(docs/screenshots/([\w-]+)\.png\)`).FindAllSubmatch(readme, -1)
	if len(shots) < 4 {
		t.Fatalf("the README shows %d screenshots, want the chat, console, editor and insights", len(shots))
	}
	for _, m := range shots {
		name := string(m[1])
		if _, err := os.Stat("../../docs/screenshots/" + name + ".png"); err != nil {
			t.Errorf("README shows %s: %v", name, err)
		}
		if !bytes.Contains(tests, []byte(`"`+name+`")`)) {
			t.Errorf("README shows %s, which no browser test takes (s.shot)", name)
		}
	}
}

// TestReadmeExamples runs the README's HTTP examples, in order, against a
// server with the demo knowledge base: each request as written, each
// response compared with the example's (same fields, same JSON types,
// equal strings unless abridged with "…", any time for a time). So the
// README's description of the API cannot drift from the server.
func TestReadmeExamples(t *testing.T) {
	exs := readmeExchanges(t, "../../README.md")
	if len(exs) < 10 {
		t.Fatalf("found %d HTTP examples in the README, want the chat API's", len(exs))
	}
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--data", data, "../../demo/kb"}, &out, io.Discard); err != nil {
		t.Fatalf("ingest demo: %v", err)
	}
	base := "http://" + serveData(t, data, nil).Addr()
	vars := map[string]string{}
	for _, ex := range exs {
		var failed bool
		t.Run(fmt.Sprintf("line%d", ex.line), func(t *testing.T) {
			req, err := http.NewRequest(ex.method, base+expand(t, ex.path, vars), strings.NewReader(expand(t, ex.body, vars)))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range ex.header {
				req.Header.Set(k, expand(t, v, vars))
			}
			if ex.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != ex.status {
				t.Fatalf("%s %s: status %d, README says %d\n%s", ex.method, ex.path, resp.StatusCode, ex.status, raw)
			}
			var got any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%s %s: body %q is not JSON: %v", ex.method, ex.path, raw, err)
			}
			if probs := matchJSON(ex.want, got, "", vars, true); len(probs) > 0 {
				t.Errorf("%s %s differs from the README's example:\n%s\nserver sent: %.3000s", ex.method, ex.path, strings.Join(probs, "\n"), raw)
			}
			failed = t.Failed()
		})
		if failed {
			break // later examples use what this one returned
		}
	}
}

// exchange is one request of the README and the response it shows.
type exchange struct {
	line         int // of the request block
	method, path string
	header       map[string]string
	body         string
	status       int
	want         any
}

// readmeExchanges reads the ```http blocks of a Markdown file: a request
// block ("METHOD PATH", headers, a blank line, a body) each followed by a
// response block ("HTTP/1.1 STATUS", a blank line, a JSON body).
func readmeExchanges(t *testing.T, name string) []exchange {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type block struct {
		line  int
		lines []string
	}
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(l) == "```http":
			cur = &block{line: n}
		case cur != nil && strings.TrimSpace(l) == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
	}
	var exs []exchange
	for i := 0; i < len(blocks); i++ {
		b := blocks[i]
		head, body := splitMessage(b.lines)
		if len(head) == 0 || strings.HasPrefix(head[0], "HTTP/") {
			t.Fatalf("README line %d: a response with no request before it", b.line)
		}
		method, path, ok := strings.Cut(head[0], " ")
		if !ok {
			t.Fatalf("README line %d: want METHOD PATH, got %q", b.line, head[0])
		}
		ex := exchange{line: b.line, method: method, path: strings.TrimSpace(path), header: map[string]string{}, body: body}
		for _, h := range head[1:] {
			k, v, _ := strings.Cut(h, ":")
			ex.header[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if i+1 == len(blocks) {
			t.Fatalf("README line %d: a request with no response after it", b.line)
		}
		i++
		rhead, rbody := splitMessage(blocks[i].lines)
		var status string
		if len(rhead) > 0 {
			status, _, _ = strings.Cut(strings.TrimPrefix(rhead[0], "HTTP/1.1 "), " ")
		}
		if ex.status, err = strconv.Atoi(status); err != nil || !strings.HasPrefix(rhead[0], "HTTP/1.1 ") {
			t.Fatalf("README line %d: want a response \"HTTP/1.1 STATUS\" after the request", blocks[i].line)
		}
		if err := json.Unmarshal([]byte(rbody), &ex.want); err != nil {
			t.Fatalf("README line %d: the response is not JSON: %v", blocks[i].line, err)
		}
		exs = append(exs, ex)
	}
	return exs
}

// splitMessage splits an HTTP message's lines at the first blank line.
func splitMessage(lines []string) (head []string, body string) {
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			return lines[:i], strings.TrimSpace(strings.Join(lines[i+1:], "\n"))
		}
		head = append(head, l)
	}
	return head, ""
}

var varName = regexp.MustCompile(`\$[A-Z][A-Z0-9]*`)

// expand replaces each $NAME in s by what an earlier response gave it.
func expand(t *testing.T, s string, vars map[string]string) string {
	t.Helper()
	return varName.ReplaceAllStringFunc(s, func(v string) string {
		val, ok := vars[v[1:]]
		if !ok {
			t.Fatalf("%s is used before a response set it", v)
		}
		return val
	})
}

// matchJSON lists how got differs from the README's want. Objects must
// have exactly the same keys; a one-element array stands for any number
// of elements shaped like it (the first compared in full), a longer one
// for exactly those. With exact set, strings must be equal unless want
// abridges them with a final "…" (then got starts with the rest) or is an
// RFC 3339 time (any time), and "$NAME" takes got's value into vars (or,
// set already, must equal it); without it only the types are compared.
func matchJSON(want, got any, at string, vars map[string]string, exact bool) []string {
	if at == "" {
		at = "."
	}
	bad := func(format string, args ...any) []string {
		return []string{at + ": " + fmt.Sprintf(format, args...)}
	}
	switch w := want.(type) {
	case nil:
		if got != nil {
			return bad("%v, README says null", got)
		}
	case bool:
		g, ok := got.(bool)
		if !ok || exact && g != w {
			return bad("%v, README says %v", got, w)
		}
	case float64:
		if _, ok := got.(float64); !ok {
			return bad("%v, README says a number", got)
		}
	case string:
		g, ok := got.(string)
		if !ok {
			return bad("%v, README says a string", got)
		}
		if !exact {
			return nil
		}
		if w != "" && varName.FindString(w) == w {
			if prev, set := vars[w[1:]]; set && prev != g {
				return bad("%q, but %s was %q", g, w, prev)
			}
			vars[w[1:]] = g
			return nil
		}
		// A name inside a longer string is what an earlier response set.
		w = varName.ReplaceAllStringFunc(w, func(v string) string {
			if val, ok := vars[v[1:]]; ok {
				return val
			}
			return v
		})
		if _, err := time.Parse(time.RFC3339, w); err == nil {
			if _, err := time.Parse(time.RFC3339Nano, g); err != nil {
				return bad("%q, README says a time", g)
			}
			return nil
		}
		if prefix, abridged := strings.CutSuffix(w, "…"); abridged {
			if !strings.HasPrefix(g, prefix) {
				return bad("%q, README says it starts %q", g, prefix)
			}
			return nil
		}
		if g != w {
			return bad("%q, README says %q", g, w)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return bad("%v, README says an array", got)
		}
		switch {
		case len(w) == 0 && len(g) != 0:
			return bad("%d elements, README says none", len(g))
		case len(w) == 1 && len(g) == 0:
			return bad("no elements, README shows one")
		case len(w) > 1 && len(g) != len(w):
			return bad("%d elements, README shows %d", len(g), len(w))
		}
		var out []string
		for i, e := range g {
			ew, ex := w[0], exact && i == 0
			if len(w) > 1 {
				ew, ex = w[i], exact
			}
			out = append(out, matchJSON(ew, e, fmt.Sprintf("%s[%d]", strings.TrimSuffix(at, "."), i), vars, ex)...)
		}
		return out
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return bad("%v, README says an object", got)
		}
		var out []string
		var keys []string
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				out = append(out, fmt.Sprintf("%s: field %q is not in the README", at, k))
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: field %q is in the README but not sent", at, k))
				continue
			}
			out = append(out, matchJSON(w[k], gv, strings.TrimSuffix(at, ".")+"."+k, vars, exact)...)
		}
		sort.Strings(out)
		return out
	}
	return nil
}
