package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Query is one benchmark question: a similar question of a generated
// article, lightly perturbed, or an off-topic one (Gold empty) that the
// bot should hand off.
type Query struct {
	Text string
	Gold string
	Lang string
}

// OffTopicShare is the share of off-topic queries.
const OffTopicShare = 0.1

// Queries draws n distinct queries from arts, deterministically from seed.
// They are distinct so that no query embedding is served from a cache.
func Queries(arts []Article, n int, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	seen := map[string]bool{}
	var qs []Query
	for tries := 0; len(qs) < n && tries < 50*n+100; tries++ {
		var q Query
		if rng.Float64() < OffTopicShare {
			q = offTopic(rng)
		} else {
			a := arts[rng.IntN(len(arts))]
			text := a.Title
			if len(a.Questions) > 0 {
				text = a.Questions[rng.IntN(len(a.Questions))]
			}
			q = Query{Text: perturb(rng, text, a.Lang), Gold: a.ID, Lang: a.Lang}
		}
		if q.Text == "" || seen[q.Text] {
			continue
		}
		seen[q.Text] = true
		qs = append(qs, q)
	}
	return qs
}

var (
	enOpeners = []string{"", "hi, ", "hello, ", "quick question: ", "please help, ", "hey "}
	enClosers = []string{"", "?", " please", " thanks", "??", " asap"}
	zhOpeners = []string{"", "请问", "你好，", "问一下，", "麻烦问下"}
	zhClosers = []string{"", "？", "呢", "啊", "谢谢"}
)

// perturb changes text as a customer's retyping would: a word (or a
// Chinese character) dropped now and then, a greeting, a closing word.
func perturb(rng *rand.Rand, text, lang string) string {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(lang, "zh") {
		r := []rune(text)
		if len(r) > 6 && rng.IntN(3) == 0 {
			k := rng.IntN(len(r))
			r = append(r[:k:k], r[k+1:]...)
		}
		return zhOpeners[rng.IntN(len(zhOpeners))] + string(r) + zhClosers[rng.IntN(len(zhClosers))]
	}
	w := strings.Fields(strings.ToLower(text))
	if len(w) > 4 && rng.IntN(3) == 0 {
		k := rng.IntN(len(w))
		w = append(w[:k:k], w[k+1:]...)
	}
	return enOpeners[rng.IntN(len(enOpeners))] + strings.Join(w, " ") + enClosers[rng.IntN(len(enClosers))]
}

var (
	enOffTopic = []string{"what's the weather in %s tomorrow", "recommend a restaurant in %s", "how far is %s from the sea",
		"who won the football match in %s", "tell me a joke about %s", "what time is sunset in %s"}
	zhOffTopic = []string{"%s明天天气怎么样", "推荐一家%s的餐厅", "%s离海边有多远", "%s昨天的球赛谁赢了", "讲一个关于%s的笑话"}
	enPlaces   = []string{"Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Denver", "Perth", "Quito"}
	zhPlaces   = []string{"北京", "上海", "成都", "西安", "杭州", "广州", "重庆", "南京"}
)

// offTopic is a question no customer-service article answers.
func offTopic(rng *rand.Rand) Query {
	if rng.Float64() < ZhShare {
		t := fmt.Sprintf(zhOffTopic[rng.IntN(len(zhOffTopic))], zhPlaces[rng.IntN(len(zhPlaces))])
		return Query{Text: zhOpeners[rng.IntN(len(zhOpeners))] + t + zhClosers[rng.IntN(len(zhClosers))], Lang: "zh"}
	}
	t := fmt.Sprintf(enOffTopic[rng.IntN(len(enOffTopic))], enPlaces[rng.IntN(len(enPlaces))])
	return Query{Text: enOpeners[rng.IntN(len(enOpeners))] + t + enClosers[rng.IntN(len(enClosers))], Lang: "en"}
}
