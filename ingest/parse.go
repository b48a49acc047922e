// Package ingest turns uploaded or local files into knowledge-base articles
// and cuts articles into passages for retrieval. Parsing is pure: it reads
// bytes and returns articles, leaving hashing, versioning and storage to the
// caller, so the same file always yields the same articles.
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
)

// Parse turns one uploaded or local file into articles for collection.
// The format follows the file extension, case-insensitively: .md and
// .markdown, .txt, .html and .htm, .csv and .xlsx (one FAQ per row), .jsonl
// (one article per line), .pdf and .docx. A .zip archive is not parsed
// here: the uploader expands it with Unzip and parses each file inside. An
// empty collection means kb.DefaultCollection.
//
// Article IDs are derived from the file name (and, for CSV and XLSX, from
// each row's question) rather than from the content, so re-ingesting an
// edited file produces new versions of the same articles instead of new
// articles. Hash and Version are left unset for the store to fill in.
//
// Bad input (an unsupported extension, invalid UTF-8 in a text format, a
// file with no text, a malformed row, an encrypted, damaged or mislabelled
// PDF or Office file) is reported as an error wrapping kb.ErrInvalid. Parse
// does not panic on hostile input: a panic in a format library becomes such
// an error too.
func Parse(name string, data []byte, collection string) ([]*kb.Article, error) {
	arts, err := parse(name, data, collection)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return arts, nil
}

// file is what a format parser needs to know about its input besides the
// text itself.
type file struct {
	name       string // as given to Parse; becomes Article.Source
	stem       string // base name without extension
	collection string
}

// supportedTypes lists what Parse and Unzip accept, for error messages.
const supportedTypes = ".md, .txt, .html, .csv, .jsonl, .pdf, .docx, .xlsx, or a .zip of them"

func parse(name string, data []byte, collection string) ([]*kb.Article, error) {
	base := baseName(name)
	ext := path.Ext(base)
	var (
		text   func(file, string) ([]*kb.Article, error)
		binary func(file, []byte) ([]*kb.Article, error)
		kind   string // of a binary format, for messages
	)
	switch extOf(name) {
	case ".md", ".markdown":
		text = parseMarkdown
	case ".txt":
		text = parseText
	case ".html", ".htm":
		text = parseHTML
	case ".csv":
		text = parseCSV
	case ".jsonl":
		text = parseJSONL
	case ".pdf":
		binary, kind = parsePDF, "PDF"
	case ".docx":
		binary, kind = parseDOCX, "DOCX (Word)"
	case ".xlsx":
		binary, kind = parseXLSX, "XLSX (Excel)"
	case ".zip":
		// One archive is many files, each its own source of articles.
		return nil, invalidf("a .zip archive is expanded by the uploader (Unzip), not parsed as one file; archives inside archives are not expanded")
	case "":
		return nil, invalidf("no file extension; want %s", supportedTypes)
	default:
		return nil, invalidf("unsupported file type %q; want %s", ext, supportedTypes)
	}
	if collection == "" {
		collection = kb.DefaultCollection
	}
	f := file{name: name, stem: strings.TrimSpace(strings.TrimSuffix(base, ext)), collection: collection}
	if f.stem == "" {
		f.stem = strings.TrimSpace(base) // ".md": the stem is a fallback title, so never empty
	}
	var (
		arts []*kb.Article
		err  error
	)
	if binary != nil {
		arts, err = parseBinary(binary, kind, f, data)
	} else {
		if !utf8.Valid(data) {
			return nil, invalidf("not valid UTF-8 text%s", looksLike(data))
		}
		s := normalizeNewlines(strings.TrimPrefix(string(data), "\ufeff"))
		if strings.TrimSpace(s) == "" {
			return nil, invalidf("no text")
		}
		arts, err = text(f, s)
	}
	if err != nil {
		return nil, err
	}
	if len(arts) == 0 {
		return nil, invalidf("no articles")
	}
	return arts, nil
}

// parseBinary runs the parser of a binary format. These parsers hand
// untrusted bytes to libraries that panic on some malformed input instead of
// returning an error; the panic is turned into kb.ErrInvalid here so that
// one hostile upload cannot take the server down.
func parseBinary(format func(file, []byte) ([]*kb.Article, error), kind string, f file, data []byte) (arts []*kb.Article, err error) {
	if len(data) == 0 {
		return nil, invalidf("empty file")
	}
	defer func() {
		if r := recover(); r != nil {
			arts, err = nil, invalidf("not a readable %s file: %v", kind, r)
		}
	}()
	return format(f, data)
}

// invalidf formats an error that wraps kb.ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, kb.ErrInvalid)...)
}

// article builds an article with every field Parse promises: cleaned,
// non-nil Questions and Tags, and Lang detected unless lang is given.
func article(f file, id, collection, title, body string, questions, tags []string, lang string, alwaysHandoff bool) *kb.Article {
	a := &kb.Article{
		ID:            id,
		Collection:    collection,
		Title:         strings.TrimSpace(title),
		Body:          strings.TrimSpace(body),
		Questions:     cleanList(questions),
		Tags:          cleanList(tags),
		Lang:          normalizeLang(lang),
		AlwaysHandoff: alwaysHandoff,
		Source:        f.name,
	}
	if a.Lang == "" {
		a.Lang = DetectLang(a.Title + "\n" + a.Body + "\n" + strings.Join(a.Questions, "\n"))
	}
	return a
}

// docID is the ID of the single article a Markdown, text or HTML file
// becomes.
func docID(f file) string {
	return f.collection + "/" + slug(f.stem)
}

// slug reduces s to lower-case ASCII letters, digits and single dashes. A
// name with no ASCII letters or digits (a Chinese file name, say) falls back
// to a short hash of the name, which is just as stable.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "doc-" + shortHash(s)
	}
	return b.String()
}

// shortHash is the first 8 hex digits of the SHA-256 of s.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// extOf is a file name's extension, lower-cased, as Parse dispatches on it.
func extOf(name string) string {
	return strings.ToLower(path.Ext(baseName(name)))
}

// baseName strips any directory, with either slash, from an uploaded name.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// normalizeLang keeps the primary subtag of a language tag, lower-cased, so
// that "zh-CN" and "zh_Hans" both become "zh", the value the rest of Baton
// compares against.
func normalizeLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// cleanList trims items and drops empty and repeated ones. It never returns
// nil so that articles serialise questions and tags as [] rather than null.
func cleanList(items []string) []string {
	out := make([]string, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, s := range items {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// collapseSpace joins the whitespace-separated fields of s with single spaces.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
