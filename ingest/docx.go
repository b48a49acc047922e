package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/batonhq/baton/kb"
)

// maxDOCXPart bounds the uncompressed size of the XML parts read from a
// .docx. A 20 MB document.xml is thousands of pages; anything larger is
// more likely a compression bomb than a help article.
const maxDOCXPart = 20 << 20

// parseDOCX makes one article of a Word document, rewriting its structure
// as Markdown so that Split treats it like a Markdown file: heading styles
// become "#" headings, list paragraphs "- " items and tables Markdown tables
// with their first row as the header. The title is the paragraph in the
// Title style, else the first heading, else the file name.
//
// The document is read with archive/zip and encoding/xml. Of the Go
// libraries for Word files, fumiama/go-docx is AGPL, unioffice commercial,
// nguyenthenguyen/docx only replaces text, and gomutex/godocx is a 0.1
// release that reads parts without size limits; the part of the format
// needed here (paragraphs, their styles, tables) is small.
func parseDOCX(f file, data []byte) ([]*kb.Article, error) {
	zr, err := openOffice(data, "a DOCX (Word)")
	if err != nil {
		return nil, err
	}
	docFile := findZipFile(zr, "word/document.xml")
	if docFile == nil {
		return nil, invalidf("not a DOCX (Word) file (it looks like %s)", zipKind(zr))
	}
	doc, err := readZipFile(docFile, "word/document.xml", maxDOCXPart)
	if err != nil {
		return nil, err
	}
	styles := docxStyles{}
	if sf := findZipFile(zr, "word/styles.xml"); sf != nil {
		b, err := readZipFile(sf, "word/styles.xml", maxDOCXPart)
		if err != nil {
			return nil, err
		}
		if styles, err = readDOCXStyles(b); err != nil {
			return nil, invalidf("word/styles.xml: %v", err)
		}
	}
	blocks, err := readDOCXBody(doc, styles)
	if err != nil {
		return nil, invalidf("word/document.xml: %v", err)
	}

	title := ""
	for i, b := range blocks {
		if b.title {
			title = b.text
			blocks = append(blocks[:i:i], blocks[i+1:]...)
			break
		}
	}
	if title == "" {
		for i, b := range blocks {
			if b.level == 0 {
				continue
			}
			title = b.text
			if b.level == 1 {
				// Like a Markdown file's "#" heading: it is the title, and
				// keeping it would repeat the title in the first passage.
				blocks = append(blocks[:i:i], blocks[i+1:]...)
			}
			break
		}
	}
	if title == "" {
		title = f.stem
	}
	body := docxMarkdown(blocks)
	if body == "" && title == f.stem {
		return nil, invalidf("no text")
	}
	return []*kb.Article{
		article(f, docID(f), f.collection, title, body, nil, nil, "", false),
	}, nil
}

// docxStyle is what a paragraph style says about structure.
type docxStyle struct {
	name    string // lower-cased, as "heading 1"
	basedOn string
	outline int // heading level from w:outlineLvl, 1-based; 0 if none
	list    bool
}

// docxStyles maps a style ID to its style.
type docxStyles map[string]docxStyle

// readDOCXStyles reads the paragraph styles of word/styles.xml. Heading
// styles are found by name and outline level rather than ID, because Word
// gives them localised IDs ("1", "2" in a Chinese document) but always the
// English names "heading 1" and "Title".
func readDOCXStyles(data []byte) (docxStyles, error) {
	styles := docxStyles{}
	d := xml.NewDecoder(bytes.NewReader(data))
	var (
		id  string
		cur docxStyle
		in  bool
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return styles, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "style":
				in = attr(t, "type") == "paragraph"
				id, cur = attr(t, "styleId"), docxStyle{}
			case "name":
				if in {
					cur.name = strings.ToLower(attr(t, "val"))
				}
			case "basedOn":
				if in {
					cur.basedOn = attr(t, "val")
				}
			case "outlineLvl":
				if n, err := strconv.Atoi(attr(t, "val")); in && err == nil && n < 9 {
					cur.outline = n + 1
				}
			case "numPr":
				cur.list = in
			}
		case xml.EndElement:
			if t.Name.Local == "style" && in {
				styles[id] = cur
				in = false
			}
		}
	}
}

// paragraph reports the heading level (0 for none) and list-ness a style
// gives a paragraph, following basedOn a few steps as Word does.
func (s docxStyles) paragraph(id string) (level int, title, list bool) {
	for range 10 {
		st, ok := s[id]
		if !ok {
			// No styles.xml, or a style it lacks: Word's built-in IDs.
			st = docxStyle{name: strings.ToLower(id)}
			if n, ok := strings.CutPrefix(st.name, "heading"); ok {
				st.name = "heading " + n
			}
		}
		if st.name == "title" {
			return 0, true, false
		}
		if n, ok := strings.CutPrefix(st.name, "heading "); ok {
			if l, err := strconv.Atoi(n); err == nil && l >= 1 && l <= 9 {
				return min(l, 6), false, list || st.list
			}
		}
		if st.outline > 0 {
			return min(st.outline, 6), false, list || st.list
		}
		list = list || st.list || strings.HasPrefix(st.name, "list ")
		if st.basedOn == "" || st.basedOn == id {
			break
		}
		id = st.basedOn
	}
	return 0, false, list
}

// docxBlock is a heading, paragraph, list item or table of the body.
type docxBlock struct {
	text  string // Markdown for tables, plain text otherwise
	level int    // heading level, 0 for other blocks
	title bool   // paragraph in the Title style
	item  int    // 1 + list nesting level for list items, else 0
	table bool
}

// docxPara is the paragraph being read.
type docxPara struct {
	text    strings.Builder
	style   string
	outline int // from the paragraph's own w:outlineLvl, 1-based
	list    bool
	ilvl    int
}

// readDOCXBody reads the blocks of word/document.xml in order. Paragraphs
// inside a table become the text of their cell; a table nested in a cell is
// flattened into that cell.
func readDOCXBody(data []byte, styles docxStyles) ([]docxBlock, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var (
		blocks []docxBlock
		paras  []*docxPara // open paragraphs; a text box nests one in another
		tables int         // depth of open tables
		rows   [][]string  // rows of the outermost open table
		skip   int         // depth inside elements whose text is not shown
		runs   int         // depth of open runs: w:tab and w:br outside one are layout, not text
		inText bool        // inside w:t
	)
	top := func() *docxPara {
		if len(paras) == 0 {
			return nil
		}
		return paras[len(paras)-1]
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return blocks, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			p := top()
			switch t.Name.Local {
			case "del", "moveFrom", "instrText", "delText", "Fallback":
				// Deleted text, field codes and the fallback copy of
				// drawings a reader never sees.
				skip = 1
			case "p":
				paras = append(paras, &docxPara{})
			case "r":
				runs++
			case "pStyle":
				if p != nil {
					p.style = attr(t, "val")
				}
			case "outlineLvl":
				if n, err := strconv.Atoi(attr(t, "val")); p != nil && err == nil && n < 9 {
					p.outline = n + 1
				}
			case "numPr":
				if p != nil {
					p.list = true
				}
			case "ilvl":
				if n, err := strconv.Atoi(attr(t, "val")); p != nil && err == nil && n >= 0 && n < 9 {
					p.ilvl = n
				}
			case "t":
				inText = true
			case "tab":
				if p != nil && runs > 0 {
					p.text.WriteByte(' ')
				}
			case "br", "cr":
				if p != nil && runs > 0 {
					p.text.WriteByte('\n')
				}
			case "noBreakHyphen":
				if p != nil && runs > 0 {
					p.text.WriteByte('-')
				}
			case "tbl":
				tables++
				if tables == 1 {
					rows = nil
				}
			case "tr":
				if tables == 1 {
					rows = append(rows, nil)
				}
			case "tc":
				if tables == 1 && len(rows) > 0 {
					rows[len(rows)-1] = append(rows[len(rows)-1], "")
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "r":
				runs = max(runs-1, 0)
			case "p":
				p := top()
				if p == nil {
					continue
				}
				paras = paras[:len(paras)-1]
				text := strings.TrimSpace(p.text.String())
				if text == "" {
					continue
				}
				if tables > 0 {
					if len(rows) > 0 && len(rows[len(rows)-1]) > 0 {
						row := rows[len(rows)-1]
						row[len(row)-1] = strings.TrimSpace(row[len(row)-1] + " " + collapseSpace(text))
					}
					continue
				}
				blocks = append(blocks, p.block(text, styles))
			case "tbl":
				tables--
				if tables == 0 {
					if md := renderTable(rows); md != "" {
						blocks = append(blocks, docxBlock{text: md, table: true})
					}
				}
			}
		case xml.CharData:
			if p := top(); p != nil && inText && skip == 0 {
				p.text.Write(t)
			}
		}
	}
}

// block turns a finished paragraph into a block.
func (p *docxPara) block(text string, styles docxStyles) docxBlock {
	level, title, list := styles.paragraph(p.style)
	if p.outline > 0 {
		level = min(p.outline, 6)
	}
	b := docxBlock{level: level, title: title}
	switch {
	case title || level > 0:
		b.text = collapseSpace(text)
	case p.list || list:
		b.item = p.ilvl + 1
		b.text = collapseSpace(text)
	default:
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			lines[i] = collapseSpace(l)
		}
		b.text = strings.Join(lines, "\n")
	}
	return b
}

// docxMarkdown joins blocks as Markdown: list items one per line, other
// blocks separated by a blank line.
func docxMarkdown(blocks []docxBlock) string {
	var b strings.Builder
	for i, bl := range blocks {
		if i > 0 {
			if bl.item > 0 && blocks[i-1].item > 0 {
				b.WriteString("\n")
			} else {
				b.WriteString("\n\n")
			}
		}
		switch {
		case bl.level > 0:
			b.WriteString(strings.Repeat("#", bl.level) + " " + bl.text)
		case bl.item > 0:
			b.WriteString(strings.Repeat("  ", bl.item-1) + "- " + bl.text)
		default:
			b.WriteString(bl.text)
		}
	}
	return strings.TrimSpace(b.String())
}

// renderTable writes rows as a Markdown table whose first row is the
// header, padding short rows, so that Split can repeat the header in every
// piece of a long table.
func renderTable(rows [][]string) string {
	var kept [][]string
	width := 0
	for _, r := range rows {
		if strings.TrimSpace(strings.Join(r, "")) == "" {
			continue
		}
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(collapseSpace(c), "|", `\|`)
		}
		kept = append(kept, cells)
		width = max(width, len(cells))
	}
	if len(kept) == 0 {
		return ""
	}
	line := func(cells []string) string {
		for len(cells) < width {
			cells = append(cells, "")
		}
		return "| " + strings.Join(cells, " | ") + " |"
	}
	out := []string{line(kept[0]), line(sliceOf(width, "---"))}
	for _, r := range kept[1:] {
		out = append(out, line(r))
	}
	return strings.Join(out, "\n")
}

// attr returns the value of the attribute with the given local name,
// whatever its namespace prefix.
func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
