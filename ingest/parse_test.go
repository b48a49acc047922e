package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

// article fields a test checks; Source, Hash and Version are checked for
// every article by checkArticles.
type wantArticle struct {
	ID            string
	Collection    string
	Title         string
	Body          string
	Questions     []string
	Tags          []string
	Lang          string
	AlwaysHandoff bool
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		file       string // read from testdata when data is nil
		data       []byte
		collection string
		want       []wantArticle
		wantErr    string // substring of the error, which must wrap kb.ErrInvalid
	}{
		{
			name:       "markdown with front matter",
			file:       "returns.md",
			collection: "shop",
			want: []wantArticle{{
				ID:            "shop/returns-policy",
				Collection:    "shop",
				Title:         "Returns and refunds",
				Body:          "You can return most items within 30 days of delivery.\n\n## Refund timing\n\nRefunds reach your card within 5 to 10 business days.",
				Questions:     []string{"How do I return an item?", "Can I get my money back?"},
				Tags:          []string{"returns", "policy"},
				Lang:          "en",
				AlwaysHandoff: true,
			}},
		},
		{
			name:       "chinese markdown titled by its heading",
			file:       "refund-zh.md",
			collection: "shop",
			want: []wantArticle{{
				ID:         "shop/refund-zh",
				Collection: "shop",
				Title:      "退款政策",
				Body:       "商品签收后七天内可以申请无理由退货。\n\n## 退款时间\n\n退款会在三到五个工作日内原路退回。",
				Questions:  []string{},
				Tags:       []string{},
				Lang:       "zh",
			}},
		},
		{
			name: "markdown without heading is titled by file name",
			data: []byte("---\ntags: faq\nlang: EN-gb\n---\nJust some text.\n\n## Part\n\nMore."),
			file: "Opening Hours.markdown",
			want: []wantArticle{{
				ID:         "default/opening-hours",
				Collection: "default",
				Title:      "Opening Hours",
				Body:       "Just some text.\n\n## Part\n\nMore.",
				Questions:  []string{},
				Tags:       []string{"faq"},
				Lang:       "en",
			}},
		},
		{
			name: "markdown keeps a second-level heading and CRLF line ends",
			data: []byte("## Not a title\r\n\r\nText.\r\n"),
			file: "notes.md",
			want: []wantArticle{{
				ID: "default/notes", Collection: "default", Title: "notes",
				Body: "## Not a title\n\nText.", Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name:       "text with title line",
			file:       "shipping.txt",
			collection: "shop",
			want: []wantArticle{{
				ID:         "shop/shipping",
				Collection: "shop",
				Title:      "Shipping times",
				Body:       "Orders ship within 24 hours on business days.\nExpress delivery takes one to two days.",
				Questions:  []string{},
				Tags:       []string{},
				Lang:       "en",
			}},
		},
		{
			name:       "chinese text",
			file:       "delivery-zh.txt",
			collection: "shop",
			want: []wantArticle{{
				ID:         "shop/delivery-zh",
				Collection: "shop",
				Title:      "配送说明",
				Body:       "我们在工作日二十四小时内发货。偏远地区可能需要更长时间。",
				Questions:  []string{},
				Tags:       []string{},
				Lang:       "zh",
			}},
		},
		{
			name: "text without title line, upper-case extension",
			file: "Delivery Notes.TXT",
			data: []byte("Line one\nLine two\n"),
			want: []wantArticle{{
				ID: "default/delivery-notes", Collection: "default", Title: "Delivery Notes",
				Body: "Line one\nLine two", Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name: "text whose first line is too long for a title",
			file: "long.txt",
			data: []byte(strings.Repeat("word ", 30) + "\n\nSecond paragraph."),
			want: []wantArticle{{
				ID: "default/long", Collection: "default", Title: "long",
				Body:      strings.TrimSpace(strings.Repeat("word ", 30)) + "\n\nSecond paragraph.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name: "chinese file name gets a stable ascii id",
			file: "退款.txt",
			data: []byte("七天无理由退货。"),
			want: []wantArticle{{
				ID: "default/doc-" + shortHash("退款"), Collection: "default", Title: "退款",
				Body: "七天无理由退货。", Questions: []string{}, Tags: []string{}, Lang: "zh",
			}},
		},
		{
			name:       "html drops scripts, navigation and footer",
			file:       "warranty.html",
			collection: "shop",
			want: []wantArticle{{
				ID:         "shop/warranty",
				Collection: "shop",
				Title:      "Warranty & repairs",
				Body:       "Every device has a two-year warranty.\n\n## What is covered\n\n- Battery faults\n- Screen defects – not cracks\n\nWrite to support@example.com.",
				Questions:  []string{},
				Tags:       []string{},
				Lang:       "en",
			}},
		},
		{
			name:       "chinese html titled by h1 with a table",
			file:       "payment-zh.htm",
			collection: "shop",
			want: []wantArticle{{
				ID:         "shop/payment-zh",
				Collection: "shop",
				Title:      "支付方式",
				Body:       "我们支持以下支付方式：\n\n| 方式 | 到账时间 |\n| --- | --- |\n| 支付宝 | 即时 |\n| 银行转账 | 一到两天 |",
				Questions:  []string{},
				Tags:       []string{},
				Lang:       "zh",
			}},
		},
		{
			name: "html ordered list and line breaks",
			file: "steps.html",
			data: []byte("<h2>Steps</h2><ol><li>Sign in</li><li>Open <i>Orders</i></li></ol><p>Call us:<br>Mon&ndash;Fri</p>"),
			want: []wantArticle{{
				ID: "default/steps", Collection: "default", Title: "steps",
				Body:      "## Steps\n\n1. Sign in\n2. Open Orders\n\nCall us:\nMon–Fri",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name:       "csv with BOM and header",
			file:       "faq.csv",
			collection: "shop",
			want: []wantArticle{
				{
					ID:         "shop/faq-ed06d696",
					Collection: "shop",
					Title:      "How long does shipping take?",
					Body:       "Orders arrive in 3 to 5 days.",
					Questions:  []string{"Delivery time", "When will my order arrive?"},
					Tags:       []string{"shipping", "delivery"},
					Lang:       "en",
				},
				{
					ID:         "shop/faq-644ff18f",
					Collection: "shop",
					Title:      "Can I change my address?",
					Body:       "Yes, before the order ships.\nContact support with your order number.",
					Questions:  []string{"Update address", "Change delivery address"},
					Tags:       []string{},
					Lang:       "en",
				},
			},
		},
		{
			name:       "csv with chinese header",
			file:       "faq-zh.csv",
			collection: "shop",
			want: []wantArticle{{
				ID:         "shop/faq-zh-62693ffc",
				Collection: "shop",
				Title:      "怎么开发票？",
				Body:       "在订单详情页点击申请发票。",
				Questions:  []string{"如何开发票", "发票在哪里申请", "能开专票吗"},
				Tags:       []string{"发票"},
				Lang:       "zh",
			}},
		},
		{
			name: "csv without header",
			file: "qa.csv",
			data: []byte("Do you ship abroad?,Yes to 40 countries.\n"),
			want: []wantArticle{{
				ID: "default/qa-" + shortHash("do you ship abroad?"), Collection: "default",
				Title: "Do you ship abroad?", Body: "Yes to 40 countries.",
				Questions: []string{}, Tags: []string{}, Lang: "en",
			}},
		},
		{
			name:       "jsonl",
			file:       "articles.jsonl",
			collection: "shop",
			want: []wantArticle{
				{
					ID:         "kb-001",
					Collection: "shop",
					Title:      "Opening hours",
					Body:       "We are open 9:00-18:00, Monday to Friday.",
					Questions:  []string{"When are you open?"},
					Tags:       []string{"store"},
					Lang:       "en",
				},
				{
					ID:         "kb-002",
					Collection: "members",
					Title:      "会员积分",
					Body:       "每消费一元积一分。",
					Questions:  []string{"积分怎么算"},
					Tags:       []string{},
					Lang:       "zh",
				},
			},
		},
		{name: "unknown extension", file: "policy.doc", data: []byte("text"), wantErr: `".doc"`},
		{name: "no extension", file: "README", data: []byte("text"), wantErr: "no file extension"},
		{name: "invalid utf-8", file: "bad.txt", data: []byte{'o', 'k', 0xff, 0xfe}, wantErr: "UTF-8"},
		{name: "empty file", file: "empty.md", data: []byte{}, wantErr: "no text"},
		{name: "blank file", file: "blank.txt", data: []byte(" \n\t\n"), wantErr: "no text"},
		{name: "only a BOM", file: "bom.csv", data: []byte("\ufeff"), wantErr: "no text"},
		{name: "csv row without answer", file: "faq.csv", data: []byte("question,answer\nWhat is VIP?,Our loyalty plan.\nHow do I pay?,\n"), wantErr: "row 3"},
		{name: "csv answer without question", file: "faq.csv", data: []byte(",An answer\n"), wantErr: "row 1"},
		{name: "csv repeated question", file: "faq.csv", data: []byte("How do I pay?,Card.\nhow do I  pay?,Cash.\n"), wantErr: "repeats row 1"},
		{name: "csv header only", file: "faq.csv", data: []byte("问题,答案\n"), wantErr: "no articles"},
		{name: "csv broken quotes", file: "faq.csv", data: []byte("q,\"unterminated\n"), wantErr: "row 1"},
		{name: "jsonl malformed line", file: "a.jsonl", data: []byte("{\"id\":\"a\",\"title\":\"A\"}\n\n{\"id\": \"b\", \"title\":\n"), wantErr: "line 3"},
		{name: "jsonl line without id", file: "a.jsonl", data: []byte(`{"title":"A"}`), wantErr: "line 1: missing id"},
		{name: "jsonl repeated id", file: "a.jsonl", data: []byte("{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"a\",\"title\":\"B\"}\n"), wantErr: "repeats line 1"},
		{name: "markdown front matter not closed", file: "a.md", data: []byte("---\ntitle: A\nBody"), wantErr: "front matter"},
		{name: "markdown front matter not yaml", file: "a.md", data: []byte("---\ntitle: [A\n---\nBody"), wantErr: "front matter"},
		{name: "html with nothing visible", file: "a.html", data: []byte("<script>alert(1)</script><nav>Home</nav>"), wantErr: "no visible text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = readTestdata(t, tt.file)
			}
			got, err := Parse(tt.file, data, tt.collection)
			if tt.wantErr != "" {
				if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want kb.ErrInvalid mentioning %q", tt.file, err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "parse "+tt.file+": ") {
					t.Errorf("Parse(%q) error = %q, want it to name the file", tt.file, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.file, err)
			}
			checkArticles(t, tt.file, got, tt.want)
		})
	}
}

// parseCase is a binary file (data, or file read from testdata when data
// is nil) and the articles Parse must find in it.
type parseCase struct {
	name string
	file string
	data []byte
	want []wantArticle
}

// runParseCases parses each case as collection "shop" and checks its
// articles.
func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = readTestdata(t, tt.file)
			}
			got, err := Parse(tt.file, data, "shop")
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.file, err)
			}
			checkArticles(t, tt.file, got, tt.want)
		})
	}
}

func checkArticles(t *testing.T, source string, got []*kb.Article, want []wantArticle) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d articles, want %d: %+v", len(got), len(want), got)
	}
	for i, a := range got {
		g := wantArticle{a.ID, a.Collection, a.Title, a.Body, a.Questions, a.Tags, a.Lang, a.AlwaysHandoff}
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("article %d:\ngot  %#v\nwant %#v", i, g, want[i])
		}
		if a.Questions == nil || a.Tags == nil {
			t.Errorf("article %d: Questions or Tags is nil; want empty slices", i)
		}
		if a.Source != source {
			t.Errorf("article %d: Source = %q, want %q", i, a.Source, source)
		}
		if a.Hash != "" || a.Version != 0 {
			t.Errorf("article %d: Hash = %q, Version = %d; want them unset", i, a.Hash, a.Version)
		}
	}
}

func ids(arts []*kb.Article) []string {
	var out []string
	for _, a := range arts {
		out = append(out, a.ID)
	}
	return out
}

// TestParseStableIDs checks that re-ingesting a file, edited or not, keeps
// article IDs, so that an edit becomes a new version of the same article.
func TestParseStableIDs(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		old, new   string // edit applied to the fixture
		wantChange string // text the edited article's body must now contain
	}{
		{"csv answer edited", "faq.csv", "3 to 5 days", "2 to 4 days", "2 to 4 days"},
		{"csv question respaced and recased", "faq.csv", "How long does shipping take?", "How long does  SHIPPING take?", "3 to 5 days"},
		{"chinese csv answer edited", "faq-zh.csv", "点击申请发票", "联系客服开票", "联系客服开票"},
		{"markdown body edited", "refund-zh.md", "七天", "十五天", "十五天"},
		{"markdown with front matter id", "returns.md", "30 days", "60 days", "60 days"},
		{"text edited", "shipping.txt", "24 hours", "12 hours", "12 hours"},
		{"html edited", "warranty.html", "two-year", "three-year", "three-year"},
		{"jsonl edited", "articles.jsonl", "9:00-18:00", "8:00-20:00", "8:00-20:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := readTestdata(t, tt.file)
			first, err := Parse(tt.file, data, "shop")
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(tt.file, data, "shop")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ids(again), ids(first); !reflect.DeepEqual(got, want) {
				t.Errorf("same file parsed twice: ids %q, then %q", want, got)
			}

			edited := bytes.Replace(data, []byte(tt.old), []byte(tt.new), 1)
			if bytes.Equal(edited, data) {
				t.Fatalf("fixture %s does not contain %q", tt.file, tt.old)
			}
			after, err := Parse(tt.file, edited, "shop")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ids(after), ids(first); !reflect.DeepEqual(got, want) {
				t.Errorf("after edit: ids %q, want %q", got, want)
			}
			found := false
			for _, a := range after {
				found = found || strings.Contains(a.Body, tt.wantChange)
			}
			if !found {
				t.Errorf("after edit: no article body contains %q", tt.wantChange)
			}
		})
	}
}

// TestParseJSONLLongLine guards against line-length limits: an article
// exported with its whole body on one line must load.
func TestParseJSONLLongLine(t *testing.T) {
	body := strings.Repeat("退货政策说明。", 20000) // about 420 KB
	data := []byte(`{"id":"long","title":"长文","body":"` + body + "\"}\n" + `{"id":"next","title":"Next"}`)
	got, err := Parse("long.jsonl", data, "")
	if err != nil {
		t.Fatalf("Parse error = %v", err)
	}
	if len(got) != 2 || got[0].Body != body || got[1].ID != "next" {
		t.Fatalf("got %d articles (first body %d bytes), want 2 with the long body intact (%d bytes)", len(got), len(got[0].Body), len(body))
	}
}

// FuzzParseSplit checks that no upload makes Parse or Split panic, that bad
// input is always kb.ErrInvalid, and that every article yields passages.
func FuzzParseSplit(f *testing.F) {
	f.Add("a.md", "---\ntitle: x\n---\n# T\n\n## H\n\nQ: a?\n\nA: b.\n\n| a | b |\n|---|---|\n| 1 | 2 |")
	f.Add("a.html", "<h1>x</h1><ul><li>a<ol><li>b</li></ol></li></ul><table><tr><td>1</td></tr></table>")
	f.Add("a.csv", "question,answer\nq,a|b\n")
	f.Add("a.jsonl", `{"id":"a","title":"t"}`)
	f.Add("a.txt", "title\n\n第一句。第二句！third. fourth")
	f.Add(".md", "#")
	f.Add(" .md", "0")
	// The binary formats, whose libraries are the likeliest to misbehave.
	for _, name := range []string{"returns.pdf", "refund-zh.pdf", "owner-only.pdf", "guide.docx", "faq.xlsx"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, string(data))
	}
	f.Fuzz(func(t *testing.T, name, data string) {
		arts, err := Parse(name, []byte(data), "c")
		if err != nil {
			if !errors.Is(err, kb.ErrInvalid) {
				t.Fatalf("Parse error %v does not wrap kb.ErrInvalid", err)
			}
			return
		}
		for _, a := range arts {
			if a.ID == "" || a.Title == "" {
				t.Fatalf("article without ID or title: %+v", a)
			}
			for _, maxTokens := range []int{1, 3, 50} {
				chunks := Split(a, maxTokens)
				if len(chunks) == 0 {
					t.Fatalf("Split(%+v, %d) gave no chunks", a, maxTokens)
				}
				for i, c := range chunks {
					if c.Ord != i || c.Text == "" || strings.TrimSpace(c.Text) != c.Text {
						t.Fatalf("Split(%+v, %d): bad chunk %d: %+v", a, maxTokens, i, c)
					}
				}
			}
		}
	})
}

// FuzzParseBinary mutates real PDF, Word and Excel files, where hostile
// input reaches third-party parsers: Parse must return articles or a
// kb.ErrInvalid error, never panic, hang or exhaust memory.
func FuzzParseBinary(f *testing.F) {
	for _, name := range []string{"returns.pdf", "refund-zh.pdf", "owner-only.pdf", "encrypted.pdf", "guide.docx", "guide-zh.docx", "faq.xlsx"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Ext(name), data)
	}
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		switch ext {
		case ".pdf", ".docx", ".xlsx":
		default:
			return
		}
		if _, err := Parse("fuzz"+ext, data, ""); err != nil && !errors.Is(err, kb.ErrInvalid) {
			t.Fatalf("Parse error %v does not wrap kb.ErrInvalid", err)
		}
	})
}
