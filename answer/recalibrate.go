package answer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sync"
	"time"

	"github.com/batonhq/baton/kb"
)

// Recalibration adapts the confidence model to one collection:
// p' = sigmoid(A·logit(p) + B), fitted on that collection's labelled
// questions (agents' verdicts on hand-offs, customers' thumbs). One pooled
// model cannot be calibrated on every knowledge base at once; two numbers
// per collection can, from about a hundred labels (see the README).
type Recalibration struct {
	A        float64   `json:"a"`
	B        float64   `json:"b"`
	N        int       `json:"n"`       // labelled questions it was fitted on
	Correct  int       `json:"correct"` // of which the bot's first article was right
	FittedAt time.Time `json:"fitted_at"`
	// InScopeA and InScopeB do the same for the in-scope estimate, fitted
	// on the InScopeN labels that say whether the question was in scope
	// (InScopeIn of them were); InScopeN 0 leaves it as the model gives it.
	InScopeA  float64 `json:"in_scope_a,omitempty"`
	InScopeB  float64 `json:"in_scope_b,omitempty"`
	InScopeN  int     `json:"in_scope_n,omitempty"`
	InScopeIn int     `json:"in_scope_in,omitempty"`
}

// Apply returns the recalibrated probability for p.
func (r Recalibration) Apply(p float64) float64 {
	return sigmoid(r.A*logit(p) + r.B)
}

// ApplyInScope returns the recalibrated in-scope probability for p.
func (r Recalibration) ApplyInScope(p float64) float64 {
	if r.InScopeN == 0 {
		return p
	}
	return sigmoid(r.InScopeA*logit(p) + r.InScopeB)
}

// logit is the inverse of sigmoid, with p kept off 0 and 1.
func logit(p float64) float64 {
	p = math.Min(math.Max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

// recalibrationPull is the L2 penalty pulling A and B toward the identity
// (1, 0): with few labels the built-in confidence moves little.
const recalibrationPull = 1.0

// minRecalibrationSlope is the least A a fit may reach.
const minRecalibrationSlope = 0.05

// FitRecalibration fits A and B to the built-in confidences conf of
// labelled questions and whether their first article was right, by
// Newton's method with an L2 pull toward the identity.
func FitRecalibration(conf []float64, right []bool) (Recalibration, error) {
	if len(conf) == 0 || len(conf) != len(right) {
		return Recalibration{}, fmt.Errorf("recalibrate: need as many labels as confidences, got %d and %d", len(right), len(conf))
	}
	r := Recalibration{A: 1, N: len(conf)}
	xs := make([]float64, len(conf))
	for i, p := range conf {
		xs[i] = logit(p)
		if right[i] {
			r.Correct++
		}
	}
	// loss is the penalised negative log-likelihood Newton's steps must
	// lower: a full step overshoots when the labels all disagree with
	// confident scores, so steps are halved until it falls.
	loss := func(a, b float64) float64 {
		l := recalibrationPull / 2 * ((a-1)*(a-1) + b*b)
		for i, x := range xs {
			z := a*x + b
			if !right[i] {
				z = -z
			}
			l += math.Log1p(math.Exp(-z))
		}
		return l
	}
	cur := loss(r.A, r.B)
	for range 100 {
		ga, gb := recalibrationPull*(r.A-1), recalibrationPull*r.B
		haa, hab, hbb := recalibrationPull, 0.0, recalibrationPull
		for i, x := range xs {
			p := sigmoid(r.A*x + r.B)
			g := p
			if right[i] {
				g--
			}
			w := p * (1 - p)
			ga += g * x
			gb += g
			haa += w * x * x
			hab += w * x
			hbb += w
		}
		det := haa*hbb - hab*hab
		if det <= 0 {
			return Recalibration{}, errors.New("recalibrate: singular fit")
		}
		da, db := (hbb*ga-hab*gb)/det, (haa*gb-hab*ga)/det
		a, b := r.A, r.B
		for step := 1.0; step > 1e-6; step /= 2 {
			// A stays positive: a higher score never means a lower
			// confidence, whatever a few labels say.
			na, nb := math.Max(r.A-step*da, minRecalibrationSlope), r.B-step*db
			if next := loss(na, nb); next <= cur {
				a, b, cur = na, nb, next
				break
			}
		}
		moved := math.Abs(a-r.A) + math.Abs(b-r.B)
		r.A, r.B = a, b
		if moved < 1e-9 {
			break
		}
	}
	return r, nil
}

// Recalibrations holds the recalibration in force for each collection. It
// is safe for concurrent use; the zero value holds none.
type Recalibrations struct {
	mu sync.RWMutex
	m  map[string]Recalibration
}

// Get returns the collection's recalibration, if it has one.
func (rs *Recalibrations) Get(collection string) (Recalibration, bool) {
	if rs == nil {
		return Recalibration{}, false
	}
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	r, ok := rs.m[collection]
	return r, ok
}

// All returns a copy of every collection's recalibration (none for nil).
func (rs *Recalibrations) All() map[string]Recalibration {
	if rs == nil {
		return map[string]Recalibration{}
	}
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	out := make(map[string]Recalibration, len(rs.m))
	for k, v := range rs.m {
		out[k] = v
	}
	return out
}

// Set replaces every recalibration with m.
func (rs *Recalibrations) Set(m map[string]Recalibration) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.m = m
}

// LoadRecalibrations reads the recalibrations saved at path; a missing
// file holds none.
func LoadRecalibrations(path string) (*Recalibrations, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Recalibrations{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load recalibrations: %w", err)
	}
	rs, err := DecodeRecalibrations(b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return rs, nil
}

// DecodeRecalibrations reads recalibrations as Encode writes them, from a
// file or from the database that nodes share.
func DecodeRecalibrations(b []byte) (*Recalibrations, error) {
	var m map[string]Recalibration
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("load recalibrations: %w", err)
	}
	return &Recalibrations{m: m}, nil
}

// Encode returns the recalibrations as JSON, one object keyed by
// collection.
func (rs *Recalibrations) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(rs.All(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode recalibrations: %w", err)
	}
	return append(b, '\n'), nil
}

// Save writes the recalibrations to path, atomically.
func (rs *Recalibrations) Save(path string) error {
	b, err := rs.Encode()
	if err != nil {
		return err
	}
	if err := kb.WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("save recalibrations: %w", err)
	}
	return nil
}
