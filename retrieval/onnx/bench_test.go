package onnx

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Reproduce the README figures with
//
//	go test -run XXX -bench . -benchtime 200x ./retrieval/onnx

// BenchmarkEmbedQuery embeds one short customer question per op, as a chat
// turn does.
func BenchmarkEmbedQuery(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			e := openModel(b, Options{Threads: threads})
			ctx := context.Background()
			query := []string{"How do I get my money back?"}
			for b.Loop() {
				if _, err := e.Embed(ctx, query); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		})
	}
}

// BenchmarkEmbedBatch embeds 32 passages of about 60 words per op, as
// ingestion does, and reports chunks per second.
func BenchmarkEmbedBatch(b *testing.B) {
	passages := benchPassages(32, 60)
	for _, threads := range []int{1, 2} {
		for _, batch := range []int{1, 32} {
			b.Run(fmt.Sprintf("threads=%d/batch=%d", threads, batch), func(b *testing.B) {
				e := openModel(b, Options{Threads: threads, BatchSize: batch})
				ctx := context.Background()
				for b.Loop() {
					if _, err := e.Embed(ctx, passages); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(passages)*b.N)/b.Elapsed().Seconds(), "chunks/s")
			})
		}
	}
}

// benchPassages makes n help-centre-like passages of words words each, half
// English, half Chinese (a Chinese "word" is a two-character term).
func benchPassages(n, words int) []string {
	en := strings.Fields(`to return a damaged item open your orders page choose the item
		and print the prepaid label then pack it securely and drop it at any post office
		within thirty days of delivery refunds go back to the original card once the
		warehouse has checked the parcel which usually takes three to five working days`)
	zh := []string{"退货", "退款", "订单", "包裹", "快递", "发票", "会员", "账户", "密码", "客服",
		"工作日", "原路", "退回", "申请", "提交", "审核", "物流", "签收", "优惠券", "积分"}
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for j := range words {
			if i%2 == 0 {
				sb.WriteString(en[(i*7+j)%len(en)])
				sb.WriteByte(' ')
			} else {
				sb.WriteString(zh[(i*3+j*7)%len(zh)])
			}
		}
		out[i] = sb.String()
	}
	return out
}

// BenchmarkEmbedConcurrent embeds 32 passages one text per run, from one
// goroutine (workers=1) or several at once on the same Embedder, as
// parallel ingestion does, and reports chunks per second. It answers
// whether one ONNX Runtime session runs concurrent Run calls in parallel.
func BenchmarkEmbedConcurrent(b *testing.B) {
	passages := benchPassages(32, 60)
	for _, threads := range []int{1, 2} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("threads=%d/workers=%d", threads, workers), func(b *testing.B) {
				e := openModel(b, Options{Threads: threads})
				ctx := context.Background()
				for b.Loop() {
					next := make(chan string)
					errs := make(chan error, workers)
					for range workers {
						go func() {
							var err error
							for p := range next {
								if err == nil {
									_, err = e.Embed(ctx, []string{p})
								}
							}
							errs <- err
						}()
					}
					for _, p := range passages {
						next <- p
					}
					close(next)
					for range workers {
						if err := <-errs; err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(len(passages)*b.N)/b.Elapsed().Seconds(), "chunks/s")
			})
		}
	}
}
