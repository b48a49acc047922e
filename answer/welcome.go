package answer

import (
	"context"
	"slices"
	"time"

	"github.com/batonhq/baton/kb"
)

// Welcome is what the chat page shows before the customer asks anything.
type Welcome struct {
	Collection string   `json:"collection"`
	Lang       string   `json:"lang"`
	Greeting   string   `json:"greeting"`
	Starters   []string `json:"starters"`
}

// welcomeStarters is how many starter questions the page offers, and
// welcomeWindow how far back "most answered" looks.
const (
	welcomeStarters = 4
	welcomeWindow   = 30 * 24 * time.Hour
)

var defaultGreeting = map[string]string{
	"en": "Hi! Ask me anything about our products and policies. I answer from our help articles, and a person is one click away.",
	"zh": "您好！有什么可以帮您？我会根据帮助文章回答，也可以随时转人工。",
}

// Welcome returns a collection's greeting and starter questions in lang:
// the ones its policy configures, or else the questions of the articles
// the bot answered with most over the last 30 days, topped up with the
// collection's other articles in that language. Articles that always go
// to a person are never offered.
func (b *Bot) Welcome(ctx context.Context, collection, lang string) (*Welcome, error) {
	if lang != "zh" {
		lang = "en"
	}
	p := b.Policies().For(collection)
	w := &Welcome{Collection: collection, Lang: lang, Greeting: p.Welcome.Greeting[lang], Starters: p.Welcome.Starters[lang]}
	if w.Greeting == "" {
		w.Greeting = defaultGreeting[lang]
	}
	if len(w.Starters) > 0 {
		return w, nil
	}
	w.Starters = []string{}
	var seen []string
	add := func(a *kb.Article) {
		if a.Lang != lang || a.AlwaysHandoff || slices.Contains(seen, a.ID) || len(w.Starters) >= welcomeStarters {
			return
		}
		seen = append(seen, a.ID)
		w.Starters = append(w.Starters, starterQuestion(a))
	}
	top, err := b.Store.MostAnswered(ctx, collection, time.Now().Add(-welcomeWindow), 4*welcomeStarters)
	if err != nil {
		return nil, err
	}
	for _, ac := range top {
		if a, err := b.Store.Article(ctx, ac.ArticleID); err == nil {
			add(a)
		}
	}
	if len(w.Starters) < welcomeStarters {
		all, err := b.Store.Articles(ctx, collection)
		if err != nil {
			return nil, err
		}
		for _, a := range all {
			add(a)
		}
	}
	return w, nil
}

// starterQuestion is how a customer would ask for an article: its first
// similar question, else its title.
func starterQuestion(a *kb.Article) string {
	if len(a.Questions) > 0 && a.Questions[0] != "" {
		return a.Questions[0]
	}
	return a.Title
}
