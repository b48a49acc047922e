package ingest

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/batonhq/baton/kb"
)

// parseHTML makes one article of an HTML page: the title from <title> or the
// first <h1>, the body as the page's visible text rewritten as light
// Markdown, so that Split finds the same structure (headings, lists, tables)
// it finds in a Markdown file.
func parseHTML(f file, text string) ([]*kb.Article, error) {
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, invalidf("%v", err) // already says "html: ..."
	}
	title := ""
	if t := findElement(doc, atom.Title, false); t != nil {
		title = collapseSpace(inlineText(t))
	}
	body := findElement(doc, atom.Body, false)
	if body == nil {
		return nil, invalidf("no visible text")
	}
	w := htmlWriter{}
	if h1 := findElement(body, atom.H1, true); h1 != nil {
		h1Text := collapseSpace(inlineText(h1))
		if title == "" {
			title = h1Text
		}
		if h1Text == title {
			w.skip = h1 // already the title
		}
	}
	w.walk(body)
	w.flush()
	text = w.String()
	if text == "" {
		return nil, invalidf("no visible text")
	}
	if title == "" {
		title = f.stem
	}
	return []*kb.Article{
		article(f, docID(f), f.collection, title, text, nil, nil, "", false),
	}, nil
}

// htmlBlock is one paragraph, heading, list item or table of output.
type htmlBlock struct {
	text string
	item bool // list item: joined to a neighbouring item by one newline
	line bool // follows a <br>: joined to the previous block by one newline
}

// htmlWriter renders the visible text of an HTML tree as Markdown blocks.
type htmlWriter struct {
	blocks []htmlBlock
	inline strings.Builder // text of the block being built
	prefix string          // list marker for the block being built
	lists  []int           // open lists: 0 for <ul>, else the next <ol> number
	br     bool            // a <br> ended the previous block
	skip   *html.Node      // node already used as the title
}

func (w *htmlWriter) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.inline.WriteString(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		w.children(n)
		return
	default:
		return
	}
	if n == w.skip || hidden(n) {
		return
	}
	if level := headingLevel(n.DataAtom); level > 0 {
		w.flush()
		if t := collapseSpace(inlineText(n)); t != "" {
			w.add(htmlBlock{text: strings.Repeat("#", level) + " " + t})
		}
		return
	}
	switch n.DataAtom {
	case atom.Br:
		w.flush()
		w.br = true
	case atom.Table:
		w.flush()
		if t := markdownTable(n); t != "" {
			w.add(htmlBlock{text: t})
		}
	case atom.Ul, atom.Ol:
		w.flush()
		next := 0
		if n.DataAtom == atom.Ol {
			next = 1
		}
		w.lists = append(w.lists, next)
		w.children(n)
		w.flush()
		w.lists = w.lists[:len(w.lists)-1]
	case atom.Li:
		w.flush()
		w.prefix = w.listMarker()
		w.children(n)
		w.flush()
	default:
		if !isBlock(n.DataAtom) {
			w.children(n)
			return
		}
		w.flush()
		w.children(n)
		w.flush()
	}
}

func (w *htmlWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
}

// listMarker returns "- " or "3. " indented by list depth, and advances an
// ordered list's counter.
func (w *htmlWriter) listMarker() string {
	if len(w.lists) == 0 {
		return "- "
	}
	indent := strings.Repeat("  ", len(w.lists)-1)
	top := &w.lists[len(w.lists)-1]
	if *top == 0 {
		return indent + "- "
	}
	m := indent + strconv.Itoa(*top) + ". "
	*top++
	return m
}

// flush ends the block being built, if it has any text.
func (w *htmlWriter) flush() {
	t := collapseSpace(w.inline.String())
	w.inline.Reset()
	if t == "" {
		return
	}
	w.add(htmlBlock{text: w.prefix + t, item: w.prefix != "", line: w.br})
	w.prefix = ""
}

// add appends a finished block.
func (w *htmlWriter) add(b htmlBlock) {
	w.blocks = append(w.blocks, b)
	w.br = false
}

// String joins the blocks: list items and <br> lines by one newline, other
// blocks by a blank line, which Split reads as a paragraph break.
func (w *htmlWriter) String() string {
	var b strings.Builder
	for i, bl := range w.blocks {
		if i > 0 {
			if bl.line || bl.item && w.blocks[i-1].item {
				b.WriteString("\n")
			} else {
				b.WriteString("\n\n")
			}
		}
		b.WriteString(bl.text)
	}
	return b.String()
}

// markdownTable renders a table's rows as a Markdown table, the first row
// being the header, so that Split can keep it whole or repeat its header.
func markdownTable(table *html.Node) string {
	var rows [][]string
	width := 0
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || hidden(c) {
				continue
			}
			switch c.DataAtom {
			case atom.Tr:
				var cells []string
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
						cell := collapseSpace(inlineText(td))
						cells = append(cells, strings.ReplaceAll(cell, "|", `\|`))
					}
				}
				if strings.TrimSpace(strings.Join(cells, "")) != "" {
					rows = append(rows, cells)
					width = max(width, len(cells))
				}
			case atom.Table:
				// A nested table's text belongs to its cell.
			default:
				visit(c)
			}
		}
	}
	visit(table)
	if len(rows) == 0 {
		return ""
	}
	line := func(cells []string) string {
		for len(cells) < width {
			cells = append(cells, "")
		}
		return "| " + strings.Join(cells, " | ") + " |"
	}
	out := []string{line(rows[0]), line(sliceOf(width, "---"))}
	for _, r := range rows[1:] {
		out = append(out, line(r))
	}
	return strings.Join(out, "\n")
}

func sliceOf(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// inlineText is the visible text under n, with a space wherever a block
// boundary would have separated words.
func inlineText(n *html.Node) string {
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.Type != html.ElementNode || hidden(c):
			case isBlock(c.DataAtom) || c.DataAtom == atom.Br:
				b.WriteString(" ")
				visit(c)
				b.WriteString(" ")
			default:
				visit(c)
			}
		}
	}
	visit(n)
	return b.String()
}

// findElement returns the first element of type a under n, depth first,
// looking only at what a reader sees if visible is set.
func findElement(n *html.Node, a atom.Atom, visible bool) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || visible && hidden(c) {
			continue
		}
		if c.DataAtom == a {
			return c
		}
		if found := findElement(c, a, visible); found != nil {
			return found
		}
	}
	return nil
}

// hidden reports elements whose text a customer never reads on the page:
// code, styling, site navigation and footers, and anything marked hidden.
func hidden(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Nav,
		atom.Footer, atom.Iframe, atom.Svg, atom.Head, atom.Object, atom.Canvas:
		return true
	}
	for _, a := range n.Attr {
		if a.Key == "hidden" || a.Key == "aria-hidden" && a.Val == "true" {
			return true
		}
	}
	return false
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// isBlock reports elements that start a new line in a browser.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Header,
		atom.Aside, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol, atom.Li,
		atom.Dl, atom.Dt, atom.Dd, atom.Figure, atom.Figcaption, atom.Form,
		atom.Fieldset, atom.Address, atom.Details, atom.Summary, atom.Hr,
		atom.Table, atom.Tr, atom.Td, atom.Th, atom.Caption, atom.Center,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}
