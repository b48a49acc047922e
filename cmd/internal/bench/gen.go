// Package bench generates knowledge bases of any size from a few real ones
// and measures Baton's retrieval and chat turn on them against the
// alternatives a team would otherwise build (`baton gen-kb`, `baton bench`).
package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/batonhq/baton/cmd/internal/evaluate"
)

// Article is one line of Baton's kb.jsonl format (see ingest's JSONL
// parser), as read from the sources and as generated.
type Article struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Lang       string   `json:"lang"`
	Questions  []string `json:"questions"`
	Collection string   `json:"collection"`
}

// ErrNoSources is returned when a source directory holds no articles.
var ErrNoSources = errors.New("no source articles")

// LoadSources reads every kb.jsonl in dir and its subdirectories, in path
// order, keeping the articles that have a title or a question.
func LoadSources(dir string) ([]Article, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "kb.jsonl" {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sources in %s: %w", dir, err)
	}
	slices.Sort(paths)
	var arts []Article
	for _, p := range paths {
		as, err := evaluate.ReadJSONL[Article](p)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if strings.TrimSpace(a.Title) != "" || len(a.Questions) > 0 {
				arts = append(arts, a)
			}
		}
	}
	if len(arts) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoSources)
	}
	return arts, nil
}

// maxQuestions is how many similar questions a generated article takes
// from its main source article.
const maxQuestions = 4

// ZhShare is the share of generated articles in Chinese.
const ZhShare = 0.4

// Generate writes n articles in collection to w, recombined from src: each
// takes its title and most similar questions from one source article of
// its language, a question and a paragraph from another, and a generated
// product name, so that no two are the same. About ZhShare of them are
// Chinese when src has both languages. The same src, n and seed give the
// same bytes.
func Generate(w io.Writer, src []Article, n int, seed uint64, collection string) error {
	zh, en := split(src)
	if len(zh) == 0 && len(en) == 0 {
		return ErrNoSources
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range n {
		pool := en
		if len(en) == 0 || (len(zh) > 0 && rng.Float64() < ZhShare) {
			pool = zh
		}
		a := recombine(rng, pool, i, collection)
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// split returns the Chinese and the other source articles.
func split(src []Article) (zh, en []Article) {
	for _, a := range src {
		if strings.HasPrefix(a.Lang, "zh") {
			zh = append(zh, a)
		} else {
			en = append(en, a)
		}
	}
	return zh, en
}

// recombine makes the i-th article from two articles of pool.
func recombine(rng *rand.Rand, pool []Article, i int, collection string) Article {
	a, b := pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))]
	zh := strings.HasPrefix(a.Lang, "zh")
	product := productName(rng, zh)
	title := strings.TrimSpace(a.Title)
	qs := []string{}
	if title == "" && len(a.Questions) > 0 {
		title = a.Questions[0]
	}
	// A few of the similar questions, as an editor attaches (the intent
	// sets have a hundred per intent, each embedded at ingest).
	for _, k := range rng.Perm(len(a.Questions))[:min(maxQuestions, len(a.Questions))] {
		if q := a.Questions[k]; q != title {
			qs = append(qs, q)
		}
	}
	if len(b.Questions) > 0 {
		qs = append(qs, b.Questions[rng.IntN(len(b.Questions))])
	}
	// The product name makes the article distinct and gives keyword
	// search a term that only a few articles share.
	if zh {
		title = product + "：" + title
	} else {
		title = title + " (" + product + ")"
	}
	body := strings.TrimSpace(a.Body)
	if p := firstParagraph(b.Body); p != "" {
		body = strings.TrimSpace(body + "\n\n" + p)
	}
	lang := a.Lang
	if lang == "" {
		lang = "en"
	}
	return Article{ID: fmt.Sprintf("gen-%06d", i), Title: title, Body: body, Lang: lang, Questions: qs, Collection: collection}
}

func firstParagraph(s string) string {
	p, _, _ := strings.Cut(strings.TrimSpace(s), "\n\n")
	return strings.TrimSpace(p)
}

var (
	enProducts = []string{"Basic", "Plus", "Pro", "Family", "Business", "Student", "Travel", "Gold", "Platinum", "Flex"}
	zhProducts = []string{"基础版", "加强版", "专业版", "家庭版", "企业版", "学生版", "旅行版", "金卡", "白金卡", "灵活版"}
)

// productName is a made-up plan name such as "Gold 37" or "金卡37号".
func productName(rng *rand.Rand, zh bool) string {
	k := rng.IntN(100)
	if zh {
		return fmt.Sprintf("%s%d号", zhProducts[rng.IntN(len(zhProducts))], k)
	}
	return fmt.Sprintf("%s %d", enProducts[rng.IntN(len(enProducts))], k)
}
