package retrieval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batonhq/baton/kb"
)

// ClassifierStore keeps trained classifiers across restarts and, when
// several nodes share it, across nodes: each is kept under its collection
// and the fingerprint of the items it was trained on (a collection's
// vectors, whatever their order), so a node loads only one trained on
// exactly the items it has. ClassifierDir keeps a node's own in a
// directory; the PostgreSQL store keeps them in the database for every
// node.
type ClassifierStore interface {
	// Classifier returns the classifier saved for collection and
	// trained on the items of fingerprint, or kb.ErrNotFound.
	Classifier(ctx context.Context, collection, fingerprint string) ([]byte, error)
	// SaveClassifier saves data as collection's classifier for
	// fingerprint.
	SaveClassifier(ctx context.Context, collection, fingerprint string, data []byte) error
	// WithClassifierLock runs fn holding the right to train collection's
	// classifier for fingerprint, waiting while another holder has it,
	// so that of the nodes sharing the store that need one classifier,
	// one trains it and the others, in their turn, find it saved.
	WithClassifierLock(ctx context.Context, collection, fingerprint string, fn func() error) error
}

// fingerprintKey spells a fingerprint for a ClassifierStore.
func fingerprintKey(fp [4]uint64) string {
	var b [32]byte
	for i, x := range fp {
		binary.LittleEndian.PutUint64(b[i*8:], x)
	}
	return hex.EncodeToString(b[:])
}

// savedClassifier is a classifier as saved (gob).
type savedClassifier struct {
	Fingerprint [4]uint64
	IDs         []string
	Dim         int
	W           []float32
}

// encode returns x as saved.
func (x *classifier) encode() ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(savedClassifier{x.fp, x.ids, x.dim, x.w}); err != nil {
		return nil, fmt.Errorf("encode classifier: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeClassifier reads a saved classifier; it returns nil when it was
// trained on other items than fp's.
func decodeClassifier(data []byte, fp [4]uint64) (*classifier, error) {
	var s savedClassifier
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode classifier: %w", err)
	}
	if s.Fingerprint != fp || len(s.W) != len(s.IDs)*(s.Dim+1) {
		return nil, nil
	}
	return &classifier{fp: s.Fingerprint, ids: s.IDs, dim: s.Dim, w: s.W}, nil
}

// ClassifierDir is a ClassifierStore in a directory: a file per
// collection holding its latest classifier. It is one node's, so its lock
// has nobody to exclude.
type ClassifierDir string

// path is where collection c's classifier is kept.
func (d ClassifierDir) path(c string) string {
	sum := sha256.Sum256([]byte(c))
	return filepath.Join(string(d), hex.EncodeToString(sum[:8])+".cls")
}

// Classifier reads collection c's file and returns it if it holds a
// classifier for fingerprint.
func (d ClassifierDir) Classifier(ctx context.Context, c, fingerprint string) ([]byte, error) {
	data, err := os.ReadFile(d.path(c))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("classifier of %s: %w", c, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load classifier of %s: %w", c, err)
	}
	var s savedClassifier
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return nil, fmt.Errorf("load classifier of %s: %w", c, err)
	}
	if fingerprintKey(s.Fingerprint) != fingerprint {
		return nil, fmt.Errorf("classifier of %s for %s: %w", c, fingerprint, kb.ErrNotFound)
	}
	return data, nil
}

// SaveClassifier writes collection c's file, atomically; the fingerprint
// is in data.
func (d ClassifierDir) SaveClassifier(ctx context.Context, c, fingerprint string, data []byte) error {
	if err := os.MkdirAll(string(d), 0o755); err != nil {
		return fmt.Errorf("save classifier: %w", err)
	}
	f, err := os.CreateTemp(string(d), "cls-*")
	if err != nil {
		return fmt.Errorf("save classifier: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, a no-op
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), d.path(c))
	}
	if err != nil {
		return fmt.Errorf("save classifier of %s: %w", c, err)
	}
	return nil
}

// WithClassifierLock runs fn: the directory has no other node.
func (d ClassifierDir) WithClassifierLock(ctx context.Context, c, fingerprint string, fn func() error) error {
	return fn()
}
