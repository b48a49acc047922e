package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ZipEntry is one file found in an uploaded archive.
type ZipEntry struct {
	// Name is the file's slash-separated path inside the archive, such as
	// "faq/returns.md". Passed to Parse, it becomes the articles' Source
	// and the base of their IDs.
	Name string
	// Data is the file's content, or nil for a file Parse does not support
	// (an image, a nested archive): such files are listed, unread, so that
	// the caller can report them rather than drop them silently.
	Data []byte
}

// ZipLimits bounds what expanding one archive may cost. A zero field means
// the value in DefaultZipLimits.
type ZipLimits struct {
	MaxFiles      int   // files in the archive, supported or not
	MaxFileBytes  int64 // uncompressed size of one file
	MaxTotalBytes int64 // uncompressed size of all the files read
}

// DefaultZipLimits fit a knowledge base exported as one archive while
// refusing a compression bomb long before it fills memory.
var DefaultZipLimits = ZipLimits{MaxFiles: 2000, MaxFileBytes: 20 << 20, MaxTotalBytes: 200 << 20}

// Unzip returns the files of a .zip upload for the caller to Parse one by
// one, sorted by name. An archive is not parsed as a whole because each file
// in it is its own source of articles.
//
// Directories and the files SkipName names (hidden files, __MACOSX/,
// README, LICENSE...) are skipped. Archives inside the archive are not
// expanded. Each file is read through a limit, so an archive that
// uncompresses to more than lim allows, whatever sizes its headers declare,
// is refused after reading at most the limit. File names in the legacy
// Chinese encoding (GBK), as Windows writes them, are decoded.
//
// A damaged, encrypted, oversized or empty archive, or a name that leaves
// the archive ("../x"), is an error wrapping kb.ErrInvalid.
func Unzip(data []byte, lim ZipLimits) ([]ZipEntry, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below
		if l := looksLike(data); l != "" && !strings.Contains(l, "ZIP") {
			return nil, invalidf("not a ZIP archive%s", l)
		}
		return nil, invalidf("not a readable ZIP archive: %v", err)
	}
	var (
		out   []ZipEntry
		seen  = map[string]bool{}
		total int64
	)
	for _, zf := range zr.File {
		name := zipName(zf.Name)
		if zf.FileInfo().IsDir() || strings.HasSuffix(name, "/") || SkipName(name) {
			continue
		}
		if len(seen) == lim.MaxFiles {
			return nil, invalidf("archive has more than %d files: split it", lim.MaxFiles)
		}
		clean := path.Clean(strings.TrimPrefix(name, "./"))
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, ":") {
			return nil, invalidf("archive path %q leaves the archive", name)
		}
		if seen[clean] {
			return nil, invalidf("%s is in the archive twice", clean)
		}
		seen[clean] = true
		if ext := extOf(clean); ext == ".zip" || !supported[ext] {
			out = append(out, ZipEntry{Name: clean})
			continue
		}
		// Declared sizes give the clearest message; readZipFile also
		// enforces the limit on what it reads, whatever was declared.
		if zf.UncompressedSize64 > uint64(lim.MaxFileBytes) {
			return nil, invalidf("%s uncompresses to more than %s", clean, byteSize(lim.MaxFileBytes))
		}
		if total+int64(zf.UncompressedSize64) > lim.MaxTotalBytes {
			return nil, invalidf("archive uncompresses to more than %s", byteSize(lim.MaxTotalBytes))
		}
		b, err := readZipFile(zf, clean, min(lim.MaxFileBytes, lim.MaxTotalBytes-total))
		if err != nil {
			return nil, err
		}
		total += int64(len(b))
		out = append(out, ZipEntry{Name: clean, Data: b})
	}
	if len(out) == 0 {
		return nil, invalidf("archive has no files")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (l ZipLimits) withDefaults() ZipLimits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultZipLimits.MaxFiles
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultZipLimits.MaxFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultZipLimits.MaxTotalBytes
	}
	return l
}

// zipName is an archive member's name as UTF-8 with forward slashes. ZIP
// has no reliable flag for the encoding of names, and Windows writes them
// in the system code page: GBK on a Chinese system, which GB18030 decodes.
func zipName(name string) string {
	if !utf8.ValidString(name) {
		if s, err := simplifiedchinese.GB18030.NewDecoder().String(name); err == nil && utf8.ValidString(s) {
			name = s
		} else {
			name = strings.ToValidUTF8(name, "\uFFFD")
		}
	}
	return strings.ReplaceAll(name, `\`, "/")
}

// SkipName reports files that are not knowledge articles although they
// sit in a folder or archive being ingested: hidden files and folders
// (".git", ".DS_Store"), what archivers and operating systems add
// ("__MACOSX", "Thumbs.db", "desktop.ini"), and a project's notes about
// itself (README, LICENSE, CHANGELOG, CONTRIBUTING, any extension, any
// case). name is the path inside the folder or archive, with slashes. A
// file named on its own is never skipped: it was chosen.
func SkipName(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if part == "__MACOSX" || strings.HasPrefix(part, ".") && part != "." && part != ".." {
			return true
		}
	}
	base := path.Base(name)
	if base == "Thumbs.db" || base == "desktop.ini" {
		return true
	}
	stem := strings.ToUpper(strings.TrimSuffix(base, path.Ext(base)))
	switch stem {
	case "README", "LICENSE", "LICENCE", "CHANGELOG", "CONTRIBUTING", "COPYING":
		return true
	}
	return false
}
