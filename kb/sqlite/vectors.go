package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/batonhq/baton/kb"
)

// PutVectors replaces an article's vectors for a model.
func (d *DB) PutVectors(ctx context.Context, articleID, model, hash string, vs []kb.Vector) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM vectors WHERE article_id = ? AND model = ?`, articleID, model); err != nil {
		return fmt.Errorf("replace vectors of %s: %w", articleID, err)
	}
	for i, v := range vs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vectors (article_id, model, ord, chunk_id, hash, vec) VALUES (?, ?, ?, ?, ?, ?)`,
			articleID, model, i, v.ChunkID, hash, encodeVec(v.Vec)); err != nil {
			return fmt.Errorf("store vector of %s: %w", articleID, err)
		}
	}
	return tx.Commit()
}

// Vectors streams the current vectors of a model.
func (d *DB) Vectors(ctx context.Context, model string, fn func(collection string, v kb.Vector) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT a.collection, v.article_id, v.chunk_id, v.vec FROM vectors v
		JOIN articles a ON a.id = v.article_id AND a.hash = v.hash
		WHERE v.model = ? ORDER BY v.article_id, v.ord`, model)
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var coll string
		var v kb.Vector
		var blob []byte
		if err := rows.Scan(&coll, &v.ArticleID, &v.ChunkID, &blob); err != nil {
			return err
		}
		if v.Vec, err = decodeVec(blob); err != nil {
			return fmt.Errorf("vector of %s: %w", v.ArticleID, err)
		}
		if err := fn(coll, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ArticlesMissingVectors lists articles without vectors of the model for
// their current content.
func (d *DB) ArticlesMissingVectors(ctx context.Context, model string) ([]string, error) {
	ids, err := d.queryIDs(ctx, `SELECT a.id FROM articles a WHERE NOT EXISTS
		(SELECT 1 FROM vectors v WHERE v.article_id = a.id AND v.model = ? AND v.hash = a.hash) ORDER BY a.id`, model)
	if err != nil {
		return nil, fmt.Errorf("articles missing vectors: %w", err)
	}
	return ids, nil
}

func encodeVec(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVec(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("blob of %d bytes is not float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
