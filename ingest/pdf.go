package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"github.com/batonhq/baton/kb"
)

// Limits on what one PDF may make the parser do. The PDF library follows
// object references and decompresses streams without limits of its own, so
// a small hostile file could otherwise loop forever or fill memory.
const (
	maxPDFPages     = 5000     // pages read from one file
	maxPDFTreeNodes = 20000    // page-tree nodes visited, pages included
	maxPDFTreeDepth = 64       // page-tree nesting; real files use a handful
	maxPDFContent   = 64 << 20 // decompressed page content, all pages together
	maxPDFCMap      = 4 << 20  // decompressed ToUnicode map of one font
)

// pdfHeadingFactor is how much larger than body text a line must be set to
// count as a heading: enough to skip bold or slightly larger callouts.
const pdfHeadingFactor = 1.15

// parsePDF makes one article of a PDF's text. The title is the document's
// Title metadata, else its first line when that line is short and stands
// alone, else the file name. Text is laid out again from glyph positions:
// lines far apart start a new paragraph, a page break always does, and lines
// set larger than the body text become Markdown headings, so that Split
// finds sections in a PDF as it does in a Markdown file.
func parsePDF(f file, data []byte) ([]*kb.Article, error) {
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return nil, invalidf("not a PDF file%s", looksLike(data))
	}
	if err := checkPDFStructure(data); err != nil {
		return nil, invalidf("not a readable PDF: %v", err)
	}
	r, err := pdf.NewReader(bytes.NewReader(pdfVersion17(data)), int64(len(data)))
	if err != nil {
		// The library reports a user password, and encryption it cannot
		// undo, in several ways; the /Encrypt key is what they share.
		if errors.Is(err, pdf.ErrInvalidPassword) || bytes.Contains(data, []byte("/Encrypt")) {
			return nil, invalidf("encrypted PDF: remove the password and upload again")
		}
		return nil, invalidf("not a readable PDF: %v", err)
	}
	pages, err := pdfPages(r)
	if err != nil {
		return nil, err
	}
	var lines []pdfLine
	budget := int64(maxPDFContent)
	for i, p := range pages {
		pl, err := pageLines(p, &budget)
		if err != nil {
			return nil, invalidf("not a readable PDF: page %d: %v", i+1, err)
		}
		if len(pl) > 0 {
			pl[0].pageBreak = true
			lines = append(lines, pl...)
		}
	}
	if len(lines) == 0 {
		return nil, invalidf("no text: scanned PDF? Upload a PDF with selectable text")
	}

	markPDFParagraphs(lines)
	markPDFHeadings(lines)
	title := pdfTitle(r.Trailer().Key("Info").Key("Title").Text())
	first := lines[0]
	firstAlone := len(lines) == 1 || lines[1].breakBefore() || first.level > 0
	switch {
	case title != "" && collapseSpace(first.text) == title:
		lines = lines[1:] // the title is already shown as the first line
	case title == "" && firstAlone && utf8.RuneCountInString(first.text) <= maxTextTitle:
		title = collapseSpace(first.text)
		lines = lines[1:]
	}
	if title == "" {
		title = f.stem
	}
	body := pdfMarkdown(lines)
	return []*kb.Article{
		article(f, docID(f), f.collection, title, body, nil, nil, "", false),
	}, nil
}

// pdfVersion17 relabels a PDF 2.0 file as 1.7. The library refuses any
// header but 1.x although what it reads did not change in 2.0.
func pdfVersion17(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte("%PDF-2.")) {
		return data
	}
	out := bytes.Clone(data)
	copy(out, "%PDF-1.7")
	return out
}

// pdfTitle cleans a Title metadata value, dropping the ones word processors
// fill in by themselves, which name the file rather than the document.
func pdfTitle(s string) string {
	s = collapseSpace(strings.ToValidUTF8(s, ""))
	lower := strings.ToLower(s)
	if lower == "untitled" || strings.HasPrefix(lower, "microsoft word - ") {
		return ""
	}
	return s
}

// pdfPages lists the pages in reading order. It walks the page tree itself,
// within limits, because the library's own walk loops forever on a tree
// that contains itself.
func pdfPages(r *pdf.Reader) ([]pdf.Page, error) {
	var (
		pages  []pdf.Page
		visits int
	)
	var walk func(v pdf.Value, depth int) error
	walk = func(v pdf.Value, depth int) error {
		visits++
		if visits > maxPDFTreeNodes || depth > maxPDFTreeDepth {
			return invalidf("not a readable PDF: page tree too large or looping")
		}
		kids := v.Key("Kids")
		if v.Key("Type").Name() == "Pages" || v.Key("Type").Name() == "" && kids.Kind() == pdf.Array {
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if v.Kind() != pdf.Dict {
			return nil
		}
		if len(pages) == maxPDFPages {
			return invalidf("PDF has more than %d pages: split it", maxPDFPages)
		}
		pages = append(pages, pdf.Page{V: v})
		return nil
	}
	root := r.Trailer().Key("Root").Key("Pages")
	if root.IsNull() {
		return nil, invalidf("not a readable PDF: no pages")
	}
	return pages, walk(root, 0)
}

// pdfLine is one line of text as laid out on the page.
type pdfLine struct {
	text      string
	size      float64 // font size of the line's largest glyphs, in points
	y         float64 // baseline, in points up from the bottom of the page
	gap       bool    // set off from the line above by more than line spacing
	pageBreak bool    // first line of a page
	level     int     // heading level, 0 for body text
}

// breakBefore reports whether a new paragraph starts at l.
func (l pdfLine) breakBefore() bool { return l.gap || l.pageBreak || l.level > 0 }

// pageLines lays out one page's glyphs as lines. budget is what is left of
// maxPDFContent and is reduced by this page's content.
func pageLines(p pdf.Page, budget *int64) (lines []pdfLine, err error) {
	defer func() {
		// The library reports malformed content by panicking.
		if r := recover(); r != nil {
			lines, err = nil, fmt.Errorf("%v", r)
		}
	}()
	if err := checkInherited(p.V); err != nil {
		return nil, err
	}
	n, err := streamSize(p.V.Key("Contents"), *budget)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, fmt.Errorf("content of all pages uncompresses to more than %s", byteSize(maxPDFContent))
	case err != nil:
		return nil, fmt.Errorf("content: %w", err)
	}
	*budget -= n
	if n == 0 {
		return nil, nil
	}
	// The library builds a table from each font's ToUnicode map, as large
	// as the map says.
	for _, name := range p.Fonts() {
		_, err := streamSize(p.Font(name).V.Key("ToUnicode"), maxPDFCMap)
		switch {
		case errors.Is(err, errTooLarge):
			return nil, fmt.Errorf("font %s: ToUnicode map uncompresses to more than %s", name, byteSize(maxPDFCMap))
		case err != nil:
			return nil, fmt.Errorf("font %s: ToUnicode map: %w", name, err)
		}
	}
	texts, ok := pageContent(p)
	if !ok {
		// Content() keeps glyph positions but gives up on some real-world
		// oddities (an unbalanced Q); plain text loses the layout but
		// keeps the words.
		s, err := p.GetPlainText(nil)
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(s, "\n") {
			if t := cleanPDFText(l); strings.TrimSpace(t) != "" {
				lines = append(lines, pdfLine{text: collapseSpace(t)})
			}
		}
		return lines, nil
	}
	return layoutLines(texts), nil
}

// pageContent returns a page's glyphs, or false if the library panicked.
func pageContent(p pdf.Page) (texts []pdf.Text, ok bool) {
	defer func() {
		if recover() != nil {
			texts, ok = nil, false
		}
	}()
	return p.Content().Text, true
}

// checkInherited follows a page's Parent chain as the library does when it
// looks up fonts, refusing a chain that never ends.
func checkInherited(v pdf.Value) error {
	for i := 0; !v.IsNull(); i++ {
		if i > maxPDFTreeDepth {
			return errors.New("page tree loops")
		}
		if !v.Key("Resources").IsNull() {
			return nil
		}
		v = v.Key("Parent")
	}
	return nil
}

// errTooLarge reports a stream that uncompresses beyond its limit.
var errTooLarge = errors.New("stream too large")

// streamSize is the decompressed size of a stream or array of streams,
// read once within max, so that a compression bomb is refused before the
// library builds anything from it.
func streamSize(v pdf.Value, max int64) (int64, error) {
	var streams []pdf.Value
	switch v.Kind() {
	case pdf.Stream:
		streams = []pdf.Value{v}
	case pdf.Array:
		for i := 0; i < v.Len(); i++ {
			streams = append(streams, v.Index(i))
		}
	}
	var n int64
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		m, err := io.Copy(io.Discard, io.LimitReader(s.Reader(), max-n+1))
		n += m
		if n > max {
			return 0, errTooLarge
		}
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// layoutLines groups glyphs into lines by their baseline and puts a space
// where the gap between glyphs is wider than letter spacing. Glyphs stay in
// content order: widths are unknown for some fonts, so sorting by position
// would scramble them. A page number alone on the first or last line is
// dropped.
func layoutLines(texts []pdf.Text) []pdfLine {
	var (
		lines                 []pdfLine
		b                     strings.Builder
		cur                   pdfLine
		lastX, lastEnd, lastW float64
		started               bool
	)
	end := func() {
		if t := collapseSpace(b.String()); t != "" {
			cur.text = t
			lines = append(lines, cur)
		}
		b.Reset()
	}
	for _, t := range texts {
		s := cleanPDFText(t.S)
		if s == "" {
			continue
		}
		size := math.Abs(t.FontSize)
		if size == 0 {
			size = 1
		}
		switch {
		case !started || math.Abs(t.Y-cur.y) > 0.5*max(size, cur.size):
			end()
			cur, started = pdfLine{y: t.Y}, true
		case t.X-lastEnd > 0.2*size && (lastW > 0 || t.X-lastX > 0.2*size):
			b.WriteByte(' ')
		}
		if strings.TrimSpace(s) != "" {
			cur.size = max(cur.size, size)
		}
		b.WriteString(s)
		lastX, lastEnd, lastW = t.X, t.X+t.W, t.W
	}
	end()
	if len(lines) > 0 && pageNumber.MatchString(lines[len(lines)-1].text) {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > 0 && pageNumber.MatchString(lines[0].text) {
		lines = lines[1:]
	}
	return lines
}

// pageNumber matches the page numbers printed in headers and footers.
var pageNumber = regexp.MustCompile(`(?i)^(?:(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|-\s*\d{1,4}\s*-|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?)$`)

// markPDFParagraphs sets gap on lines that start a paragraph because they
// stand further below the line above than lines of a paragraph do. The
// line spacing of each font size is the smallest baseline distance between
// two lines of that size, which within a document is the spacing inside a
// paragraph, whether the document is single- or 1.5-spaced.
func markPDFParagraphs(lines []pdfLine) {
	spacing := map[float64]float64{}
	for i := 1; i < len(lines); i++ {
		a, b := lines[i-1], lines[i]
		s := roundSize(b.size)
		if b.pageBreak || roundSize(a.size) != s {
			continue
		}
		if d := a.y - b.y; d >= 0.8*b.size && (spacing[s] == 0 || d < spacing[s]) {
			spacing[s] = d
		}
	}
	for i := 1; i < len(lines); i++ {
		l := &lines[i]
		if l.pageBreak {
			continue
		}
		sp := spacing[roundSize(l.size)]
		if sp == 0 {
			sp = 1.2 * l.size
		}
		// Moving up the page is a new column; more than usual spacing, or
		// more than any line spacing in use, is a paragraph break.
		d := lines[i-1].y - l.y
		l.gap = d < -0.5*l.size || d > 1.25*sp || d > 1.6*l.size
	}
}

// cleanPDFText drops what a glyph decodes to when it has no Unicode
// meaning: control codes, private-use symbols and the replacement character
// the library gives unmapped glyphs. Tabs and no-break spaces become spaces.
func cleanPDFText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\u00a0':
			return ' '
		case r == unicode.ReplacementChar || unicode.IsControl(r) || unicode.Is(unicode.Co, r):
			return -1
		}
		return r
	}, s)
}

// markPDFHeadings sets the level of lines set larger than the body text:
// the largest size is level 1, the next 2 and so on. Body text is the size
// most characters are set in.
func markPDFHeadings(lines []pdfLine) {
	chars := map[float64]int{}
	for _, l := range lines {
		chars[roundSize(l.size)] += utf8.RuneCountInString(l.text)
	}
	body, most := 0.0, -1
	for s, n := range chars {
		if n > most || n == most && s < body {
			body, most = s, n
		}
	}
	var sizes []float64
	for s := range chars {
		if s >= body*pdfHeadingFactor {
			sizes = append(sizes, s)
		}
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	for i := range lines {
		l := &lines[i]
		if _, item := listItem(l.text); item || utf8.RuneCountInString(l.text) > maxTextTitle {
			continue
		}
		if j := slices.Index(sizes, roundSize(l.size)); j >= 0 {
			l.level = min(j+1, 6)
		}
	}
}

// roundSize rounds a font size to half a point, so that sizes differing
// only by rounding in the file count as one.
func roundSize(s float64) float64 { return math.Round(s*2) / 2 }

// pdfBullet matches the list markers word processors print: a bullet
// symbol, or a number followed by "." or ")".
var pdfBullet = regexp.MustCompile(`^(?:([•◦▪▫●○■□‣⁃·∙*-])|(\d{1,3})[.)])\s+`)

// listItem rewrites a line that starts with a list marker as a Markdown
// list item.
func listItem(s string) (string, bool) {
	m := pdfBullet.FindStringSubmatch(s)
	switch {
	case m == nil:
		return "", false
	case m[2] != "":
		return m[2] + ". " + s[len(m[0]):], true
	}
	return "- " + s[len(m[0]):], true
}

// pdfMarkdown joins lines into paragraphs separated by blank lines, headings
// marked with "#" and list items with "- " (or "1. "). Lines of one
// paragraph are joined with a space, or with nothing between Chinese
// characters, because a line end in a PDF is where the page ran out, not
// where the writer paused.
func pdfMarkdown(lines []pdfLine) string {
	var (
		out  []string
		para []string // lines of the block being built; a list has one per item
		list bool     // para is a list
	)
	flush := func() {
		if len(para) > 0 {
			out = append(out, strings.Join(para, "\n"))
		}
		para, list = nil, false
	}
	for i, l := range lines {
		var prev pdfLine
		if i > 0 {
			prev = lines[i-1]
		}
		item, isItem := listItem(l.text)
		switch {
		case l.level > 0 && prev.level == l.level && !l.gap && !l.pageBreak && len(para) == 1:
			para[0] = joinPDFLines(para[0], l.text) // a heading wrapped onto a second line
		case l.level > 0:
			flush()
			para = []string{strings.Repeat("#", l.level) + " " + l.text}
		case isItem:
			if l.breakBefore() || prev.level > 0 || !list {
				flush()
			}
			para, list = append(para, item), true
		case l.breakBefore() || prev.level > 0 || len(para) == 0:
			flush()
			para = []string{l.text}
		default:
			para[len(para)-1] = joinPDFLines(para[len(para)-1], l.text)
		}
	}
	flush()
	return strings.Join(out, "\n\n")
}

// joinPDFLines joins a wrapped line to the next: with nothing between
// Chinese characters or after a hyphen, else with a space.
func joinPDFLines(a, b string) string {
	ra, _ := utf8.DecodeLastRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	if ra == '-' || isWide(ra) || isWide(rb) {
		return a + b
	}
	return a + " " + b
}

// isWide reports Chinese, Japanese and Korean characters and punctuation,
// which are written without spaces between them.
func isWide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}
