package escalate

import (
	"regexp"
	"strings"
)

// Sensitive topics: subjects a person must handle whatever the bot knows.
const (
	TopicPrivacy        = "privacy"
	TopicSecurity       = "security"
	TopicPaymentDispute = "payment_dispute"
	TopicLegal          = "legal"
	TopicComplaint      = "complaint"
)

// topicRules are deliberately about the customer's own case, not the
// subject in general: "what data do you collect?" is answerable from the
// privacy policy; "delete my data" or "my data was leaked" is not.
var topicRules = []struct {
	topic string
	en    *regexp.Regexp
	zh    []string
}{
	{TopicSecurity,
		regexp.MustCompile(`(?i)\b(hacked|compromised|stolen account|account (was|has been|got) (stolen|taken over)|someone (logged|logging) in|unauthori[sz]ed (access|login|charge|transaction|purchase)s?|identity theft|phishing)\b`),
		[]string{"被盗", "盗号", "盗刷", "被黑", "异地登录", "不是我本人操作", "账号被人登录", "钓鱼"}},
	{TopicPaymentDispute,
		regexp.MustCompile(`(?i)\b(charged (twice|two times|double)|double[- ]charged|chargeback|dispute (a|the|this) (charge|payment|transaction)|fraudulent (charge|transaction)|didn'?t (make|authori[sz]e) (this|that|the) (payment|charge|purchase))\b`),
		[]string{"重复扣款", "扣了两次", "多扣", "乱扣费", "扣款异常", "拒付", "不是我买的"}},
	{TopicPrivacy,
		regexp.MustCompile(`(?i)\b(delete (all )?my (personal )?(data|information|info)|erase my data|my (personal )?(data|information) (was|has been|got) (leaked|sold|shared)|data (breach|leak)|gdpr (request|access)|right to be forgotten)\b`),
		[]string{"删除我的个人信息", "删除我的数据", "信息泄露", "泄露了我的", "隐私泄露", "个人信息被", "注销并删除"}},
	{TopicLegal,
		regexp.MustCompile(`(?i)\b(lawyer|attorney|sue|suing|lawsuit|legal action|take (you|this) to court|small claims|consumer protection (agency|bureau)|report you to)\b`),
		[]string{"律师", "起诉", "法院", "诉讼", "消协", "12315", "工商局", "法律途径", "报警"}},
	{TopicComplaint,
		regexp.MustCompile(`(?i)\b(file|make|lodge|raise) a (formal )?complaint|\bi want to complain\b|\bcomplain(ing)? about (your|the) (service|staff|agent)`),
		[]string{"我要投诉", "投诉你们", "要投诉", "投诉电话", "差评投诉"}},
}

// Topics lists every sensitive topic a policy may name.
func Topics() []string {
	return []string{TopicPrivacy, TopicSecurity, TopicPaymentDispute, TopicLegal, TopicComplaint}
}

// Topic returns the sensitive topic a message is about, or "".
func Topic(text string) string {
	compact := strings.ReplaceAll(text, " ", "")
	for _, r := range topicRules {
		if r.en.MatchString(text) {
			return r.topic
		}
		for _, k := range r.zh {
			if strings.Contains(compact, k) {
				return r.topic
			}
		}
	}
	return ""
}
