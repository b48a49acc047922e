package ingest

import "unicode"

// zhOneIn sets the bar for Chinese: at least one letter in five (20%) is a
// Han character. The bar is low because Chinese support text is full of
// Latin product names and English terms ("iPhone 15 退货", "VIP会员的
// coupon"), while English text almost never contains Han at all.
const zhOneIn = 5

// DetectLang returns "zh" for Chinese text and "en" for everything else,
// including empty text.
//
// Baton serves exactly two languages, and they are written in different
// scripts, so counting Han characters among the letters is enough to tell
// them apart; a statistical language model would add weight and
// unpredictability without changing the answer. Japanese kana and other
// scripts fall through to "en", the default analyser.
func DetectLang(text string) string {
	letters, han := 0, 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	if letters > 0 && han*zhOneIn >= letters {
		return "zh"
	}
	return "en"
}
