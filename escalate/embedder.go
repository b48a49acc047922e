package escalate

import "context"

// Embedder turns texts into unit vectors, one per text, in order. The
// triggers that use one (rephrase, sentiment) take it as optional: without
// it they fall back to lexical features. retrieval/onnx.Embedder is the
// implementation their shipped coefficients were fitted with.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
