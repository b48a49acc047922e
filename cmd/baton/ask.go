package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

func runAsk(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	question := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(question) == "" {
		return fmt.Errorf("ask: give a question, e.g. baton ask \"how do I return an item?\"")
	}
	app, err := OpenApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Searcher.TrainClassifiers(ctx, cfg.Collection); err != nil { // as a server would have it
		return err
	}
	conv, _, err := app.Bot.Start(ctx, cfg.Collection, "auto", nil)
	if err != nil {
		return err
	}
	res, err := app.Bot.Turn(ctx, conv, question)
	if err != nil {
		return err
	}
	r := res.Reply
	fmt.Fprintf(stdout, "%s\n\nconfidence: %.2f\nband: %s\n", r.Text, r.Confidence, r.Band)
	if len(r.Reasons) > 0 {
		fmt.Fprintf(stdout, "reasons: %s\n", strings.Join(r.Reasons, ", "))
	}
	for i, c := range r.Citations {
		fmt.Fprintf(stdout, "[%d] %s (%s) score %.4f\n", i+1, c.Title, c.ArticleID, c.Score)
	}
	return nil
}
