package ingest

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxPDFObjects bounds the object numbers a cross-reference table may
// declare. The PDF library allocates a table entry for every number up to
// the highest, so one line claiming object 2,000,000,000 would exhaust
// memory. Real documents of thousands of pages stay far below this.
const maxPDFObjects = 1_000_000

// checkPDFStructure reads a PDF's cross-reference sections the way the
// PDF library will and refuses the shapes on which the library never
// returns or brings the process down, none of which it guards against:
// a Prev chain that loops (an endless loop), an object stream stored in an
// object stream, directly or in a cycle (endless recursion, which Go
// cannot recover from), an Extends chain that loops, and object numbers
// that would make it allocate gigabytes. It is a bounded scan, not a
// parser: it reads nothing but cross-reference data and the headers of
// object streams.
func checkPDFStructure(data []byte) error {
	tail := data[max(0, len(data)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil // the library reports this itself
	}
	s := &pdfScanner{data: data, pos: len(data) - len(tail) + i + len("startxref")}
	off, ok := s.int()
	if !ok {
		return nil
	}
	entries := map[int64]pdfXref{} // first entry read wins, as in the library
	seen := map[int64]bool{}
	for section := 0; off >= 0; section++ {
		if seen[off] || section > 64 {
			return errors.New("cross-reference sections loop")
		}
		seen[off] = true
		if off >= int64(len(data)) {
			return nil // the library reports this itself
		}
		var err error
		if off, err = readXrefSection(data, off, entries); err != nil {
			return err
		}
	}
	for n, e := range entries {
		if e.kind != 2 {
			continue
		}
		if err := checkObjectStream(data, entries, e.stream); err != nil {
			return fmt.Errorf("object %d: %w", n, err)
		}
	}
	return nil
}

// pdfXref is one cross-reference entry: kind 1 is at offset, kind 2 is
// number index in object stream stream, kind 0 is free.
type pdfXref struct {
	kind   int
	offset int64
	stream int64
	index  int64
}

// readXrefSection reads the section at off into entries and returns the
// offset of the previous section, or -1.
func readXrefSection(data []byte, off int64, entries map[int64]pdfXref) (int64, error) {
	s := &pdfScanner{data: data, pos: int(off)}
	s.space()
	if s.keyword("xref") {
		for {
			s.space()
			if s.keyword("trailer") {
				break
			}
			start, ok1 := s.int()
			count, ok2 := s.int()
			if !ok1 || !ok2 || start < 0 || count < 0 || start+count > maxPDFObjects {
				return 0, errors.New("bad cross-reference table")
			}
			for n := start; n < start+count; n++ {
				offset, ok := s.int()
				s.int() // generation
				s.space()
				if !ok || s.pos >= len(data) {
					return 0, errors.New("bad cross-reference table")
				}
				if _, done := entries[n]; !done && data[s.pos] == 'n' {
					entries[n] = pdfXref{kind: 1, offset: offset}
				}
				s.pos++
			}
		}
		trailer, ok := s.object(0).(map[string]any)
		if !ok {
			return 0, errors.New("bad trailer")
		}
		return prevOffset(trailer)
	}
	// A cross-reference stream: "n 0 obj << ... >> stream".
	dict, body, err := s.streamObject()
	if err != nil {
		return 0, err
	}
	if err := readXrefStream(dict, body, entries); err != nil {
		return 0, err
	}
	return prevOffset(dict)
}

func prevOffset(dict map[string]any) (int64, error) {
	p, ok := dict["Prev"]
	if !ok {
		return -1, nil
	}
	if n, ok := p.(int64); ok && n >= 0 {
		return n, nil
	}
	return 0, errors.New("bad Prev offset")
}

// readXrefStream decodes a cross-reference stream's entries. Only what the
// library itself can decode is accepted: no filter or Flate, with no
// predictor or the PNG Up predictor.
func readXrefStream(dict map[string]any, body []byte, entries map[int64]pdfXref) error {
	w, ok := intArray(dict["W"])
	if !ok || len(w) < 3 {
		return errors.New("xref stream without a W array")
	}
	width := 0
	for _, x := range w {
		if x < 0 || x > 8 {
			return errors.New("bad xref stream W array")
		}
		width += int(x)
	}
	size, _ := dict["Size"].(int64)
	index, ok := intArray(dict["Index"])
	if !ok {
		index = []int64{0, size}
	}
	total := int64(0)
	for i := 0; i+1 < len(index); i += 2 {
		if index[i] < 0 || index[i+1] < 0 || index[i]+index[i+1] > maxPDFObjects {
			return errors.New("xref stream declares too many objects")
		}
		if total += index[i+1]; total > maxPDFObjects {
			return errors.New("xref stream declares too many objects")
		}
	}
	var rd io.Reader = bytes.NewReader(body)
	switch dict["Filter"] {
	case nil:
	case "FlateDecode":
		zr, err := zlib.NewReader(rd)
		if err != nil {
			return fmt.Errorf("xref stream: %v", err)
		}
		rd = zr
	default:
		return fmt.Errorf("xref stream filter %v not supported", dict["Filter"])
	}
	raw, err := io.ReadAll(io.LimitReader(rd, total*int64(width+1)+int64(width)+1))
	if err != nil && len(raw) == 0 {
		return fmt.Errorf("xref stream: %v", err)
	}
	parms, _ := dict["DecodeParms"].(map[string]any)
	switch parms["Predictor"] {
	case nil, int64(1):
	case int64(12):
		cols, _ := parms["Columns"].(int64)
		if cols != int64(width) {
			return errors.New("xref stream predictor columns do not match W")
		}
		raw = pngUp(raw, width)
	default:
		return fmt.Errorf("xref stream predictor %v not supported", parms["Predictor"])
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	for i := 0; i+1 < len(index); i += 2 {
		for n := index[i]; n < index[i]+index[i+1]; n++ {
			if len(raw) < width {
				return nil // short data: the library reports it
			}
			rec := raw[:width]
			raw = raw[width:]
			kind := int64(1)
			if w[0] > 0 {
				kind = field(rec[:w[0]])
			}
			if _, done := entries[n]; done {
				continue
			}
			f2, f3 := field(rec[w[0]:w[0]+w[1]]), field(rec[w[0]+w[1]:w[0]+w[1]+w[2]])
			switch kind {
			case 1:
				entries[n] = pdfXref{kind: 1, offset: f2}
			case 2:
				entries[n] = pdfXref{kind: 2, stream: f2, index: f3}
			default:
				entries[n] = pdfXref{}
			}
		}
	}
	return nil
}

// pngUp undoes the PNG Up predictor on rows of width bytes, each after a
// filter-type byte.
func pngUp(raw []byte, width int) []byte {
	out := make([]byte, 0, len(raw))
	prev := make([]byte, width)
	for len(raw) >= width+1 {
		row := raw[1 : width+1]
		for i := range row {
			prev[i] += row[i]
		}
		out = append(out, prev...)
		raw = raw[width+1:]
	}
	return out
}

// checkObjectStream refuses an object stream that is not a plain object, or
// whose Extends chain loops.
func checkObjectStream(data []byte, entries map[int64]pdfXref, n int64) error {
	seen := map[int64]bool{}
	for steps := 0; ; steps++ {
		e := entries[n]
		switch {
		case e.kind == 2:
			return errors.New("object stream inside an object stream")
		case e.kind != 1 || e.offset < 0 || e.offset >= int64(len(data)):
			return nil // not found: the library reports it
		case seen[n] || steps > 64:
			return errors.New("object stream Extends chain loops")
		}
		seen[n] = true
		s := &pdfScanner{data: data, pos: int(e.offset)}
		s.int()
		s.int()
		s.space()
		if !s.keyword("obj") {
			return nil
		}
		dict, ok := s.object(0).(map[string]any)
		if !ok {
			return nil
		}
		ext, ok := dict["Extends"].(pdfRef)
		if !ok {
			return nil
		}
		n = int64(ext)
	}
}

// pdfScanner reads the little PDF syntax checkPDFStructure needs.
type pdfScanner struct {
	data []byte
	pos  int
}

// pdfRef is an indirect reference "n 0 R".
type pdfRef int64

func (s *pdfScanner) space() {
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0:
			s.pos++
		case c == '%':
			for s.pos < len(s.data) && s.data[s.pos] != '\n' && s.data[s.pos] != '\r' {
				s.pos++
			}
		default:
			return
		}
	}
}

func (s *pdfScanner) keyword(k string) bool {
	if bytes.HasPrefix(s.data[s.pos:], []byte(k)) {
		s.pos += len(k)
		return true
	}
	return false
}

func (s *pdfScanner) int() (int64, bool) {
	s.space()
	start := s.pos
	if s.pos < len(s.data) && (s.data[s.pos] == '-' || s.data[s.pos] == '+') {
		s.pos++
	}
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	n, err := strconv.ParseInt(string(s.data[start:s.pos]), 10, 64)
	return n, err == nil
}

// object reads a number, name, reference, array or dictionary; strings and
// anything else come back as nil. Nesting is bounded.
func (s *pdfScanner) object(depth int) any {
	s.space()
	if s.pos >= len(s.data) || depth > 32 {
		return nil
	}
	switch c := s.data[s.pos]; {
	case c == '/':
		start := s.pos + 1
		s.pos++
		for s.pos < len(s.data) && !bytes.ContainsAny(s.data[s.pos:s.pos+1], " \t\r\n\f\x00/<>[]()%") {
			s.pos++
		}
		return string(s.data[start:s.pos])
	case c == '<' && s.pos+1 < len(s.data) && s.data[s.pos+1] == '<':
		s.pos += 2
		d := map[string]any{}
		for {
			s.space()
			if s.pos >= len(s.data) {
				return nil
			}
			if s.keyword(">>") {
				return d
			}
			k, ok := s.object(depth + 1).(string)
			if !ok {
				return nil
			}
			d[k] = s.object(depth + 1)
		}
	case c == '[':
		s.pos++
		var a []any
		for {
			s.space()
			if s.pos >= len(s.data) {
				return nil
			}
			if s.keyword("]") {
				return a
			}
			a = append(a, s.object(depth+1))
		}
	case c == '(':
		for level := 0; s.pos < len(s.data); s.pos++ {
			switch s.data[s.pos] {
			case '\\':
				s.pos++
			case '(':
				level++
			case ')':
				if level--; level == 0 {
					s.pos++
					return nil
				}
			}
		}
		return nil
	case c == '<':
		if i := bytes.IndexByte(s.data[s.pos:], '>'); i >= 0 {
			s.pos += i + 1
		} else {
			s.pos = len(s.data)
		}
		return nil
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		n, ok := s.int()
		if s.pos < len(s.data) && s.data[s.pos] == '.' {
			s.pos++
			s.int()
			return nil // a real number: never needed here
		}
		// "n g R" is a reference.
		save := s.pos
		if _, ok2 := s.int(); ok && ok2 {
			s.space()
			if s.keyword("R") {
				return pdfRef(n)
			}
		}
		s.pos = save
		if !ok {
			return nil
		}
		return n
	default:
		// A keyword such as true, false or null, or a stray delimiter.
		start := s.pos
		for s.pos < len(s.data) && s.data[s.pos] >= 'a' && s.data[s.pos] <= 'z' {
			s.pos++
		}
		if s.pos == start {
			s.pos++
		}
		return nil
	}
}

// streamObject reads "n g obj <<dict>> stream" and returns the dictionary
// and the bytes after the stream keyword.
func (s *pdfScanner) streamObject() (map[string]any, []byte, error) {
	s.int()
	s.int()
	s.space()
	if !s.keyword("obj") {
		return nil, nil, errors.New("startxref does not point to a cross-reference section")
	}
	dict, ok := s.object(0).(map[string]any)
	s.space()
	if !ok || !s.keyword("stream") {
		return nil, nil, errors.New("bad cross-reference stream")
	}
	if s.keyword("\r") {
		s.keyword("\n")
	} else {
		s.keyword("\n")
	}
	return dict, s.data[s.pos:], nil
}

func intArray(v any) ([]int64, bool) {
	a, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(a))
	for i, x := range a {
		n, ok := x.(int64)
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}
