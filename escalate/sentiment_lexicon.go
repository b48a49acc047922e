package escalate

import (
	"slices"
	"strings"
	"sync"
)

// sentKind is what a lexicon entry says about the customer.
type sentKind int

const (
	sentNeg       sentKind = iota // a negative word
	sentStrong                    // a strongly negative word: insult, swearing, "worst"
	sentPos                       // a positive word; negated, it counts as negative
	sentNegPos                    // a negated positive written as one word (不满意)
	sentNegator                   // flips the sentiment word after it
	sentIntens                    // strengthens the sentiment word after it
	sentUrgent                    // the customer needs it now; weighed as a complaint
	sentComplaint                 // a service complaint: waiting, nobody answered. Routine requests
	// (a return, a refund, "how long", "where is my order", a forgotten
	// password) are not complaints in a support chat, whatever reviews say.
	sentWhy     // a reproachful question
	sentAgain   // the problem came back
	sentMild    // a hedge before a fault: 有点, "a bit"
	sentPolite  // courtesy, which angry customers drop
	sentNeutral // says nothing, though it starts like an entry that does: 你好, 差不多
	sentNegEmoji
	sentPosEmoji
)

// sentimentLexicon is written by hand from general usage in customer
// service, in English and Chinese, not from any evaluation set. Entries are
// comma-separated; a final * matches any ending ("disappoint*"). Longer
// entries win, so 不好意思 (sorry) is polite, not "not good".
var sentimentLexicon = []struct {
	kind  sentKind
	words string
}{
	{sentStrong, `worst, terrible, terribly, horrible, horrendous, awful, atrocious, appalling, abysmal, dreadful, disgusting, pathetic,
		useless, unacceptable, ridiculous, outrageous, furious, livid, pissed, hate, hated, hates, sucks, sucked, suck, crap, crappy,
		shit, shitty, bullshit, fuck*, wtf, damn, scam, scammed, rip off, ripoff, liar, liars, incompetent, disgrace*, shameful,
		nightmare, worthless, rubbish, garbage, trash, lousy, screwed, infuriat*, thanks for nothing, a joke, fed up, sick of,
		垃圾, 恶心, 差劲, 极差, 最差, 烂透, 坑爹, 骗子, 无良, 黑心, 奸商, 缺德, 无耻, 混蛋, 妈的, 他妈, 卧槽, 气死, 气人, 忍无可忍,
		受够了, 过分, 离谱, 欺人太甚, 滚, 傻逼, 狗屎, 破玩意, 什么玩意, 糟透, 后悔死`},
	{sentNeg, `bad, worse, poor, poorly, disappoint*, frustrat*, annoy*, angry, mad, upset, unhappy, sad, miserable, rude, unhelpful,
		unprofessional, unfriendly, broken, broke, damaged, defective, faulty, wrong, error, errors, fail*, lost, missing, stuck,
		stranded, delay*, late, cancel*, problem, problems, issue, issues, trouble, slow, waste, wasted, wasting, misleading,
		worried, worry, worrying, anxious, nervous, scared, afraid, confused, confusing, unfair, overcharged, overpriced,
		dirty, stale, inedible, tasteless, bland, leak*, ruin*, hopeless, regret*, mediocre, meh, ugh, smh, argh, sigh, tired,
		shame, shocking, shocked, disaster, chaos, mess, messed, hassle, inconvenien*, uncomfortable, impossible, lie, lied, lies,
		lying, ignor*, excuse, excuses, fault, blame, refus*, denied, unfortunately, sadly, dissatisfied, unsatisfied, cheated,
		unable, spilled, spilt, lose, losing, loses,
		差, 不行, 没用, 难吃, 难喝, 难看, 难闻, 难用, 难受, 失望, 生气, 愤怒, 无语, 郁闷, 烦, 烦人, 讨厌, 糟糕, 坑, 坑人, 骗, 骗人,
		欺骗, 假货, 冒牌, 山寨, 劣质, 破损, 破了, 坏, 损坏, 烂, 脏, 臭, 馊, 变质, 过期, 发霉, 异味, 慢, 凉了, 冷了, 冰凉, 没味,
		太淡, 咸, 油腻, 太贵, 贵了, 后悔, 可惜, 遗憾, 麻烦, 担心, 焦虑, 害怕, 崩溃, 无奈, 受不了, 伤心, 难过, 委屈, 心塞, 闹心,
		窝火, 恼火, 不爽, 不满, 不耐烦, 瑕疵, 毛病, 故障, 错误, 错了, 搞错, 弄错, 一般, 凑合, 将就, 呵呵, 少了, 太少, 量少, 缺少,
		粗糙, 敷衍, 冷淡, 傲慢, 粗鲁, 浪费, 白买, 上当, 受骗, 吐槽, 抱怨, 无法, 不如, 卡顿, 很卡, 洒了, 撒了, 漏了, 拿错, 做错,
		给错`},
	{sentPos, `good, great, excellent, amazing, awesome, love, loved, loving, lovely, nice, perfect, best, fantastic, wonderful, happy,
		glad, pleased, satisfied, helpful, friendly, quick, fast, easy, smooth, recommend*, appreciat*, kudos, impressed,
		impressive, brilliant, beautiful, enjoy*, comfortable, fine, ok, okay, cool, works, worked, resolved, sweet, superb,
		outstanding, pleasant, polite, professional, reliable, efficient, delicious, tasty, fresh, fun, favorite, favourite, worth,
		thrilled, excited, exciting, grateful, thankful, incredible, fabulous, gorgeous, yay, well done, good job, great job,
		on time, clean, safe, stellar, proud, acceptable, no problem, no worries, can't wait, cannot wait, cant wait,
		好, 好吃, 好喝, 好用, 好看, 好听, 好玩, 好评, 不错, 满意, 满足, 喜欢, 喜爱, 推荐, 赞, 点赞, 棒, 完美, 优秀, 给力, 很快, 挺快,
		快速, 迅速, 神速, 及时, 准时, 新鲜, 美味, 可口, 实惠, 便宜, 划算, 值, 值得, 超值, 物美价廉, 漂亮, 舒服, 舒适, 方便, 干净,
		热情, 周到, 耐心, 负责, 专业, 贴心, 放心, 开心, 高兴, 愉快, 快乐, 惊喜, 清晰, 流畅, 稳定, 靠谱, 可靠, 还行, 挺好, 有用,
		有效, 解决了, 好香, 很香, 入味, 正品, 正宗, 精致, 满分, 五星, 回购, 会再来, 一如既往, 没问题, 没毛病, 优惠, 爱了, 完好,
		实用, 结实, 感动, 合适, 合身, 厚道, 友好, 良好, 美好, 哈哈`},
	{sentNegPos, `不满意`},
	{sentNegator, `not, no, never, none, nothing, neither, nor, without, hardly, barely, cannot, can't, cant, don't, dont, doesn't,
		doesnt, didn't, didnt, isn't, isnt, wasn't, wasnt, aren't, arent, weren't, werent, won't, wont, wouldn't, wouldnt,
		shouldn't, couldn't, couldnt, haven't, havent, hasn't, hasnt, hadn't, ain't, aint,
		不, 没, 没有, 别, 无, 未, 毫无, 并不, 并没有, 从不, 从没, 从来没有, 绝不, 一点也不, 一点都不, 不太, 不是很, 不怎么, 不够,
		不算, 不大, 没那么`},
	{sentIntens, `very, so, really, too, extremely, absolutely, totally, completely, super, incredibly, truly, highly, utterly, such,
		way too, freaking, beyond,
		太, 非常, 特别, 很, 超, 超级, 极, 极其, 十分, 真, 真的, 真是, 相当, 巨, 贼, 简直, 实在, 太过, 最, 那么, 这么, 如此, 越来越`},
	{sentUrgent, `asap, urgent, urgently, immediately, right now, right away, emergency, hurry, as soon as possible,
		time sensitive, desperate, desperately,
		马上, 赶紧, 赶快, 尽快, 立刻, 立即, 急, 着急, 急死, 急用, 急需, 紧急, 快点, 快一点, 快些, 火速, 十万火急, 等不及, 在线等,
		催, 抓紧, 速回`},
	{sentComplaint, `still waiting, still haven't, still hasn't, still not, still no, still don't, been waiting, on hold, no one answered,
		nobody answered, no one answers, no answer, no response, no reply, no call back, never called back, never heard back,
		never received, never arrived, never got, never showed, haven't received, not received, didn't receive, hasn't arrived,
		demand a refund, charged twice,
		double charged, wrong order, wrong item, wrong size, never again, speak to a manager, talk to a manager, supervisor,
		complain, complained, complaining, complaint, report you, hung up, hang up, lost my, lost luggage, missed my,
		missed connection, cancelled my, canceled my, what's going on, what is going on, how much longer, no help,
		no one, nobody, waited, compensat*, apolog*, switch to, switching to, take my business,
		go elsewhere, won't be back, never be back, never use, never fly, never order, never buy, lost a customer,
		find another, find a new,
		退款还没到, 还没到, 还没收到, 还没有到, 还没发货, 没收到, 未收到, 没到, 没送到, 没送, 还没送, 等了好久, 等了半天,
		等了很久, 好久了, 等了, 半天了, 一个多小时, 两个小时, 两个多小时, 几个小时, 超时, 迟到, 晚到, 送错, 发错, 错发, 漏发,
		少发, 少送, 漏送, 没人接, 无人接听, 没人理, 不理人, 没人回, 没人管, 不回复, 不回消息, 不处理, 推卸, 踢皮球, 投诉, 差评,
		赔偿, 索赔, 再也不, 不会再, 以后不, 最后一次, 被坑, 被骗, 拉黑, 打不通,
		联系不上, 用不了, 退不了, 没反应, 质量问题, 出问题, 出了问题, 没法用, 不能用, 还要等, 到底, 怎么还, 说好的,
		忘带, 少一, 少给, 才到, 才送到, 才来, 才收到, 才发货, 太久, 很久, 好久, 那么久, 这么久, 太长, 换一家, 换别家,
		卸载, 别买, 慎买`},
	{sentWhy, `why, how come, what the hell, are you kidding, kidding me, seriously,
		为什么, 凭什么, 怎么回事, 什么情况, 搞什么, 干什么吃的, 什么意思, 有没有搞错, 怎么搞的, 怎么会, 难道`},
	{sentAgain, `again, once again, yet again, every time, each time, second time, third time, keeps, keep happening, still,
		又, 再次, 又一次, 每次都, 总是, 老是, 第二次, 第三次, 三番五次, 反复, 仍然, 依然, 还在`},
	{sentMild, `a bit, a little, slightly, somewhat, kind of, 有点, 有点儿, 有些, 有一点, 稍微, 略, 略微, 稍`},
	{sentPolite, `please, pls, plz, thanks, thank, thank you, thx, hi, hello, hey, kindly, could you, would you, good morning,
		good afternoon, good evening, excuse me, sorry to bother, cheers, regards, welcome,
		请, 请问, 麻烦您, 麻烦你, 麻烦帮, 谢谢, 感谢, 多谢, 您好, 你好, 您, 辛苦了, 辛苦, 不好意思, 打扰, 劳驾, 没关系, 不客气`},
	{sentNeutral, `not only, no doubt, never mind, not sure, what kind,
		好的, 好像, 好多, 好几, 只好, 正好, 刚好, 好在, 好友, 好处, 爱好, 最好, 好不好, 好了, 好吗, 好奇, 还好, 好心, 好些,
		差不多, 出差, 差价, 相差, 差距, 差点, 别人, 别的, 区别, 分别, 级别, 类别, 告别, 没事, 没错, 没想到, 没多久, 没什么,
		不用, 不然, 不仅, 不少, 不止, 不知道, 不一定, 不得不, 不要, 不同, 不管, 要不, 无论, 无线, 无糖, 未来, 超市, 超过, 最后,
		最近, 真人, 香港, 香菜, 快递, 凉拌, 灿烂, 靠近, 依靠, 问题, 还在吗, 少一点, 少一些`},
	{sentNegEmoji, `😡, 😠, 🤬, 😤, 😞, 😔, 😢, 😭, 😩, 😫, 🙄, 👎, 💔, 😒, 😣, 😖, 😑, 😕, 😟, 😥, 😰, 😱`},
	{sentPosEmoji, `😊, 🙂, 😀, 😃, 😄, 😁, 😍, 🥰, ❤, 👍, 😘, 💕, 💙, ✨, 🎉, 👏, 💯, ☺, 😎, 🙌`},
}

// Emoticons are matched in the raw text: the tokenizer splits them.
var (
	sentNegEmoticons = []string{":(", ":-(", ":'(", ":/", ":-/", "-_-", "=(", ":|"}
	sentPosEmoticons = []string{":)", ":-)", ":D", ";)", "=)", "<3"}
)

type sentEntry struct {
	toks   []string
	kind   sentKind
	prefix bool // a one-word entry that matches any word it begins
}

type sentIndex struct {
	byFirst  map[string][]sentEntry // longest first
	prefixes []sentEntry            // one-word entries ending in *
}

// sentimentIndex is built on first use, from the same tokenizer the texts go
// through, so entries and texts are split alike.
var sentimentIndex = sync.OnceValue(func() *sentIndex {
	ix := &sentIndex{byFirst: map[string][]sentEntry{}}
	for _, group := range sentimentLexicon {
		for _, w := range strings.Split(group.words, ",") {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			prefix := strings.HasSuffix(w, "*")
			var toks []string
			for _, t := range sentTokenize(strings.TrimSuffix(w, "*")) {
				toks = append(toks, t.text)
			}
			e := sentEntry{toks: toks, kind: group.kind, prefix: prefix}
			if prefix && len(toks) == 1 {
				ix.prefixes = append(ix.prefixes, e)
				continue
			}
			ix.byFirst[toks[0]] = append(ix.byFirst[toks[0]], e)
		}
	}
	for _, es := range ix.byFirst {
		slices.SortStableFunc(es, func(a, b sentEntry) int { return len(b.toks) - len(a.toks) })
	}
	return ix
})

// sentMatch returns the longest lexicon entry starting at toks[i] and the index
// just after it, or nil.
func sentMatch(toks []sentToken, i int) (*sentEntry, int) {
	if i >= len(toks) || toks[i].kind == sentBreak {
		return nil, i
	}
	ix := sentimentIndex()
	for _, e := range ix.byFirst[toks[i].text] {
		if i+len(e.toks) > len(toks) {
			continue
		}
		ok := true
		for k, w := range e.toks {
			if toks[i+k].text != w || toks[i+k].kind == sentBreak {
				ok = false
				break
			}
		}
		if ok {
			return &e, i + len(e.toks)
		}
	}
	if toks[i].kind == sentWord {
		for _, e := range ix.prefixes {
			if strings.HasPrefix(toks[i].text, e.toks[0]) {
				return &e, i + 1
			}
		}
	}
	return nil, i
}
