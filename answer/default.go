package answer

import (
	_ "embed"
	"encoding/json"
)

// defaultModel holds coefficients fitted by `baton calibrate` on the
// development evaluation sets (see README, "Confidence").
//
//go:embed model_default.json
var defaultModel []byte

// DefaultModel returns the built-in confidence model.
func DefaultModel() *Model {
	var m Model
	if err := json.Unmarshal(defaultModel, &m); err != nil || len(m.Weights) != len(Names) {
		panic("answer: built-in model_default.json is broken") // caught by tests
	}
	return &m
}
