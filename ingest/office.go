package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// oleMagic starts a Compound File: a Word or Excel 97-2003 file, and also
// any password-protected .docx or .xlsx, which Office wraps in one.
var oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// looksLike names the format data appears to be in, as a parenthesised
// suffix for an error message, so that a user who renamed a file learns
// what it really is. It is empty when the bytes say nothing clear.
func looksLike(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return " (it looks like a PDF)"
	case bytes.HasPrefix(data, oleMagic):
		return " (it looks like a password-protected or 97-2003 Office file)"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			return " (it looks like " + zipKind(zr) + ")"
		}
		return " (it looks like a ZIP archive)"
	case looksTextual(data[:min(len(data), 512)]):
		return " (it looks like text)"
	}
	return ""
}

// looksTextual reports whether b, the start of a file, is UTF-8 text
// without NUL bytes; a character cut off at the end of b is allowed.
func looksTextual(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:])
		case r == 0:
			return false
		}
		i += size
	}
	return len(b) > 0
}

// zipKind names what a ZIP archive holds, by the parts that Office and
// OpenDocument files always contain.
func zipKind(zr *zip.Reader) string {
	switch {
	case findZipFile(zr, "word/document.xml") != nil:
		return "a Word document"
	case findZipFile(zr, "xl/workbook.xml") != nil:
		return "an Excel workbook"
	case findZipFile(zr, "ppt/presentation.xml") != nil:
		return "a PowerPoint presentation"
	case findZipFile(zr, "mimetype") != nil && findZipFile(zr, "content.xml") != nil:
		return "an OpenDocument file"
	}
	return "a ZIP archive"
}

// openOffice opens an Office Open XML file (.docx, .xlsx) as the ZIP archive
// it is, explaining in the error what the file is instead when it is not.
// kind names the expected format in messages, as "a DOCX (Word)".
func openOffice(data []byte, kind string) (*zip.Reader, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return nil, invalidf("%s file that is password-protected or in the 97-2003 format: remove the password, or save it in the current format, and upload again", kind)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if l := looksLike(data); l != "" {
			return nil, invalidf("not %s file%s", kind, l)
		}
		return nil, invalidf("not a readable %s file: %v", kind[strings.Index(kind, " ")+1:], err)
	}
	return zr, nil
}

// findZipFile finds a part by name. Office part names are
// case-insensitive, and some writers use backslashes.
func findZipFile(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, `\`, "/"), name) {
			return f
		}
	}
	return nil
}

// readZipFile reads one archive member, refusing one that uncompresses to
// more than limit bytes. The limit is enforced on the bytes read, not only
// on the size the archive declares, so a compression bomb is stopped after
// limit bytes whatever its header says. name is f's name for messages.
func readZipFile(f *zip.File, name string, limit int64) ([]byte, error) {
	if f.Flags&0x1 != 0 {
		return nil, invalidf("%s is password-protected: remove the password and upload again", name)
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, invalidf("%s uncompresses to more than %s", name, byteSize(limit))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalidf("%s: %v", name, err)
	}
	defer rc.Close()
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(rc, limit+1))
	if n > limit {
		return nil, invalidf("%s uncompresses to more than %s", name, byteSize(limit))
	}
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
		// archive/zip stops at the size the header declares: more data
		// than that is a damaged file or a bomb hiding its size.
		return nil, invalidf("%s is damaged: its data does not match its header", name)
	}
	if err != nil {
		return nil, invalidf("%s: %v", name, err)
	}
	return b.Bytes(), nil
}

// byteSize formats a limit for a message, in whole MB where it is one.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
