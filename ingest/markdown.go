package ingest

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/batonhq/baton/kb"
)

// frontMatter is the YAML block an editor may put at the top of a Markdown
// article to set what the text itself cannot say.
type frontMatter struct {
	ID            string     `yaml:"id"`
	Title         string     `yaml:"title"`
	Questions     stringList `yaml:"questions"`
	Tags          stringList `yaml:"tags"`
	Lang          string     `yaml:"lang"`
	AlwaysHandoff bool       `yaml:"always_handoff"`
}

// stringList accepts either a YAML list or a single string, because editors
// write "tags: returns" as often as "tags: [returns]".
type stringList []string

// UnmarshalYAML decodes a scalar as a one-item list.
func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = stringList{n.Value}
		return nil
	}
	var items []string
	if err := n.Decode(&items); err != nil {
		return err
	}
	*l = items
	return nil
}

func parseMarkdown(f file, text string) ([]*kb.Article, error) {
	yamlText, body, err := splitFrontMatter(text)
	if err != nil {
		return nil, err
	}
	var fm frontMatter
	if err := yaml.Unmarshal([]byte(yamlText), &fm); err != nil {
		return nil, invalidf("front matter: %v", err)
	}

	title := strings.TrimSpace(fm.Title)
	lines := strings.Split(body, "\n")
	if i, h1 := firstH1(lines); i >= 0 && (title == "" || h1 == title) {
		// The heading is the title; keeping it would repeat the title in
		// the first passage.
		title = h1
		lines = append(lines[:i:i], lines[i+1:]...)
	}
	if title == "" {
		title = f.stem
	}

	id := docID(f)
	if s := strings.TrimSpace(fm.ID); s != "" {
		id = f.collection + "/" + s
	}
	body = strings.TrimSpace(strings.Join(lines, "\n"))
	return []*kb.Article{
		article(f, id, f.collection, title, body, fm.Questions, fm.Tags, fm.Lang, fm.AlwaysHandoff),
	}, nil
}

// splitFrontMatter separates a leading "---" YAML block from the Markdown
// that follows. Text without one has no front matter.
func splitFrontMatter(text string) (yamlText, body string, err error) {
	first, rest, _ := strings.Cut(text, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return "", text, nil
	}
	lines := strings.Split(rest, "\n")
	for i, line := range lines {
		if l := strings.TrimRight(line, " \t"); l == "---" || l == "..." {
			return strings.Join(lines[:i], "\n"), strings.Join(lines[i+1:], "\n"), nil
		}
	}
	return "", "", fmt.Errorf("front matter has no closing ---: %w", kb.ErrInvalid)
}

// firstH1 finds the first level-1 heading outside code fences and returns
// its line index and text, or -1.
func firstH1(lines []string) (int, string) {
	fence := ""
	for i, line := range lines {
		if fence != "" {
			if closesFence(line, fence) {
				fence = ""
			}
			continue
		}
		if fence = openFence(line); fence != "" {
			continue
		}
		if level, text, ok := atxHeading(line); ok && level == 1 {
			return i, text
		}
	}
	return -1, ""
}

// atxHeading recognises a Markdown "#" to "######" heading line and returns
// its level and text without the optional closing hashes.
func atxHeading(line string) (level int, text string, ok bool) {
	s := strings.TrimLeft(line, " ")
	if len(line)-len(s) > 3 {
		return 0, "", false // indented code
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := s[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false // "#hashtag" is not a heading
	}
	rest = strings.TrimSpace(rest)
	if t := strings.TrimRight(rest, "#"); t == "" || strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\t") {
		rest = strings.TrimSpace(t)
	}
	return level, rest, true
}

// openFence reports the fence marker ("```" or "~~~") a line opens, if any.
func openFence(line string) string {
	s := strings.TrimLeft(line, " ")
	for _, m := range []string{"```", "~~~"} {
		if strings.HasPrefix(s, m) {
			return m
		}
	}
	return ""
}

// closesFence reports whether line closes a block opened with marker.
func closesFence(line, marker string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), marker)
}
