package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mixedZip builds a ZIP of n documents in every text format, plus copies
// of the binary fixtures in ingest/testdata when present, each with its
// own name and content.
func mixedZip(tb testing.TB, n int) []byte {
	tb.Helper()
	var binaries [][2]string // name extension, content
	for _, f := range []string{"returns.pdf", "guide.docx", "faq.xlsx"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", f)); err == nil {
			binaries = append(binaries, [2]string{filepath.Ext(f), string(b)})
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, content string) {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		io.WriteString(w, content)
	}
	topics := []string{"delivery", "returns", "refunds", "payments", "accounts", "warranty", "gift cards", "loyalty points"}
	for i := range n {
		topic := topics[i%len(topics)]
		para := fmt.Sprintf("Policy %d on %s: customers in region %d can ask about %s at any time; the answer depends on the order type %d and the country.", i, topic, i%17, topic, i%5)
		switch i % 8 {
		case 0:
			add(fmt.Sprintf("md/doc-%04d.md", i), fmt.Sprintf("# %s policy %d\n\n## Overview\n\n%s\n\n## Details\n\n%s\n", topic, i, para, strings.Repeat(para+" ", 3)))
		case 1:
			add(fmt.Sprintf("txt/doc-%04d.txt", i), fmt.Sprintf("%s notice %d\n\n%s\n", topic, i, para))
		case 2:
			add(fmt.Sprintf("html/doc-%04d.html", i), fmt.Sprintf("<html><head><title>%s page %d</title></head><body><h1>%s page %d</h1><p>%s</p><table><tr><th>Plan</th><th>Price</th></tr><tr><td>A%d</td><td>%d</td></tr></table></body></html>", topic, i, topic, i, para, i, i%90))
		case 3:
			add(fmt.Sprintf("csv/faq-%04d.csv", i), fmt.Sprintf("question,answer\nwhat about %s case %d?,\"%s\"\nhow does %s %d work?,\"See policy %d.\"\n", topic, i, para, topic, i, i))
		case 4:
			add(fmt.Sprintf("jsonl/faq-%04d.jsonl", i), fmt.Sprintf(`{"id":"j-%d","title":"%s question %d","body":"%s","lang":"en","questions":["%s %d?"]}`+"\n", i, topic, i, para, topic, i))
		case 5:
			add(fmt.Sprintf("zh/doc-%04d.md", i), fmt.Sprintf("# 第%d号%s说明\n\n地区%d的客户可以随时咨询%s相关问题，处理方式取决于订单类型%d和所在城市。\n", i, topic, i%17, topic, i%5))
		default:
			if len(binaries) > 0 {
				b := binaries[i%len(binaries)]
				add(fmt.Sprintf("bin/doc-%04d%s", i, b[0]), b[1])
			} else {
				add(fmt.Sprintf("md/extra-%04d.md", i), "# Extra "+fmt.Sprint(i)+"\n\n"+para+"\n")
			}
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkUploadZip uploads a ZIP of 1,000 mixed documents through the
// HTTP API and waits for its job, printing progress as the page would see
// it; keyword-only, hybrid (local model) on one ingest worker (one file
// at a time, as before parallel ingestion) and hybrid on the default
// workers (one per core) in the same run:
//
//	go test -run XXX -bench UploadZip -benchtime 1x -count 3 ./cmd/baton
func BenchmarkUploadZip(b *testing.B) {
	zipped := mixedZip(b, 1000)
	for _, mode := range []string{"keyword", "hybrid-1worker", "hybrid"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				data := b.TempDir()
				key := staffKey(b, data, "editor", "bench")
				srv := launch(b, data, func(c *Config) {
					switch mode {
					case "keyword":
						c.Embedder = "none"
					case "hybrid-1worker":
						c.IngestWorkers = 1
					}
				})
				base := "http://" + srv.Addr()
				b.StartTimer()
				start := time.Now()
				id := postZip(b, base, key, zipped)
				job := waitJobTB(b, base, key, id, func(j map[string]any) {
					b.Logf("%5.1fs %v/%v files, %v passages, %v embeddings", time.Since(start).Seconds(), j["files_done"], j["files_total"], j["chunks"], j["embedded"])
				})
				secs := time.Since(start).Seconds()
				b.StopTimer()
				rejected := 0
				for _, f := range job["files"].([]any) {
					if f.(map[string]any)["status"] == "rejected" {
						rejected++
					}
				}
				b.ReportMetric(job["files_total"].(float64)/secs, "files/s")
				b.ReportMetric(float64(len(zipped))/1e6/secs, "MB/s")
				b.ReportMetric(float64(rejected), "rejected")
				b.StartTimer()
			}
		})
	}
}

func postZip(tb testing.TB, base, key string, zipped []byte) string {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("files", "kb.zip")
	part.Write(zipped)
	w.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/collections/default/documents", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	if res.StatusCode != http.StatusAccepted {
		tb.Fatalf("upload: %d %v", res.StatusCode, m)
	}
	return m["job"].(map[string]any)["id"].(string)
}

// waitJobTB polls a job every 250 ms, calling progress on each state,
// until it ends.
func waitJobTB(tb testing.TB, base, key, id string, progress func(map[string]any)) map[string]any {
	deadline := time.Now().Add(10 * time.Minute)
	last := -1.0
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", base+"/api/v1/jobs/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		res.Body.Close()
		j := m["job"].(map[string]any)
		if done := j["files_done"].(float64); done != last {
			progress(j)
			last = done
		}
		if j["status"] == "done" || j["status"] == "failed" {
			return j
		}
		time.Sleep(250 * time.Millisecond)
	}
	tb.Fatalf("job %s did not finish", id)
	return nil
}
