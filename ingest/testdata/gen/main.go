//go:build ignore

// Command gen writes the binary fixtures of ingest's tests: PDFs, Word and
// Excel files and ZIP archives. They are made here, not downloaded, so that
// their content is known and free to ship. Run it from the ingest directory
// after changing it, and commit what it writes:
//
//	GOWORK=off go run testdata/gen/main.go
//
// The PDF and DOCX writers below are the least that a viewer opens; the
// XLSX files are written with excelize, from the rows of the CSV fixtures,
// so that the tests can check that both formats give the same articles.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"crypto/md5"
	"crypto/rc4"
	"encoding/csv"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var dir = flag.String("dir", "testdata", "directory to write the fixtures to")

// modTime is the time stamp of every archive member, so that running gen
// twice writes the same bytes.
var modTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func main() {
	flag.Parse()
	returnsPDF := englishPDF()
	guide := guideDOCX()
	files := map[string][]byte{
		"returns.pdf":    returnsPDF,
		"refund-zh.pdf":  chinesePDF(),
		"encrypted.pdf":  encryptedPDF("secret", "owner", "This text is behind a password."),
		"owner-only.pdf": encryptedPDF("", "owner", "Printing rules", "Anyone may read this file but not edit it."),
		"scanned.pdf":    scannedPDF(),
		"truncated.pdf":  returnsPDF[:len(returnsPDF)/2],
		"guide.docx":     guide,
		"guide-zh.docx":  guideZhDOCX(),
		"faq.xlsx":       faqXLSX("faq.csv"),
		"faq-zh.xlsx":    faqXLSX("faq-zh.csv"),
		"kb.zip":         kbZIP(guide, returnsPDF),
		"bomb.zip":       bombZIP(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-16s %7d bytes\n", name, len(data))
	}
}

// pdfWriter assembles a PDF from object bodies: object n is objs[n-1].
type pdfWriter struct {
	objs []string
	key  []byte // RC4 file key when encrypting streams
}

func (w *pdfWriter) add(body string) int {
	w.objs = append(w.objs, body)
	return len(w.objs)
}

// stream adds a stream object, deflated if compress is set and encrypted
// with the object's key when the file is encrypted.
func (w *pdfWriter) stream(data string, compress bool) int {
	dict := ""
	b := []byte(data)
	if compress {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		zw.Write(b)
		zw.Close()
		b, dict = z.Bytes(), " /Filter /FlateDecode"
	}
	n := len(w.objs) + 1
	if w.key != nil {
		b = rc4Crypt(objectKey(w.key, n), b)
	}
	return w.add(fmt.Sprintf("<< /Length %d%s >>\nstream\n%s\nendstream", len(b), dict, b))
}

// bytes lays out the file with its cross-reference table. trailer holds
// extra trailer entries.
func (w *pdfWriter) bytes(trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(w.objs))
	for i, o := range w.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(w.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", len(w.objs)+1, trailer, xref)
	return b.Bytes()
}

// pages adds the catalogue (object 1) and page tree for pages with the
// given content, all sharing one font resource dictionary. It must be
// called first.
func (w *pdfWriter) pages(fonts string, contents ...string) {
	w.add("<< /Type /Catalog /Pages 2 0 R >>")
	w.add("") // page tree, filled in below
	var kids []string
	for _, c := range contents {
		content := w.stream(c, false)
		page := w.add(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << %s >> >> /Contents %d 0 R >>", fonts, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	w.objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
}

const helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// englishPDF is a two-page policy with Title metadata, a heading set
// larger than the text, a bulleted list and a line shown in two pieces.
func englishPDF() []byte {
	var w pdfWriter
	page1 := `BT /F1 20 Tf 72 740 Td (Returns policy) Tj ET
BT /F1 11 Tf 14 TL 72 700 Td (You can return most items within 30 days of delivery if they are) Tj T* (unused and in their original packaging.) Tj ET
BT /F1 11 Tf 14 TL 72 664 Td (Items we cannot take back:) Tj T* (\225 Opened software) Tj T* (\225 Gift cards) Tj ET
BT /F1 15 Tf 72 610 Td (Refund timing) Tj ET
BT /F1 11 Tf 72 584 Td [(Refunds reach) -300 (your card)] TJ 110 0 Td (within 5 to 10 business days.) Tj ET
BT /F1 11 Tf 72 560 Td (Refunds for gift purchases go to the person who paid.) Tj ET`
	page2 := `BT /F1 11 Tf 72 740 Td (Questions? Write to support@example.com.) Tj ET
BT /F1 9 Tf 300 40 Td (2) Tj ET`
	w.pages("/F1 7 0 R", page1, page2) // objects 1 to 6
	w.add(helvetica)
	info := w.add("<< /Title (Returns policy) /Producer (baton testdata gen) >>")
	return w.bytes(fmt.Sprintf(" /Info %d 0 R", info))
}

// chinesePDF sets Chinese text in Adobe's STSong-Light, a font every PDF
// viewer provides for Simplified Chinese, addressed by Unicode through the
// UniGB-UCS2-H encoding, as Chinese word processors commonly write it. It
// has no Title metadata, so its first line is the title.
func chinesePDF() []byte {
	var w pdfWriter
	s := func(text string) string { // a UCS-2 hex string
		var b strings.Builder
		b.WriteString("<")
		for _, u := range utf16.Encode([]rune(text)) {
			fmt.Fprintf(&b, "%04X", u)
		}
		b.WriteString(">")
		return b.String()
	}
	page := fmt.Sprintf(`BT /F1 18 Tf 72 740 Td %s Tj ET
BT /F1 11 Tf 16 TL 72 700 Td %s Tj T* %s Tj ET
BT /F1 14 Tf 72 650 Td %s Tj ET
BT /F1 11 Tf 72 624 Td %s Tj ET`,
		s("退款政策"), s("商品签收后七天内可以申请无理由退货，"), s("退货商品需要保持完好。"), s("退款时间"), s("退款会在三到五个工作日内原路退回。"))
	w.pages("/F1 5 0 R", page)
	w.add("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>")
	w.add("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>")
	w.add("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
	return w.bytes("")
}

// scannedPDF has a page with a filled box and no text, as a scan without
// OCR has an image and no text.
func scannedPDF() []byte {
	var w pdfWriter
	w.pages("", "q 0.5 g 72 400 468 300 re f Q")
	return w.bytes("")
}

// passwordPad is the padding of PDF's standard security handler.
var passwordPad = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

func padPassword(pw string) []byte {
	return append([]byte(pw), passwordPad...)[:32]
}

// encryptedPDF encrypts a one-page PDF with 128-bit RC4, revision 3 of
// the standard security handler (PDF 32000-1 §7.6.3). With an empty user
// password anyone may open it, as with files that only restrict editing.
// (40-bit RC4 would be simpler, but the PDF library derives its object keys
// wrongly for it.)
func encryptedPDF(user, owner string, lines ...string) []byte {
	id := []byte("baton-testdata-1")
	perms := int32(-44) // print and copy allowed
	p := uint32(perms)  // as two's complement

	ownerKey := md5.Sum(padPassword(owner))
	for range 50 {
		ownerKey = md5.Sum(ownerKey[:])
	}
	o := rc4Crypt(ownerKey[:], padPassword(user))
	for i := 1; i <= 19; i++ {
		o = rc4Crypt(xorKey(ownerKey[:], i), o)
	}

	h := md5.New()
	h.Write(padPassword(user))
	h.Write(o)
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id)
	key := h.Sum(nil)
	for range 50 {
		sum := md5.Sum(key)
		key = sum[:]
	}

	uh := md5.Sum(append(append([]byte(nil), passwordPad...), id...))
	u := rc4Crypt(key, uh[:])
	for i := 1; i <= 19; i++ {
		u = rc4Crypt(xorKey(key, i), u)
	}
	u = append(u, passwordPad[:16]...) // arbitrary padding to 32 bytes

	w := pdfWriter{key: key}
	content := "BT /F1 12 Tf 30 TL 72 740 Td"
	for _, l := range lines {
		content += " (" + l + ") Tj T*"
	}
	w.pages("/F1 5 0 R", content+" ET")
	w.add(helvetica)
	enc := w.add(fmt.Sprintf("<< /Filter /Standard /V 2 /R 3 /Length 128 /O <%s> /U <%s> /P %d >>", hex.EncodeToString(o), hex.EncodeToString(u), perms))
	return w.bytes(fmt.Sprintf(" /Encrypt %d 0 R /ID [<%s> <%s>]", enc, hex.EncodeToString(id), hex.EncodeToString(id)))
}

func xorKey(key []byte, i int) []byte {
	out := make([]byte, len(key))
	for j := range key {
		out[j] = key[j] ^ byte(i)
	}
	return out
}

// objectKey is the RC4 key for the strings and streams of object n.
func objectKey(key []byte, n int) []byte {
	h := md5.New()
	h.Write(key)
	h.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), 0, 0})
	return h.Sum(nil)[:min(len(key)+5, 16)]
}

func rc4Crypt(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		log.Fatal(err)
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// zipPart is one member of a generated archive.
type zipPart struct{ name, body string }

// writeZip archives parts in order with fixed time stamps.
func writeZip(parts []zipPart) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modTime})
		if err != nil {
			log.Fatal(err)
		}
		fw.Write([]byte(p.body))
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

// docx packages a document body with styles and a bullet numbering
// definition, as Word writes them.
func docx(body, styles string) []byte {
	return writeZip([]zipPart{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + wordNS + `><w:body>` + body + `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + wordNS + `>` + styles + `</w:styles>`},
		{"word/numbering.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering ` + wordNS + `><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl><w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/><w:lvlText w:val="◦"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`},
	})
}

// style is a paragraph style definition; outline is the heading level
// less one, or -1.
func style(id, name string, outline int) string {
	s := `<w:style w:type="paragraph" w:styleId="` + id + `"><w:name w:val="` + name + `"/><w:basedOn w:val="Normal"/>`
	if outline >= 0 {
		s += fmt.Sprintf(`<w:pPr><w:outlineLvl w:val="%d"/></w:pPr>`, outline)
	}
	return s + `</w:style>`
}

func para(styleID, text string) string {
	p := "<w:p>"
	if styleID != "" {
		p += `<w:pPr><w:pStyle w:val="` + styleID + `"/></w:pPr>`
	}
	return p + `<w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

func item(level int, text string) string {
	return fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="%d"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>%s</w:t></w:r></w:p>`, level, text)
}

func table(rows ...[]string) string {
	t := `<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>`
	for _, r := range rows {
		t += "<w:tr>"
		for _, c := range r {
			t += `<w:tc><w:p><w:r><w:t>` + c + `</w:t></w:r></w:p></w:tc>`
		}
		t += "</w:tr>"
	}
	return t + "</w:tbl>"
}

// guideDOCX uses Word's English style IDs and holds what a reader must
// not see: a tracked deletion and a field code.
func guideDOCX() []byte {
	styles := `<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>` +
		style("Title", "Title", -1) + style("Heading1", "heading 1", 0) + style("Heading2", "heading 2", 1) +
		style("ListParagraph", "List Paragraph", -1)
	body := para("Title", "Warranty guide") +
		`<w:p><w:r><w:t xml:space="preserve">Every device has a </w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>one-year</w:delText></w:r></w:del><w:r><w:t xml:space="preserve">two-year warranty.</w:t><w:tab/><w:t>Keep your receipt.</w:t></w:r></w:p>` +
		para("Heading1", "What is covered") +
		item(0, "Battery faults") + item(0, "Screen defects") + item(1, "Dead pixels") +
		`<w:p><w:r><w:t xml:space="preserve">See </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> HYPERLINK "https://example.com/terms" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>our terms</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> for details.</w:t><w:br/><w:t>Call us on weekdays.</w:t></w:r></w:p>` +
		para("Heading2", "Repair prices") +
		table([]string{"Part", "Price", "Time"},
			[]string{"Screen", "$120", "3 days"},
			[]string{"Battery", "$60", "1 day"},
			[]string{"Keyboard", "$80", "2 days"},
			[]string{"Charging port", "$45", "1 day"},
			[]string{"Camera", "$90", "2 days"},
			[]string{"Speaker | mic", "$40", "1 day"}) +
		para("", "Prices include labour.")
	return docx(body, styles)
}

// guideZhDOCX uses the localised style IDs Chinese Word gives headings
// ("1", "2"), with the English names, and has no Title paragraph.
func guideZhDOCX() []byte {
	styles := `<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>` +
		style("1", "heading 1", 0) + style("2", "heading 2", 1) + style("a3", "List Paragraph", -1)
	body := para("1", "退货指南") +
		para("", "收到商品七天内可以申请退货。") +
		para("2", "退货步骤") +
		`<w:p><w:pPr><w:pStyle w:val="a3"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>在订单页点击申请退货</w:t></w:r></w:p>` +
		`<w:p><w:pPr><w:pStyle w:val="a3"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>把商品寄回仓库</w:t></w:r></w:p>` +
		para("2", "运费") +
		table([]string{"情况", "运费"}, []string{"质量问题", "我们承担"}, []string{"无理由退货", "买家承担"})
	return docx(body, styles)
}

// faqXLSX writes the records of a CSV fixture to the first sheet of a
// workbook, blank rows included.
func faqXLSX(csvName string) []byte {
	data, err := os.ReadFile(filepath.Join(*dir, csvName))
	if err != nil {
		log.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	f := excelize.NewFile()
	defer f.Close()
	for i, rec := range records {
		for j, v := range rec {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr("Sheet1", cell, v); err != nil {
				log.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// kbZIP is a knowledge base as a user zips it: files in folders, with what
// macOS and Windows add, an image, an archive inside the archive and a
// file whose name Windows wrote in GBK.
func kbZIP(guide, returnsPDF []byte) []byte {
	md, err := os.ReadFile(filepath.Join(*dir, "returns.md"))
	if err != nil {
		log.Fatal(err)
	}
	faq, err := os.ReadFile(filepath.Join(*dir, "faq.csv"))
	if err != nil {
		log.Fatal(err)
	}
	gbkName, err := simplifiedchinese.GBK.NewEncoder().String("运费/退货.txt")
	if err != nil {
		log.Fatal(err)
	}
	nested := writeZip([]zipPart{{"inner.md", "# Inner\n\nNot expanded."}})
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range []struct {
		name    string
		data    []byte
		nonUTF8 bool
	}{
		{"kb/", nil, false},
		{"kb/faq/", nil, false},
		{"kb/faq/returns.md", md, false},
		{"kb/faq/faq.csv", faq, false},
		{"kb/guides/guide.docx", guide, false},
		{"kb/guides/returns.pdf", returnsPDF, false},
		{"kb/logo.png", []byte("\x89PNG\r\n\x1a\n"), false},
		{"kb/old.zip", nested, false},
		{"kb/.DS_Store", []byte("junk"), false},
		{"__MACOSX/kb/faq/._returns.md", []byte("junk"), false},
		{gbkName, []byte("退货运费由买家承担。\n"), true},
	} {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate, Modified: modTime, NonUTF8: m.nonUTF8}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			log.Fatal(err)
		}
		fw.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// bombZIP holds one honest entry of 300 MB of zeros, which deflates to
// about 300 KB.
func bombZIP() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "zeros.txt", Method: zip.Deflate, Modified: modTime})
	if err != nil {
		log.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for range 300 {
		fw.Write(zero)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}
