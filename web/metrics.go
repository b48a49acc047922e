package web

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// metrics are what /metrics exposes to Prometheus: each server has its
// own registry, so tests can run many servers in one process.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.HistogramVec
	turns     *prometheus.CounterVec
	handoffs  *prometheus.CounterVec
	fallbacks *prometheus.CounterVec
	feedback  *prometheus.CounterVec
}

func newMetrics(desk *escalate.Desk) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "baton_http_request_duration_seconds", Help: "HTTP requests by route, method and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "code"}),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_turns_total", Help: "Customer turns by collection and the band of the bot's reply (with_person: a person has the conversation).",
		}, []string{"collection", "band"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_handoffs_total", Help: "Hand-offs by collection and reason code (a hand-off with two reasons counts under both).",
		}, []string{"collection", "reason"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_llm_fallbacks_total", Help: "Generated answers not shown, by why.",
		}, []string{"reason"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_feedback_total", Help: "Customers' thumbs on answers.",
		}, []string{"value"}),
	}
	queue := prometheus.NewDesc("baton_handoff_queue", "Open hand-offs by collection and status.", []string{"collection", "status"}, nil)
	m.reg.MustRegister(m.requests, m.turns, m.handoffs, m.fallbacks, m.feedback,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queueCollector{desk: desk, desc: queue})
	return m
}

// queueCollector reads the queue from the store at each scrape.
type queueCollector struct {
	desk *escalate.Desk
	desc *prometheus.Desc
}

func (q queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

func (q queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs, err := q.desk.Queue(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(q.desc, err)
		return
	}
	counts := map[[2]string]int{}
	for _, h := range hs {
		counts[[2]string{h.Collection, h.Status}]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

// observe times every request under its route pattern, never its raw
// path, so ids do not explode the label set.
func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
}

// turn counts one customer turn and what it led to.
func (m *metrics) turn(conv *kb.Conversation, res *answer.TurnResult) {
	band := res.Reply.Band
	if res.WithPerson {
		band = "with_person"
	}
	m.turns.WithLabelValues(conv.Collection, band).Inc()
	if res.Handoff != nil {
		for _, r := range res.Handoff.Reasons {
			m.handoffs.WithLabelValues(conv.Collection, r).Inc()
		}
	}
	if res.Reply.Fallback != "" {
		m.fallbacks.WithLabelValues(res.Reply.Fallback).Inc()
	}
}

func (m *metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}
