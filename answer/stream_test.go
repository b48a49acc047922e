package answer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// streamScript is how the scripted server streams one reply.
type streamScript struct {
	status  int           // non-200 fails the request
	chunks  []string      // content pieces, one event each
	gap     time.Duration // pause before each chunk
	finish  bool          // send a finish_reason and [DONE]
	garbage bool          // send a malformed event after the chunks
}

// streamServer speaks the streaming chat-completions protocol as scripted.
func streamServer(t testing.TB, sc streamScript) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sc.status != 0 && sc.status != 200 {
			http.Error(w, `{"error":{"message":"boom"}}`, sc.status)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		flush := func() { w.(http.Flusher).Flush() }
		event := func(content, finish string) {
			fr := "null"
			if finish != "" {
				fr = fmt.Sprintf("%q", finish)
			}
			fmt.Fprintf(w, "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%q},\"finish_reason\":%s}]}\n\n", content, fr)
			flush()
		}
		for _, c := range sc.chunks {
			select {
			case <-time.After(sc.gap):
			case <-r.Context().Done():
				return
			}
			event(c, "")
		}
		if sc.garbage {
			fmt.Fprint(w, "data: {\"choices\": [oops\n\n")
			flush()
		}
		if sc.finish {
			event("", "stop")
			fmt.Fprint(w, "data: [DONE]\n\n")
			flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestStream(t *testing.T) {
	split := func(s string) []string { return strings.SplitAfter(s, " ") }
	tests := []struct {
		name       string
		sc         streamScript
		timeout    time.Duration
		wantErr    error
		wantCited  []string
		wantShown  string // what onDelta heard, in order
		wantHidden bool   // nothing may have been shown
	}{
		{name: "cited answer streams", sc: streamScript{chunks: split("You can return items within 30 days [P1]."), finish: true},
			wantCited: []string{"returns"}, wantShown: "You can return items within 30 days [P1]."},
		{name: "uncited answer", sc: streamScript{chunks: split("Sure, returns are easy."), finish: true}, wantErr: ErrLLMUncited},
		{name: "hallucinated citation", sc: streamScript{chunks: split("See our policy [P7]."), finish: true}, wantErr: ErrLLMBadCite},
		{name: "refusal is never shown", sc: streamScript{chunks: []string{"NO", "_ANS", "WER"}, finish: true}, wantErr: ErrLLMDeclined, wantHidden: true},
		{name: "server error", sc: streamScript{status: 500}, wantErr: ErrLLMFailed, wantHidden: true},
		{name: "bad request", sc: streamScript{status: 400}, wantErr: ErrLLMFailed, wantHidden: true},
		{name: "truncated stream", sc: streamScript{chunks: split("Returns within 30 days [P1] and")}, wantErr: ErrLLMFailed},
		{name: "malformed stream", sc: streamScript{chunks: split("Returns [P1]"), garbage: true, finish: true}, wantErr: ErrLLMFailed},
		{name: "stalls past the timeout", sc: streamScript{chunks: []string{"Returns ", "within [P1]"}, gap: 400 * time.Millisecond, finish: true},
			timeout: 300 * time.Millisecond, wantErr: ErrLLMFailed, wantHidden: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := streamServer(t, tt.sc)
			g := NewGenerator(LLMConfig{BaseURL: srv.URL, Model: "m", Timeout: tt.timeout})
			var shown strings.Builder
			start := time.Now()
			text, cited, err := g.Stream(context.Background(), "en", "can I return it?", testPassages, func(d string) { shown.WriteString(d) })
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %v; a failing model must not hang the turn", elapsed)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantHidden && shown.Len() > 0 {
				t.Errorf("showed %q, want nothing", shown.String())
			}
			if tt.wantErr != nil {
				if text != "" || cited != nil {
					t.Errorf("failed stream returned %q %v", text, cited)
				}
				return
			}
			if shown.String() != tt.wantShown || text != tt.wantShown {
				t.Errorf("shown %q, returned %q; want %q", shown.String(), text, tt.wantShown)
			}
			if fmt.Sprint(cited) != fmt.Sprint(tt.wantCited) {
				t.Errorf("cited %v, want %v", cited, tt.wantCited)
			}
		})
	}
}

// BenchmarkStreamFirstToken measures what Baton adds before the customer
// sees the first piece of a generated answer, against a loopback server
// that streams at once: from the call to the first onDelta.
func BenchmarkStreamFirstToken(b *testing.B) {
	srv := streamServer(b, streamScript{chunks: strings.SplitAfter("You can return items within 30 days [P1].", " "), finish: true})
	g := NewGenerator(LLMConfig{BaseURL: srv.URL, Model: "m"})
	var first time.Duration
	for b.Loop() {
		start := time.Now()
		got := false
		if _, _, err := g.Stream(context.Background(), "en", "can I return it?", testPassages, func(string) {
			if !got {
				first += time.Since(start)
				got = true
			}
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(first.Microseconds())/float64(b.N)/1000, "ms/first-token")
}
