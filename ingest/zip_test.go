package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestUnzip(t *testing.T) {
	entries, err := Unzip(readTestdata(t, "kb.zip"), DefaultZipLimits)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	// Directories, __MACOSX/ and dot-files are gone; the image and the
	// nested archive are listed unread; the GBK name is decoded.
	want := []string{"kb/faq/faq.csv", "kb/faq/returns.md", "kb/guides/guide.docx", "kb/guides/returns.pdf", "kb/logo.png", "kb/old.zip", "运费/退货.txt"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names = %q\nwant    %q", names, want)
	}
	byName := map[string][]byte{}
	for _, e := range entries {
		byName[e.Name] = e.Data
	}
	if !bytes.Equal(byName["kb/faq/returns.md"], readTestdata(t, "returns.md")) {
		t.Errorf("kb/faq/returns.md data differs from the file zipped")
	}
	if byName["kb/logo.png"] != nil || byName["kb/old.zip"] != nil {
		t.Errorf("unsupported files were read: logo %d bytes, old.zip %d bytes", len(byName["kb/logo.png"]), len(byName["kb/old.zip"]))
	}

	// Each entry parses under its archive path; unsupported ones say why.
	for _, e := range entries {
		arts, err := Parse(e.Name, e.Data, "shop")
		switch e.Name {
		case "kb/logo.png":
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), "unsupported file type") {
				t.Errorf("Parse(%s) error = %v, want unsupported", e.Name, err)
			}
		case "kb/old.zip":
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), "archives inside archives are not expanded") {
				t.Errorf("Parse(%s) error = %v, want nested archive refused", e.Name, err)
			}
		default:
			if err != nil {
				t.Errorf("Parse(%s) error = %v", e.Name, err)
				continue
			}
			if arts[0].Source != e.Name {
				t.Errorf("Parse(%s): Source = %q", e.Name, arts[0].Source)
			}
		}
	}
}

// deflated returns n zero bytes deflated, and frees the buffer it compressed
// from as it goes, so the test itself stays small.
func deflated(t *testing.T, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	fw, err := flate.NewWriter(&b, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(zero)))
		fw.Write(zero[:k])
		n -= k
	}
	fw.Close()
	return b.Bytes()
}

// rawZip writes one deflated entry whose header declares size bytes,
// whatever the compressed data holds: how a bomb hides its size.
func rawZip(t *testing.T, name string, compressed []byte, size uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(compressed)), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(compressed)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestUnzipRejects(t *testing.T) {
	files := func(n int) []byte {
		m := map[string]string{}
		for i := range n {
			m["f"+strings.Repeat("x", i)+".txt"] = "text"
		}
		return buildZip(t, m)
	}
	encrypted := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "secret.md", Method: zip.Store, Flags: 0x1})
		w.Write([]byte("ciphertext"))
		zw.Close()
		return b.Bytes()
	}
	small := ZipLimits{MaxFiles: 3, MaxFileBytes: 1 << 20, MaxTotalBytes: 3 << 20}
	tests := []struct {
		name    string
		data    []byte
		lim     ZipLimits
		wantErr string
	}{
		{"bomb declaring its size", readTestdata(t, "bomb.zip"), DefaultZipLimits, "zeros.txt uncompresses to more than 20 MB"},
		{"bomb hiding its size", rawZip(t, "zeros.txt", deflated(t, 30<<20), 100), DefaultZipLimits, "zeros.txt is damaged: its data does not match its header"},
		{"too many files", files(4), small, "archive has more than 3 files"},
		{"huge file", buildZip(t, map[string]string{"big.txt": strings.Repeat("a", 1<<20+1)}), small, "big.txt uncompresses to more than 1 MB"},
		{"too much in total", buildZip(t, map[string]string{
			"a.txt": strings.Repeat("a", 1<<20), "b.txt": strings.Repeat("b", 1<<20), "c.txt": strings.Repeat("c", 1<<20)}),
			ZipLimits{MaxFileBytes: 1 << 20, MaxTotalBytes: 2<<20 + 10}, "archive uncompresses to more than"},
		{"path leaving the archive", buildZip(t, map[string]string{"../../etc/passwd.txt": "x"}), DefaultZipLimits, "leaves the archive"},
		{"same file twice", buildZip(t, map[string]string{"a.md": "x", "./a.md": "y"}), DefaultZipLimits, "a.md is in the archive twice"},
		{"encrypted entry", encrypted(), DefaultZipLimits, "secret.md is password-protected"},
		{"only junk", buildZip(t, map[string]string{"__MACOSX/._a.md": "x", ".DS_Store": "y"}), DefaultZipLimits, "archive has no files"},
		{"not a zip", readTestdata(t, "returns.pdf"), DefaultZipLimits, "not a ZIP archive (it looks like a PDF)"},
		{"truncated zip", readTestdata(t, "kb.zip")[:1000], DefaultZipLimits, "not a readable ZIP archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unzip(tt.data, tt.lim)
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Unzip error = %v, want kb.ErrInvalid mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// TestUnzipBombMemory checks that refusing a 100 MB bomb allocates a small
// part of that, whether its header declares the size (refused before
// reading) or hides it (reading stops at the declared size or the limit).
func TestUnzipBombMemory(t *testing.T) {
	zeros := deflated(t, 100<<20)
	bomb := rawZip(t, "zeros.txt", zeros, 100<<20)
	lying := rawZip(t, "zeros.txt", zeros, 1<<20)
	lim := ZipLimits{MaxFileBytes: 8 << 20, MaxTotalBytes: 8 << 20}
	for _, data := range [][]byte{bomb, lying} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Unzip(data, lim)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, kb.ErrInvalid) {
			t.Fatalf("Unzip error = %v, want kb.ErrInvalid", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 32<<20 {
			t.Errorf("refusing a 100 MB bomb allocated %d MB", got>>20)
		}
	}
}

// TestIngestPathsZip checks that ingesting a directory expands the archives
// in it, each file becoming a source named by its path in the archive.
func TestIngestPathsZip(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kb.zip"), readTestdata(t, "kb.zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := &Ingester{Store: store, Index: nopIndex{}}
	sum, err := in.IngestPaths(ctx, []string{dir}, "shop")
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, f := range sum.Files {
		if f.Err != "" {
			failed[filepath.Base(f.Path)] = true
		}
	}
	if want := map[string]bool{"logo.png": true, "old.zip": true}; !reflect.DeepEqual(failed, want) || len(sum.Files) != 7 {
		t.Fatalf("files %+v: failed %v, want 7 files with %v failed", sum.Files, failed, want)
	}
	// 1 Markdown + 2 CSV rows + 1 DOCX + 1 PDF + 1 text.
	if sum.Added != 6 {
		t.Errorf("added %d articles, want 6: %+v", sum.Added, sum)
	}
	a, err := store.Article(ctx, "shop/guide")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.ToSlash(filepath.Join(dir, "kb.zip")) + "/kb/guides/guide.docx"; a.Source != want {
		t.Errorf("Source = %q, want %q", a.Source, want)
	}
}

// nopIndex is an Index that keeps nothing.
type nopIndex struct{}

func (nopIndex) Index(context.Context, *kb.Article, []kb.Chunk) error { return nil }
func (nopIndex) Delete(context.Context, string) error                 { return nil }

// A folder's notes and hidden files are not articles; a file named on
// its own is ingested whatever its name.
func TestIngestPathsSkipsNotes(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	for name, body := range map[string]string{
		"returns.md":        "# Returns\n\nThirty days.",
		"README.md":         "# About this folder\n\nNotes for editors.",
		"LICENSE.txt":       "All rights reserved.",
		"zh/ChangeLog.md":   "# 更新\n\n改了。",
		".drafts/secret.md": "# Secret\n\nNot yet.",
		"zh/.notes.md":      "# Hidden\n\nNo.",
		"zh/tuikuan.md":     "# 退款\n\n三天到账。",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := &Ingester{Store: store, Index: nopIndex{}}
	sum, err := in.IngestPaths(ctx, []string{dir}, "shop")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range sum.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, filepath.ToSlash(rel))
	}
	if want := []string{"returns.md", "zh/tuikuan.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ingested %v, want only %v", got, want)
	}
	sum, err = in.IngestPaths(ctx, []string{filepath.Join(dir, "README.md")}, "shop")
	if err != nil || sum.Added != 1 {
		t.Errorf("README.md named on its own: %+v, %v; want it ingested", sum, err)
	}
}

func TestSkipName(t *testing.T) {
	for name, want := range map[string]bool{
		"README.md": true, "docs/readme.txt": true, "LICENSE": true, "Licence.md": true, "CONTRIBUTING.md": true,
		".git/config": true, "a/.DS_Store": true, "__MACOSX/x.md": true, "Thumbs.db": true,
		"returns.md": false, "readme-first-steps.md": false, "zh/退款.md": false, "licensing.md": false,
	} {
		if got := SkipName(name); got != want {
			t.Errorf("SkipName(%q) = %v, want %v", name, got, want)
		}
	}
}

// FuzzUnzip mutates real archives, a bomb among them: Unzip returns
// entries within its limits, inside the archive, or an error; it never
// panics or reads past a limit.
func FuzzUnzip(f *testing.F) {
	for _, name := range []string{"kb.zip", "bomb.zip"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	lim := ZipLimits{MaxFiles: 20, MaxFileBytes: 1 << 20, MaxTotalBytes: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Unzip(data, lim)
		if err != nil {
			return
		}
		if len(entries) > lim.MaxFiles {
			t.Fatalf("%d entries, limit %d", len(entries), lim.MaxFiles)
		}
		var total int64
		for _, e := range entries {
			total += int64(len(e.Data))
			if int64(len(e.Data)) > lim.MaxFileBytes || strings.HasPrefix(e.Name, "/") || slices.Contains(strings.Split(e.Name, "/"), "..") {
				t.Fatalf("entry %q of %d bytes passed the limits", e.Name, len(e.Data))
			}
		}
		if total > lim.MaxTotalBytes {
			t.Fatalf("%d bytes in all, limit %d", total, lim.MaxTotalBytes)
		}
	})
}
