package evaluate

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/retrieval/onnx"
)

// The sentiment file is both the training and the development set, so the
// figures worth reporting are out-of-fold ones, with fixed folds.
const (
	SentimentFolds     = 5
	SentimentSeed      = 20240917
	SentimentThreshold = 0.5 // negative when P(negative) is at least this
)

// Ridge penalties tried, on standardised features. The embedding variant
// keeps the lexicon variant's penalty on the lexicon features and tries
// stronger ones on the embedding dimensions: 512 weak, correlated
// features fitted as loosely as 20 meaningful ones learn the dev sets'
// domains (airline tweets, reviews) rather than the customer's mood. The
// strongest penalty that costs no language more than SentimentL2Slack of
// its best cross-validated F1 ships: on a dev set this size, smaller
// differences are noise, and a smoother model travels better.
var (
	sentimentL2Lexicon   = []float64{1, 10, 100}
	sentimentL2Embedding = []float64{300, 1000, 3000}
)

// SentimentL2Slack is the F1 a stronger penalty may cost a language and
// still be chosen.
const SentimentL2Slack = 0.005

// SentimentPenalty is the L2 penalty on the lexicon features and on the
// embedding dimensions (unused by the lexicon variant).
type SentimentPenalty struct{ Lex, Emb float64 }

func (p SentimentPenalty) String() string {
	if p.Emb == 0 {
		return fmt.Sprintf("l2=%g", p.Lex)
	}
	return fmt.Sprintf("l2=%g, embedding l2=%g", p.Lex, p.Emb)
}

// SentimentRow is one line of sentiment.jsonl.
type SentimentRow struct {
	Text  string `json:"text"`
	Lang  string `json:"lang"`
	Label string `json:"label"`
	Split string `json:"split"`
}

// Negative is the binary target: what should count toward a hand-off.
func (r SentimentRow) Negative() bool { return r.Label == "negative" }

// SentimentPRF are the figures of the negative class in one language.
type SentimentPRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	N         int     `json:"n"`
}

// SentimentReport is what `baton eval --task sentiment --json` prints.
type SentimentReport struct {
	N         int           `json:"n"`
	EN        *SentimentPRF `json:"en,omitempty"`
	ZH        *SentimentPRF `json:"zh,omitempty"`
	Threshold float64       `json:"threshold"`
	Model     string        `json:"model"`
	Note      string        `json:"note,omitempty"`
	// CV repeats the shipped model's cross-validated figures when these
	// are in-sample.
	CV []string `json:"cv,omitempty"`
}

// EvalSentiment scores every row with s, as the bot does, and reports
// precision, recall and F1 of the negative class per language at
// SentimentThreshold. sum is the rows' file's sha256 (ReadSentimentRows):
// the figures are in-sample when shipped was fitted on that file, and the
// report then repeats its cross-validated ones.
func EvalSentiment(ctx context.Context, s *escalate.Sentiment, shipped *escalate.SentimentModel, rows []SentimentRow, sum string) (SentimentReport, error) {
	probs := make([]float64, len(rows))
	err := parallel(len(rows), func(i int) error {
		p, _, err := s.Negative(ctx, rows[i].Text)
		if err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		probs[i] = p
		return nil
	})
	if err != nil {
		return SentimentReport{}, fmt.Errorf("eval sentiment: %w", err)
	}
	rep := SentimentReport{N: len(rows), Threshold: SentimentThreshold, Model: s.Variant()}
	rep.EN, rep.ZH = sentimentScores(rows, probs)
	switch {
	case sum == shipped.TrainSHA256:
		rep.Note = "in-sample: the shipped model was fitted on this file; cv holds its cross-validated figures"
		rep.CV = shipped.CV
	case allDev(rows):
		rep.Note = "rows of a development set (split dev), which the shipped model may have been fitted on: treat as in-sample; cv holds its cross-validated figures"
		rep.CV = shipped.CV
	}
	return rep, nil
}

// SentimentTrial is one penalty's cross-validated figures per language
// ("en", "zh"; nil for a language without rows).
type SentimentTrial struct {
	Penalty SentimentPenalty
	Scores  map[string]*SentimentPRF
}

// SentimentVariant is how one variant of the model (lexicon only, or with
// the embedding) chose its penalty: every trial, weakest penalty first,
// and the one chosen.
type SentimentVariant struct {
	Name   string
	Trials []SentimentTrial
	Chosen int
}

// FitSentiment fits the lexicon-only variant and, with emb, the embedding
// variant on rows, each with the penalty chosen by 5-fold
// cross-validation, and returns the model (its file's figures recorded)
// with the trials. sum and file name the training file in the model.
func FitSentiment(ctx context.Context, emb escalate.Embedder, rows []SentimentRow, sum, file string) (*escalate.SentimentModel, []SentimentVariant, error) {
	lex := make([][]float64, len(rows))
	ys := make([]bool, len(rows))
	for i, r := range rows {
		lex[i], _ = escalate.SentimentFeatures(r.Text)
		ys[i] = r.Negative()
	}
	var full [][]float64 // lexicon features then the embedding
	if emb != nil {
		full = make([][]float64, len(rows))
		err := parallel(len(rows), func(i int) error {
			v, err := emb.Embed(ctx, []string{rows[i].Text})
			if err != nil {
				return fmt.Errorf("row %d: %w", i+1, err)
			}
			full[i] = escalate.SentimentVector(lex[i], v[0])
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("calibrate sentiment: %w", err)
		}
	}
	fold := sentimentFoldsOf(rows)
	m := &escalate.SentimentModel{Features: escalate.SentimentFeatureNames, TrainSHA256: sum}
	var grid []SentimentPenalty
	for _, l2 := range sentimentL2Lexicon {
		grid = append(grid, SentimentPenalty{Lex: l2})
	}
	var variants []SentimentVariant
	v, cv, err := chooseSentimentPenalty("lexicon", lex, rows, fold, grid)
	if err != nil {
		return nil, nil, err
	}
	variants = append(variants, v)
	pen := grid[v.Chosen]
	fit, err := fitSentimentLR(lex, ys, pen)
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate sentiment lexicon: %w", err)
	}
	m.Lexicon, m.CV = *fit, cv
	if full != nil {
		name := "lexicon+" + onnx.ModelName
		grid = grid[:0]
		for _, l2 := range sentimentL2Embedding {
			grid = append(grid, SentimentPenalty{Lex: pen.Lex, Emb: l2})
		}
		v, cv, err := chooseSentimentPenalty(name, full, rows, fold, grid)
		if err != nil {
			return nil, nil, err
		}
		variants = append(variants, v)
		if m.Embedding, err = fitSentimentLR(full, ys, grid[v.Chosen]); err != nil {
			return nil, nil, fmt.Errorf("calibrate sentiment %s: %w", name, err)
		}
		m.EmbeddingModel, m.Dims, m.CV = onnx.ModelName, onnx.Dims, append(m.CV, cv...)
	}
	m.FittedOn = fmt.Sprintf("baton calibrate --task sentiment on %s (%d rows; target label == negative); cv: %d-fold stratified by language and label, seed %d",
		filepath.Base(file), len(rows), SentimentFolds, SentimentSeed)
	// The file must load in the build that wrote it.
	b, err := json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("calibrate sentiment: %w", err)
	}
	if _, err := escalate.ParseSentimentModel(b); err != nil {
		return nil, nil, fmt.Errorf("calibrate sentiment: %w", err)
	}
	return m, variants, nil
}

// sentimentFoldsOf assigns rows to folds, shuffled with a fixed seed within
// each language and label so every fold mirrors the whole file.
func sentimentFoldsOf(rows []SentimentRow) []int {
	rng := rand.New(rand.NewPCG(SentimentSeed, 0))
	groups := map[string][]int{}
	var keys []string
	for i, r := range rows {
		k := fmt.Sprintf("%s/%v", r.Lang, r.Negative())
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	fold := make([]int, len(rows))
	for _, k := range keys {
		idx := groups[k]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for n, i := range idx {
			fold[i] = n % SentimentFolds
		}
	}
	return fold
}

// chooseSentimentPenalty cross-validates each penalty of grid (weakest
// first) and chooses the strongest within SentimentL2Slack F1 of the best
// in each language; it returns the trials and the chosen penalty's
// figures as the model file records them.
func chooseSentimentPenalty(name string, xs [][]float64, rows []SentimentRow, fold []int, grid []SentimentPenalty) (SentimentVariant, []string, error) {
	ys := make([]bool, len(rows))
	for i, r := range rows {
		ys[i] = r.Negative()
	}
	v := SentimentVariant{Name: name}
	top := map[string]float64{}
	for _, pen := range grid {
		probs, err := crossValidateSentiment(xs, ys, fold, pen)
		if err != nil {
			return v, nil, fmt.Errorf("calibrate sentiment %s: %w", name, err)
		}
		en, zh := sentimentScores(rows, probs)
		trial := SentimentTrial{Penalty: pen, Scores: map[string]*SentimentPRF{"en": en, "zh": zh}}
		v.Trials = append(v.Trials, trial)
		for lang, s := range trial.Scores {
			if s != nil {
				top[lang] = max(top[lang], s.F1)
			}
		}
	}
	for k, trial := range v.Trials {
		ok := true
		for lang, s := range trial.Scores {
			ok = ok && (s == nil || s.F1 >= top[lang]-SentimentL2Slack)
		}
		if ok {
			v.Chosen = k
		}
	}
	var lines []string
	for _, lang := range []string{"en", "zh"} {
		if s := v.Trials[v.Chosen].Scores[lang]; s != nil {
			lines = append(lines, fmt.Sprintf("%s %s (%s): precision %.3f recall %.3f f1 %.3f (n=%d)",
				name, lang, grid[v.Chosen], s.Precision, s.Recall, s.F1, s.N))
		}
	}
	return v, lines, nil
}

// crossValidateSentiment returns each row's probability from the model
// fitted on the other folds. Folds are fitted side by side: with the
// embedding dimensions one fit takes tens of seconds.
func crossValidateSentiment(xs [][]float64, ys []bool, fold []int, pen SentimentPenalty) ([]float64, error) {
	probs := make([]float64, len(xs))
	err := parallel(SentimentFolds, func(f int) error {
		var trX [][]float64
		var trY []bool
		for i := range xs {
			if fold[i] != f {
				trX, trY = append(trX, xs[i]), append(trY, ys[i])
			}
		}
		m, err := fitSentimentLR(trX, trY, pen)
		if err != nil {
			return fmt.Errorf("fold %d: %w", f+1, err)
		}
		for i := range xs {
			if fold[i] == f {
				probs[i] = m.Prob(xs[i])
			}
		}
		return nil
	})
	return probs, err
}

// fitSentimentLR fits on standardised features, then folds the scaling
// back into weights over the raw features. The embedding dimensions
// (those after the lexicon features) are shrunk by sqrt(Lex/Emb) before
// the fit, which is the same as penalising them by pen.Emb instead of
// pen.Lex: answer.Fit knows one penalty only.
func fitSentimentLR(xs [][]float64, ys []bool, pen SentimentPenalty) (*escalate.SentimentRegression, error) {
	d, k := len(xs[0]), len(escalate.SentimentFeatureNames)
	mean, sd := make([]float64, d), make([]float64, d)
	for _, x := range xs {
		for j, v := range x {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(len(xs))
	}
	for _, x := range xs {
		for j, v := range x {
			sd[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(len(xs)))
		if sd[j] < 1e-9 {
			sd[j] = 1
		}
		if j >= k && pen.Emb > 0 {
			sd[j] /= math.Sqrt(pen.Lex / pen.Emb)
		}
	}
	zs := make([][]float64, len(xs))
	for i, x := range xs {
		zs[i] = make([]float64, d)
		for j, v := range x {
			zs[i][j] = (v - mean[j]) / sd[j]
		}
	}
	fit, err := answer.Fit(zs, ys, nil, pen.Lex)
	if err != nil {
		return nil, err
	}
	m := &escalate.SentimentRegression{Weights: make([]float64, d), Bias: fit.Bias}
	for j, w := range fit.Weights {
		m.Weights[j] = w / sd[j]
		m.Bias -= w * mean[j] / sd[j]
	}
	// Five decimals keep the model file readable and change no
	// probability by more than about 1e-4.
	for j, w := range m.Weights {
		m.Weights[j] = math.Round(w*1e5) / 1e5
	}
	m.Bias = math.Round(m.Bias*1e5) / 1e5
	return m, nil
}

// sentimentScores returns the figures of the negative class per language.
func sentimentScores(rows []SentimentRow, probs []float64) (en, zh *SentimentPRF) {
	type counts struct{ tp, fp, fn, n int }
	c := map[string]*counts{}
	for i, r := range rows {
		k := c[r.Lang]
		if k == nil {
			k = &counts{}
			c[r.Lang] = k
		}
		k.n++
		pred := probs[i] >= SentimentThreshold
		switch {
		case pred && r.Negative():
			k.tp++
		case pred:
			k.fp++
		case r.Negative():
			k.fn++
		}
	}
	prf := func(k *counts) *SentimentPRF {
		if k == nil {
			return nil
		}
		s := &SentimentPRF{N: k.n}
		if k.tp+k.fp > 0 {
			s.Precision = round3(float64(k.tp) / float64(k.tp+k.fp))
		}
		if k.tp+k.fn > 0 {
			s.Recall = round3(float64(k.tp) / float64(k.tp+k.fn))
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = round3(2 * s.Precision * s.Recall / (s.Precision + s.Recall))
		}
		return s
	}
	return prf(c["en"]), prf(c["zh"])
}

// ReadSentimentRows reads a sentiment.jsonl file and returns its rows and
// its sha256, by which an evaluation recognises the training file.
func ReadSentimentRows(file string) ([]SentimentRow, string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("read sentiment rows: %w", err)
	}
	h := sha256.Sum256(b)
	var rows []SentimentRow
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r SentimentRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, "", fmt.Errorf("read sentiment rows: %s:%d: %w", file, line, err)
		}
		if r.Lang != "en" && r.Lang != "zh" {
			return nil, "", fmt.Errorf("read sentiment rows: %s:%d: lang %q, want en or zh", file, line, r.Lang)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("read sentiment rows: %w", err)
	}
	if len(rows) == 0 {
		return nil, "", fmt.Errorf("read sentiment rows: %s holds no rows", file)
	}
	return rows, hex.EncodeToString(h[:]), nil
}

func allDev(rows []SentimentRow) bool {
	for _, r := range rows {
		if r.Split != "dev" {
			return false
		}
	}
	return true
}

// parallel runs do(0..n-1) on one worker per CPU (the local model
// runs one text on one thread) and returns the first error.
func parallel(n int, do func(i int) error) error {
	workers := min(runtime.NumCPU(), 8)
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	return err
}
