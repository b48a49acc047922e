package ingest

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/batonhq/baton/kb"
)

// passage is the part of a chunk a test spells out; IDs and order are
// checked for every chunk by checkChunks.
type passage struct {
	Heading string
	Text    string
}

func TestSplit(t *testing.T) {
	const (
		table = "| Plan | Price |\n| --- | --- |\n| Basic | 10 |\n| Plus | 20 |\n| Pro | 30 |\n| Max | 40 |"
		qa    = "Q: How long do refunds take?\n\nA: Refunds take five to ten business days after we receive the item."
	)
	tests := []struct {
		name      string
		title     string
		body      string
		maxTokens int
		want      []passage
		overLimit bool // a unit that must not be cut is larger than maxTokens
	}{
		{
			name:      "heading path",
			body:      "Intro text.\n\n## Returns\n\nReturn within 30 days.\n\n### Refund timing\n\nRefunds take 5 days.\n\n## Exchanges\n\nSwap sizes for free.",
			maxTokens: 100,
			want: []passage{
				{"", "Intro text."},
				{"Returns", "Return within 30 days."},
				{"Returns > Refund timing", "Refunds take 5 days."},
				{"Exchanges", "Swap sizes for free."},
			},
		},
		{
			name:      "chinese heading path",
			body:      "# 售后\n\n## 退货\n\n七天内可退。\n\n### 退款时间\n\n三到五天到账。",
			maxTokens: 100,
			want: []passage{
				{"售后 > 退货", "七天内可退。"},
				{"售后 > 退货 > 退款时间", "三到五天到账。"},
			},
		},
		{
			name:      "paragraphs packed up to the limit",
			body:      "one two three\n\nfour five six\n\nseven eight nine",
			maxTokens: 6,
			want: []passage{
				{"", "one two three\n\nfour five six"},
				{"", "seven eight nine"},
			},
		},
		{
			name:      "chinese paragraphs packed up to the limit",
			body:      "甲乙丙\n\n丁戊己\n\n庚辛壬",
			maxTokens: 6,
			want: []passage{
				{"", "甲乙丙\n\n丁戊己"},
				{"", "庚辛壬"},
			},
		},
		{
			name:      "no limit packs a whole section",
			body:      "one two three\n\nfour five six",
			maxTokens: 0,
			want:      []passage{{"", "one two three\n\nfour five six"}},
		},
		{
			name:      "long chinese paragraph split at 。",
			body:      "第一句话很长。第二句话也很长。第三句话。",
			maxTokens: 8,
			want: []passage{
				{"", "第一句话很长。"},
				{"", "第二句话也很长。"},
				{"", "第三句话。"},
			},
		},
		{
			name:      "short chinese sentences packed together",
			body:      "第一句话很长。第二句话也很长。第三句话。",
			maxTokens: 11,
			want: []passage{
				{"", "第一句话很长。"},
				{"", "第二句话也很长。第三句话。"},
			},
		},
		{
			name:      "long english paragraph split at sentence ends",
			body:      "Refunds take five days. Exchanges take three days! Is it fast? Yes.",
			maxTokens: 5,
			want: []passage{
				{"", "Refunds take five days."},
				{"", "Exchanges take three days!"},
				{"", "Is it fast? Yes."},
			},
		},
		{
			name:      "sentence over the limit cut by tokens",
			body:      "one two three four five six seven eight nine ten",
			maxTokens: 4,
			want: []passage{
				{"", "one two three four"},
				{"", "five six seven eight"},
				{"", "nine ten"},
			},
		},
		{
			name:      "chinese sentence over the limit cut by characters",
			body:      "这是一个没有标点的很长的句子",
			maxTokens: 5,
			want: []passage{
				{"", "这是一个没"},
				{"", "有标点的很"},
				{"", "长的句子"},
			},
		},
		{
			name:      "Q/A pair kept whole",
			body:      "Intro line.\n\n" + qa + "\n\nOutro line.",
			maxTokens: 5,
			overLimit: true,
			want: []passage{
				{"", "Intro line."},
				{"", qa},
				{"", "Outro line."},
			},
		},
		{
			name:      "chinese Q/A pair kept whole",
			body:      "问：怎么退货？\n\n答：在订单页面点击申请退货。",
			maxTokens: 4,
			overLimit: true,
			want:      []passage{{"", "问：怎么退货？\n\n答：在订单页面点击申请退货。"}},
		},
		{
			name:      "Q/A pair in one paragraph kept whole",
			body:      "**Q:** Can I pay by card?\n**A:** Yes, all major cards.",
			maxTokens: 3,
			overLimit: true,
			want:      []passage{{"", "**Q:** Can I pay by card?\n**A:** Yes, all major cards."}},
		},
		{
			name:      "small Q/A pairs packed together",
			body:      "Q: Gift wrap?\n\nA: Yes.\n\nQ：发票？\n\nA：可以。\n\nQ: Cash?\n\nA: No.",
			maxTokens: 11,
			want: []passage{
				{"", "Q: Gift wrap?\n\nA: Yes.\n\nQ：发票？\n\nA：可以。"},
				{"", "Q: Cash?\n\nA: No."},
			},
		},
		{
			name:      "table kept whole when it fits",
			body:      "Prices:\n\n" + table,
			maxTokens: 100,
			want:      []passage{{"", "Prices:\n\n" + table}},
		},
		{
			name:      "table header repeated in each piece",
			body:      table,
			maxTokens: 6,
			want: []passage{
				{"", "| Plan | Price |\n| --- | --- |\n| Basic | 10 |\n| Plus | 20 |"},
				{"", "| Plan | Price |\n| --- | --- |\n| Pro | 30 |\n| Max | 40 |"},
			},
		},
		{
			name:      "chinese table header repeated in each piece",
			body:      "## 支付\n\n| 方式 | 时间 |\n| --- | --- |\n| 支付宝 | 即时 |\n| 银行 | 两天 |",
			maxTokens: 9,
			want: []passage{
				{"支付", "| 方式 | 时间 |\n| --- | --- |\n| 支付宝 | 即时 |"},
				{"支付", "| 方式 | 时间 |\n| --- | --- |\n| 银行 | 两天 |"},
			},
		},
		{
			name:      "code fence is not read as heading or table",
			body:      "```\n# not a heading\n\n| not | a table |\n```",
			maxTokens: 100,
			want:      []passage{{"", "```\n# not a heading\n\n| not | a table |\n```"}},
		},
		{
			name:      "empty body yields the title",
			title:     "How do I reset my password?",
			body:      "  \n",
			maxTokens: 100,
			want:      []passage{{"", "How do I reset my password?"}},
		},
		{
			name:      "chinese empty body yields the title",
			title:     "怎么修改密码？",
			maxTokens: 2,
			want:      []passage{{"", "怎么修改密码？"}},
			overLimit: true,
		},
		{
			name:      "body of headings only yields the title",
			title:     "Contact",
			body:      "## Phone\n\n## Email",
			maxTokens: 100,
			want:      []passage{{"", "Contact"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &kb.Article{ID: "shop/a", Title: tt.title, Body: tt.body}
			got := Split(a, tt.maxTokens)
			checkChunks(t, a.ID, got, tt.want)
			if tt.overLimit || tt.maxTokens < 1 {
				return
			}
			for _, c := range got {
				if n := Tokens(c.Text); n > tt.maxTokens {
					t.Errorf("chunk %d has %d tokens, want at most %d: %q", c.Ord, n, tt.maxTokens, c.Text)
				}
			}
		})
	}
}

func checkChunks(t *testing.T, articleID string, got []kb.Chunk, want []passage) {
	t.Helper()
	var gotPassages []passage
	for i, c := range got {
		gotPassages = append(gotPassages, passage{c.Heading, c.Text})
		if wantID := articleID + "#" + strconv.Itoa(i); c.ID != wantID || c.Ord != i || c.ArticleID != articleID {
			t.Errorf("chunk %d: ID %q, Ord %d, ArticleID %q; want %q, %d, %q", i, c.ID, c.Ord, c.ArticleID, wantID, i, articleID)
		}
	}
	if !reflect.DeepEqual(gotPassages, want) {
		t.Errorf("passages:\ngot  %q\nwant %q", gotPassages, want)
	}
}

// TestSplitParsed checks that structure survives parsing: headings written
// by the Markdown and HTML parsers become heading paths.
func TestSplitParsed(t *testing.T) {
	tests := []struct {
		file string
		want []passage
	}{
		{"refund-zh.md", []passage{
			{"", "商品签收后七天内可以申请无理由退货。"},
			{"退款时间", "退款会在三到五个工作日内原路退回。"},
		}},
		{"warranty.html", []passage{
			{"", "Every device has a two-year warranty."},
			{"What is covered", "- Battery faults\n- Screen defects – not cracks\n\nWrite to support@example.com."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			arts, err := Parse(tt.file, readTestdata(t, tt.file), "shop")
			if err != nil {
				t.Fatal(err)
			}
			checkChunks(t, arts[0].ID, Split(arts[0], 50), tt.want)
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"punctuation only", "—, . ！", 0},
		{"english words", "Hello, world!", 2},
		{"hyphenated word is two runs", "e-mail", 2},
		{"han characters one each", "退货政策", 4},
		{"mixed", "iPhone 15 退货", 4},
		{"han next to latin", "VIP会员", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.text); got != tt.want {
				t.Errorf("Tokens(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}
