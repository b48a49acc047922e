package ingest

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"

	"github.com/batonhq/baton/kb"
)

func TestParsePDF(t *testing.T) {
	returns := readTestdata(t, "returns.pdf")
	tests := []parseCase{
		{
			// Title from metadata, the same first line dropped from the body,
			// a larger line as a heading, bullets as list items, a line
			// shown in pieces joined with spaces, the page number dropped
			// and page 2 as a paragraph of its own.
			name: "english with title metadata",
			file: "returns.pdf",
			want: []wantArticle{{
				ID: "shop/returns", Collection: "shop", Title: "Returns policy",
				Body: "You can return most items within 30 days of delivery if they are unused and in their original packaging.\n\n" +
					"Items we cannot take back:\n\n- Opened software\n- Gift cards\n\n## Refund timing\n\n" +
					"Refunds reach your card within 5 to 10 business days.\n\n" +
					"Refunds for gift purchases go to the person who paid.\n\n" +
					"Questions? Write to support@example.com.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			// No metadata: the first line is the title, and wrapped Chinese
			// lines join without a space.
			name: "chinese titled by its first line",
			file: "refund-zh.pdf",
			want: []wantArticle{{
				ID: "shop/refund-zh", Collection: "shop", Title: "退款政策",
				Body:      "商品签收后七天内可以申请无理由退货，退货商品需要保持完好。\n\n## 退款时间\n\n退款会在三到五个工作日内原路退回。",
				Questions: []string{}, Tags: []string{}, Lang: "zh",
			}},
		},
		{
			// Word and browsers embed a subset of a Chinese font, number its
			// glyphs from 1 (Identity-H) and map them back to text with a
			// ToUnicode map.
			name: "chinese through a ToUnicode map",
			file: "发票.pdf",
			data: identityHPDF("发票说明", "电子发票在付款后开具。"),
			want: []wantArticle{{
				ID: "shop/doc-" + shortHash("发票"), Collection: "shop", Title: "发票说明",
				Body: "电子发票在付款后开具。", Questions: []string{}, Tags: []string{}, Lang: "zh",
			}},
		},
		{
			// Encrypted only against editing: readable without a password.
			name: "owner password only",
			file: "owner-only.pdf",
			want: []wantArticle{{
				ID: "shop/owner-only", Collection: "shop", Title: "Printing rules",
				Body: "Anyone may read this file but not edit it.", Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name: "pdf 2.0 header",
			file: "Returns 2.PDF",
			data: append([]byte("%PDF-2.0"), returns[len("%PDF-1.4"):]...),
			want: []wantArticle{{
				ID: "shop/returns-2", Collection: "shop", Title: "Returns policy",
				Body: "You can return most items within 30 days of delivery if they are unused and in their original packaging.\n\n" +
					"Items we cannot take back:\n\n- Opened software\n- Gift cards\n\n## Refund timing\n\n" +
					"Refunds reach your card within 5 to 10 business days.\n\n" +
					"Refunds for gift purchases go to the person who paid.\n\n" +
					"Questions? Write to support@example.com.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
	}
	runParseCases(t, tests)
}

// TestParseRejects covers uploads that must be refused with a clear
// kb.ErrInvalid error naming the file, and never a panic: damaged,
// encrypted, empty, mislabelled and hostile files of every binary format.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		data    []byte // nil: the testdata file named by from
		from    string
		wantErr string
	}{
		{name: "encrypted pdf", file: "secret.pdf", from: "encrypted.pdf", wantErr: "encrypted PDF: remove the password and upload again"},
		{name: "scanned pdf", file: "scan.pdf", from: "scanned.pdf", wantErr: "no text: scanned PDF?"},
		{name: "truncated pdf", file: "cut.pdf", from: "truncated.pdf", wantErr: "not a readable PDF"},
		{name: "empty pdf", file: "empty.pdf", data: []byte{}, wantErr: "empty file"},
		{name: "text renamed pdf", file: "notes.pdf", data: []byte("Just some notes.\n"), wantErr: "not a PDF file (it looks like text)"},
		{name: "docx renamed pdf", file: "guide.pdf", from: "guide.docx", wantErr: "not a PDF file (it looks like a Word document)"},
		{name: "pdf header then garbage", file: "junk.pdf", data: []byte("%PDF-1.4\n\x00\x01garbage%%EOF"), wantErr: "not a readable PDF"},
		{name: "pdf with looping page tree", file: "loop.pdf", data: loopingPDF(), wantErr: "page tree too large or looping"},
		{name: "pdf with compression bomb", file: "bomb.pdf", data: bombPDF(t), wantErr: "page 1: content of all pages uncompresses to more than 64 MB"},
		{name: "pdf with font map bomb", file: "font.pdf", data: cmapBombPDF(t), wantErr: "font F1: ToUnicode map uncompresses to more than 4 MB"},
		{name: "pdf renamed docx", file: "guide.docx", from: "returns.pdf", wantErr: "not a DOCX (Word) file (it looks like a PDF)"},
		{name: "xlsx renamed docx", file: "guide.docx", from: "faq.xlsx", wantErr: "not a DOCX (Word) file (it looks like an Excel workbook)"},
		{name: "text renamed docx", file: "guide.docx", data: []byte("plain words"), wantErr: "not a DOCX (Word) file (it looks like text)"},
		{name: "legacy or encrypted docx", file: "old.docx", data: append(bytes.Clone(oleMagic), make([]byte, 512)...), wantErr: "a DOCX (Word) file that is password-protected or in the 97-2003 format"},
		{name: "empty docx", file: "empty.docx", data: []byte{}, wantErr: "empty file"},
		{name: "docx renamed xlsx", file: "faq.xlsx", from: "guide.docx", wantErr: "not an XLSX (Excel) file (it looks like a Word document)"},
		{name: "pdf renamed xlsx", file: "faq.xlsx", from: "returns.pdf", wantErr: "not an XLSX (Excel) file (it looks like a PDF)"},
		{name: "legacy or encrypted xlsx", file: "old.xlsx", data: append(bytes.Clone(oleMagic), make([]byte, 512)...), wantErr: "an XLSX (Excel) file that is password-protected or in the 97-2003 format"},
		{name: "zip renamed xlsx", file: "faq.xlsx", from: "kb.zip", wantErr: "it looks like a ZIP archive"},
		{name: "zip given to Parse", file: "kb.zip", from: "kb.zip", wantErr: "expanded by the uploader (Unzip)"},
		{name: "unsupported type lists the new ones", file: "slides.pptx", data: []byte("x"), wantErr: ".pdf, .docx, .xlsx, or a .zip of them"},
		{name: "binary renamed txt", file: "guide.txt", from: "guide.docx", wantErr: "not valid UTF-8 text (it looks like a Word document)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = readTestdata(t, tt.from)
			}
			_, err := Parse(tt.file, data, "")
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want kb.ErrInvalid mentioning %q", tt.file, err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "parse "+tt.file+": ") {
				t.Errorf("Parse(%q) error = %q, want it to name the file", tt.file, err)
			}
		})
	}
}

const pdfCatalog = "<< /Type /Catalog /Pages 2 0 R >>"

// loopingPDF is a PDF whose page tree contains itself, on which the PDF
// library's own page lookup never returns.
func loopingPDF() []byte {
	return minimalPDF(pdfCatalog, "<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 5 >>")
}

// bombPDF has one page whose content stream inflates to 65 MB of spaces.
func bombPDF(t *testing.T) []byte {
	t.Helper()
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for range 65 {
		zw.Write(chunk)
	}
	zw.Close()
	return minimalPDF(pdfCatalog,
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
}

// identityHPDF sets a title line and a body line in a font whose glyph
// codes are numbered in order of first use, as font subsets are, so that
// only the ToUnicode map can turn them back into text.
func identityHPDF(title, body string) []byte {
	codes := map[rune]int{}
	var cmap strings.Builder
	hexOf := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if codes[r] == 0 {
				codes[r] = len(codes) + 1
				fmt.Fprintf(&cmap, "<%04X> <%04X>\n", codes[r], r)
			}
			fmt.Fprintf(&b, "%04X", codes[r])
		}
		return "<" + b.String() + ">"
	}
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td %s Tj ET\nBT /F1 11 Tf 72 680 Td %s Tj ET", hexOf(title), hexOf(body))
	toUnicode := fmt.Sprintf("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n%d beginbfchar\n%sendbfchar\nendcmap\nend\nend", len(codes), cmap.String())
	return minimalPDF(pdfCatalog,
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /ToUnicode 6 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(toUnicode), toUnicode))
}

// cmapBombPDF has a font whose ToUnicode map inflates to 5 MB.
func cmapBombPDF(t *testing.T) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte(" "), 5<<20))
	zw.Close()
	content := "BT /F1 12 Tf 72 700 Td (a) Tj ET"
	return minimalPDF(pdfCatalog,
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /ToUnicode 6 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
}

// minimalPDF writes objects 1, 2... with a cross-reference table; object 1
// is the catalog.
func minimalPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offsets []int
	for i, o := range objs {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// TestLayoutLines checks how glyphs become lines and paragraphs, on glyph
// lists shaped like what the PDF library reports.
func TestLayoutLines(t *testing.T) {
	// glyphs sets each rune of s as a glyph of the given width at x, y.
	glyphs := func(s string, x, y, size, w float64) []pdf.Text {
		var out []pdf.Text
		for _, r := range s {
			out = append(out, pdf.Text{FontSize: size, X: x, Y: y, W: w, S: string(r)})
			x += w
		}
		return out
	}
	cat := func(parts ...[]pdf.Text) []pdf.Text {
		var out []pdf.Text
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		texts []pdf.Text
		want  string
	}{
		{
			name:  "words placed apart get a space, kerned letters do not",
			texts: cat(glyphs("Free", 72, 700, 10, 5), glyphs("returns", 72+20+3, 700, 10, 5), glyphs("x", 72+20+3+35+0.5, 700, 10, 5)),
			want:  "Free returnsx",
		},
		{
			name: "one-and-a-half spacing stays one paragraph; a wider gap starts another",
			texts: cat(glyphs("line one", 72, 700, 10, 5), glyphs("line two", 72, 685, 10, 5),
				glyphs("line three", 72, 670, 10, 5), glyphs("next paragraph", 72, 640, 10, 5)),
			want: "line one line two line three\n\nnext paragraph",
		},
		{
			name:  "wrapped chinese joins without a space",
			texts: cat(glyphs("第一行文字", 72, 700, 10, 10), glyphs("第二行。", 72, 686, 10, 10)),
			want:  "第一行文字第二行。",
		},
		{
			name:  "numbered list and a hyphenated wrap",
			texts: cat(glyphs("1. Sign in", 72, 700, 10, 5), glyphs("2. Open the well-", 72, 686, 10, 5), glyphs("known page", 72, 672, 10, 5)),
			want:  "1. Sign in\n2. Open the well-known page",
		},
		{
			name:  "unmapped glyphs and control codes are dropped",
			texts: cat(glyphs("ok\ufffd\x01 fine", 72, 700, 10, 5)),
			want:  "ok fine",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := layoutLines(tt.texts)
			markPDFParagraphs(lines)
			markPDFHeadings(lines)
			if got := pdfMarkdown(lines); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// objStmPDF lays out a one-page PDF the way modern writers do: the page
// tree, page and font inside an object stream (object 6), indexed by a
// Flate-compressed cross-reference stream with the PNG Up predictor
// (object 7). edit may change the entries (kind, field 2, field 3 per
// object number) and xrefExtra and stmExtra add dictionary entries to the
// cross-reference and object streams, to make the file hostile.
func objStmPDF(t *testing.T, text string, edit func(e [][3]int64), xrefExtra, stmExtra string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	e := make([][3]int64, 8)
	e[0] = [3]int64{0, 0, 65535}
	plain := func(n int, body string) {
		e[n] = [3]int64{1, int64(b.Len()), 0}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	plain(1, pdfCatalog)
	content := "BT /F1 12 Tf 72 700 Td (" + text + ") Tj ET"
	plain(4, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	members := []struct {
		n    int
		body string
	}{
		{2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{3, "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"},
		{5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
	}
	var head, objs strings.Builder
	for i, m := range members {
		fmt.Fprintf(&head, "%d %d ", m.n, objs.Len())
		objs.WriteString(m.body + "\n")
		e[m.n] = [3]int64{2, 6, int64(i)}
	}
	stm := head.String() + objs.String()
	plain(6, fmt.Sprintf("<< /Type /ObjStm /N %d /First %d /Length %d%s >>\nstream\n%s\nendstream", len(members), head.Len(), len(stm), stmExtra, stm))
	xref := b.Len()
	e[7] = [3]int64{1, int64(xref), 0}
	if edit != nil {
		edit(e)
	}
	// Rows of type (1 byte), field 2 (4 bytes), field 3 (2 bytes), each
	// after a PNG "Up" filter byte holding the difference to the row above.
	var rows, prev []byte
	prev = make([]byte, 7)
	for _, x := range e {
		row := []byte{byte(x[0]), byte(x[1] >> 24), byte(x[1] >> 16), byte(x[1] >> 8), byte(x[1]), byte(x[2] >> 8), byte(x[2])}
		rows = append(rows, 2)
		for i := range row {
			rows = append(rows, row[i]-prev[i])
		}
		prev = row
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(rows)
	zw.Close()
	fmt.Fprintf(&b, "7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> /Length %d%s >>\nstream\n", z.Len(), xrefExtra)
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// TestParsePDFStructure checks files whose cross-reference data would make
// the PDF library loop forever, recurse until the process dies or allocate
// gigabytes: each must be refused quickly, and a well-formed file of the
// same shape must still be read.
func TestParsePDFStructure(t *testing.T) {
	// A classic table whose Prev points back at itself.
	var loop bytes.Buffer
	loop.WriteString("%PDF-1.4\n")
	o1 := loop.Len()
	loop.WriteString("1 0 obj\n" + pdfCatalog + "\nendobj\n")
	o2 := loop.Len()
	loop.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	x := loop.Len()
	fmt.Fprintf(&loop, "xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", o1, o2, x, x)

	good := objStmPDF(t, "Stored in an object stream.", nil, "", "")
	tests := []struct {
		name    string
		data    []byte
		wantErr string // empty: must parse
	}{
		{"object streams and xref stream", good, ""},
		{"classic Prev loop", loop.Bytes(), "cross-reference sections loop"},
		{"xref stream Prev loop", objStmPDF(t, "x", nil, fmt.Sprintf(" /Prev %d", bytes.LastIndex(objStmPDF(t, "x", nil, "", ""), []byte("7 0 obj"))), ""), "cross-reference sections loop"},
		{"object stream inside itself", objStmPDF(t, "x", func(e [][3]int64) { e[6] = [3]int64{2, 6, 0} }, "", ""), "object stream inside an object stream"},
		{"object streams inside each other", objStmPDF(t, "x", func(e [][3]int64) { e[6] = [3]int64{2, 5, 0}; e[5] = [3]int64{2, 6, 0} }, "", ""), "object stream inside an object stream"},
		// The catalog is said to be in the object stream but is not, so the
		// library follows Extends to look further, round and round.
		{"Extends loop", objStmPDF(t, "x", func(e [][3]int64) { e[1] = [3]int64{2, 6, 0} }, "", " /Extends 6 0 R"), "Extends chain loops"},
		{"huge object numbers", objStmPDF(t, "x", nil, " /Index [2000000000 8]", ""), "too many objects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts, err := Parse("doc.pdf", tt.data, "")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse error = %v", err)
				}
				if want := "Stored in an object stream."; arts[0].Title != want {
					t.Errorf("title = %q, want %q", arts[0].Title, want)
				}
				return
			}
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse error = %v, want kb.ErrInvalid mentioning %q", err, tt.wantErr)
			}
		})
	}
}
