package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

const testWordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

// buildDOCX packages a document body, and styles unless styles is empty,
// as the parts parseDOCX reads.
func buildDOCX(t *testing.T, body, styles string) []byte {
	t.Helper()
	parts := map[string]string{
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document ` + testWordNS + `><w:body>` + body + `</w:body></w:document>`,
	}
	if styles != "" {
		parts["word/styles.xml"] = `<?xml version="1.0" encoding="UTF-8"?><w:styles ` + testWordNS + `>` + styles + `</w:styles>`
	}
	return buildZip(t, parts)
}

// buildZip archives name -> content, deflated.
func buildZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseDOCX(t *testing.T) {
	p := func(style, text string) string {
		return `<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
	}
	tests := []parseCase{
		{
			// Title style, a tracked deletion and a field code left out, a
			// tab and a line break kept, nested list, table with header
			// and an escaped "|".
			name: "english with title style, list and table",
			file: "guide.docx",
			want: []wantArticle{{
				ID: "shop/guide", Collection: "shop", Title: "Warranty guide",
				Body: "Every device has a two-year warranty. Keep your receipt.\n\n" +
					"# What is covered\n\n- Battery faults\n- Screen defects\n  - Dead pixels\n\n" +
					"See our terms for details.\nCall us on weekdays.\n\n## Repair prices\n\n" +
					"| Part | Price | Time |\n| --- | --- | --- |\n| Screen | $120 | 3 days |\n| Battery | $60 | 1 day |\n" +
					"| Keyboard | $80 | 2 days |\n| Charging port | $45 | 1 day |\n| Camera | $90 | 2 days |\n| Speaker \\| mic | $40 | 1 day |\n\n" +
					"Prices include labour.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			// Localised style IDs ("1", "2") found by their names; the first
			// heading is the title.
			name: "chinese with localised heading styles",
			file: "guide-zh.docx",
			want: []wantArticle{{
				ID: "shop/guide-zh", Collection: "shop", Title: "退货指南",
				Body: "收到商品七天内可以申请退货。\n\n## 退货步骤\n\n- 在订单页点击申请退货\n- 把商品寄回仓库\n\n" +
					"## 运费\n\n| 情况 | 运费 |\n| --- | --- |\n| 质量问题 | 我们承担 |\n| 无理由退货 | 买家承担 |",
				Questions: []string{}, Tags: []string{}, Lang: "zh",
			}},
		},
		{
			// Without styles.xml Word's built-in IDs still mark headings;
			// a first heading below level 1 titles the article but stays.
			name: "no styles part, second-level first heading",
			file: "Notes.docx",
			data: buildDOCX(t, p("Heading2", "Opening hours")+p("", "Nine to five.")+p("Heading3", "Holidays")+p("", "Closed."), ""),
			want: []wantArticle{{
				ID: "shop/notes", Collection: "shop", Title: "Opening hours",
				Body:      "## Opening hours\n\nNine to five.\n\n### Holidays\n\nClosed.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			// A custom style based on a heading is a heading; a text box's
			// paragraph is text; the fallback copy of a drawing is not.
			name: "style inheritance, text box, fallback skipped",
			file: "box.docx",
			data: buildDOCX(t,
				p("MyHeading", "Delivery")+
					`<w:p><w:r><w:t>Before box. </w:t></w:r><w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>Boxed note.</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Boxed note.</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>After box.</w:t></w:r></w:p>`,
				`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>`+
					`<w:style w:type="paragraph" w:styleId="MyHeading"><w:name w:val="My Heading"/><w:basedOn w:val="Heading1"/></w:style>`),
			want: []wantArticle{{
				ID: "shop/box", Collection: "shop", Title: "Delivery",
				Body:      "Boxed note.\n\nBefore box. After box.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name: "no title or heading: titled by file name",
			file: "Plain Text.docx",
			data: buildDOCX(t, p("", "Only a paragraph."), ""),
			want: []wantArticle{{
				ID: "shop/plain-text", Collection: "shop", Title: "Plain Text",
				Body: "Only a paragraph.", Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
	}
	runParseCases(t, tests)
}

func TestParseDOCXRejects(t *testing.T) {
	// A document.xml one byte over the limit, of spaces, deflates to a few
	// kilobytes: a small compression bomb.
	bomb := buildZip(t, map[string]string{"word/document.xml": strings.Repeat(" ", maxDOCXPart+1)})
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"document.xml over the limit", bomb, "word/document.xml uncompresses to more than 20 MB"},
		{"zip without document.xml", buildZip(t, map[string]string{"notes.txt": "hi"}), "not a DOCX (Word) file (it looks like a ZIP archive)"},
		{"malformed xml", buildZip(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}), "word/document.xml: XML syntax error"},
		{"no text at all", buildDOCX(t, "<w:p/><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>", ""), "no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("doc.docx", tt.data, "")
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse error = %v, want kb.ErrInvalid mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// TestSplitDOCXTable checks that a Word table cut into passages keeps its
// header row in every piece, so that "$60" still reads as a price.
func TestSplitDOCXTable(t *testing.T) {
	arts, err := Parse("guide.docx", readTestdata(t, "guide.docx"), "shop")
	if err != nil {
		t.Fatal(err)
	}
	const header = "| Part | Price | Time |\n| --- | --- | --- |\n"
	var pieces []kb.Chunk
	rows := 0
	for _, c := range Split(arts[0], 20) {
		if !strings.Contains(c.Text, "| --- |") {
			continue
		}
		pieces = append(pieces, c)
		if !strings.HasPrefix(c.Text, header) {
			t.Errorf("table passage does not start with the header row:\n%s", c.Text)
		}
		if c.Heading != "What is covered > Repair prices" {
			t.Errorf("table passage heading = %q, want %q", c.Heading, "What is covered > Repair prices")
		}
		for _, l := range strings.Split(c.Text, "\n") {
			if strings.HasPrefix(l, "|") {
				rows++
			}
		}
		rows -= 2 // the header and its separator
	}
	if len(pieces) < 2 {
		t.Fatalf("table split into %d passages at 20 tokens, want at least 2", len(pieces))
	}
	if rows != 6 {
		t.Errorf("table passages hold %d body rows, want all 6", rows)
	}
}
