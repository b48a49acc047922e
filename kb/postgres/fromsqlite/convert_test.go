package fromsqlite

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/pgvector/pgvector-go"
)

func TestConvert(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 0, 0, 123456789, time.UTC)
	blob := []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0} // 1, -2 little-endian
	tests := []struct {
		name    string
		col     column
		in      any
		want    any
		wantErr bool
	}{
		{"RFC 3339 time", column{udt: "timestamptz"}, at.Format(time.RFC3339Nano), at, false},
		{"Unix nanoseconds", column{udt: "timestamptz"}, at.UnixNano(), at, false},
		{"no lease is NULL", column{udt: "timestamptz", nullable: true}, int64(0), nil, false},
		{"no time in a NOT NULL column", column{udt: "timestamptz"}, int64(0), nil, true},
		{"not a time", column{udt: "timestamptz"}, "yesterday", nil, true},
		{"0 is false", column{udt: "bool"}, int64(0), false, false},
		{"1 is true", column{udt: "bool"}, int64(1), true, false},
		{"2 is no boolean", column{udt: "bool"}, int64(2), nil, true},
		{"JSON document", column{udt: "jsonb"}, `{"a":1}`, json.RawMessage(`{"a":1}`), false},
		{"no customer context is NULL", column{udt: "jsonb", nullable: true}, "", nil, false},
		{"broken JSON", column{udt: "jsonb"}, `{"a":`, nil, true},
		{"JSON list", column{udt: "_text"}, `["a","b"]`, []string{"a", "b"}, false},
		{"JSON null is the empty list", column{udt: "_text"}, `null`, []string{}, false},
		{"vector blob", column{udt: "vector"}, blob, pgvector.NewVector([]float32{1, -2}), false},
		{"torn vector blob", column{udt: "vector"}, blob[:3], nil, true},
		{"integer into real", column{udt: "float8"}, int64(0), float64(0), false},
		{"NULL in a NOT NULL column", column{udt: "text"}, nil, nil, true},
		{"NULL where allowed", column{udt: "text", nullable: true}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convert(tt.col, tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("convert(%#v) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if tm, ok := got.(time.Time); ok && tm.Equal(tt.want.(time.Time)) {
				return
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("convert(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}
