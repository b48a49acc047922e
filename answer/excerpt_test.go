package answer

import (
	"regexp"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

// words is a stand-in for the keyword analyser: lower-case words, a few
// stop words dropped, a plural "s" folded.
func words(s string) []string {
	stop := map[string]bool{"how": true, "do": true, "i": true, "the": true, "a": true, "my": true, "is": true, "of": true, "to": true, "we": true, "it": true, "you": true, "on": true}
	var out []string
	for _, w := range regexp.MustCompile(`[\p{L}\p{N}]+`).FindAllString(strings.ToLower(s), -1) {
		if !stop[w] {
			out = append(out, strings.TrimSuffix(w, "s"))
		}
	}
	return out
}

const refundsBody = `Refunds always go back to the payment method you used for the order. Gift card and balance portions go back to your balance.

**Returned items:** once the warehouse receives your parcel we inspect it within **2 business days** and then issue the refund. Cancelled orders that had not shipped are refunded immediately after cancellation.

After we issue the refund, the time until you see it depends on the payment method:

| Payment method | Time to arrive |
|---|---|
| Gift card | Instantly |
| Alipay, WeChat Pay | 1-3 business days |
| Visa, Mastercard cards | 3-7 business days (some banks take up to 15) |

When the refund is issued, the order shows **Refund completed** and you receive an SMS. If you paid by card and the money is not in your account after 15 business days, ask us in chat for the refund reference number, then give it to your bank so they can trace it.

The original shipping fee is refunded only when the whole order is returned because of our mistake (defective, damaged or wrong item).`

func TestExcerpt(t *testing.T) {
	a := &kb.Article{ID: "shop/refund timing", Title: "When will I get my refund?", Lang: "en"}

	// A long article: the opening rule, then the table the question is
	// about with the sentence that announces it, and a link to the rest.
	got := excerpt(refundsBody, "how many days until a Visa card refund arrives?", a, words)
	for _, want := range []string{"Refunds always go back", "depends on the payment method:", "| Visa, Mastercard cards |",
		"Read the whole article: [When will I get my refund?](/articles/shop/refund%20timing)"} {
		if !strings.Contains(got, want) {
			t.Errorf("excerpt lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "original shipping fee") || strings.Contains(got, "Returned items") {
		t.Errorf("excerpt keeps blocks that do not answer:\n%s", got)
	}

	// Another question, another block of the same passage.
	got = excerpt(refundsBody, "is the shipping fee refunded?", a, words)
	if !strings.Contains(got, "original shipping fee is refunded") || strings.Contains(got, "| Gift card |") {
		t.Errorf("shipping-fee question:\n%s", got)
	}

	// Short passages are the answer as they are.
	short := "Returns are free within 15 days.\n\nBring the receipt."
	if got := excerpt(short, "are returns free?", a, words); got != short {
		t.Errorf("short passage changed: %q", got)
	}

	// Chinese: the link is in the article's language; a title's brackets
	// cannot break the link.
	zh := &kb.Article{ID: "shop/tuikuan", Title: "退款[说明]", Lang: "zh"}
	long := strings.Repeat("退款会原路退回到您的支付账户。", 3) + "\n\n" + strings.Repeat("银行卡退款需要三到七个工作日。", 4) + "\n\n" + strings.Repeat("运费只在我们出错时退还。", 3)
	got = excerpt(long, "运费退吗", zh, func(s string) []string { return strings.Split(s, "") })
	if !strings.HasSuffix(got, `查看全文：[退款\[说明\]](/articles/shop/tuikuan)`) {
		t.Errorf("zh excerpt link:\n%s", got)
	}
}

func TestSplitBlocksKeepsFences(t *testing.T) {
	got := splitBlocks("Run this:\n\n```\nstep one\n\nstep two\n```\n\nDone.")
	if len(got) != 3 || !strings.Contains(got[1], "step one\n\nstep two") {
		t.Errorf("blocks %q: want the fenced code as one block", got)
	}
}
