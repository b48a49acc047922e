package fromsqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pgvector/pgvector-go"

	"github.com/batonhq/baton/kb/sqlite"
)

// converters turn a non-NULL value as SQLite returns it (int64, float64,
// string, []byte) into one pgx writes as the PostgreSQL type, by its
// udt_name; nil means none (an empty time or document), NULL in
// PostgreSQL. A type not here is an error before anything is copied.
var converters = map[string]func(v any) (any, error){
	"text":        toText,
	"varchar":     toText,
	"int2":        toInt,
	"int4":        toInt,
	"int8":        toInt,
	"float4":      toFloat,
	"float8":      toFloat,
	"bool":        toBool,
	"timestamptz": toTime,
	"json":        toJSON,
	"jsonb":       toJSON,
	"_text":       toTextArray,
	"bytea":       toBytes,
	"vector":      toVector,
}

// convert converts v for column c; a NULL, or none, in a NOT NULL column
// is an error.
func convert(c column, v any) (any, error) {
	var out any
	if v != nil {
		var err error
		if out, err = converters[c.udt](v); err != nil {
			return nil, err
		}
	}
	if out == nil && !c.nullable {
		return nil, fmt.Errorf("%#v: no value for a NOT NULL %s", v, c.udt)
	}
	return out, nil
}

func toText(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return nil, fmt.Errorf("%#v is not text", v)
}

func toBytes(v any) (any, error) {
	switch v := v.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%#v is not bytes", v)
}

func toInt(v any) (any, error) {
	if n, ok := v.(int64); ok {
		return n, nil
	}
	return nil, fmt.Errorf("%#v is not an integer", v)
}

func toFloat(v any) (any, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	}
	return nil, fmt.Errorf("%#v is not a number", v)
}

// toBool reads SQLite's 0 and 1.
func toBool(v any) (any, error) {
	switch v {
	case int64(0):
		return false, nil
	case int64(1):
		return true, nil
	}
	return nil, fmt.Errorf("%#v is not 0 or 1", v)
}

// toTime reads the store's two ways of keeping times: RFC 3339 text (its
// timeFormat) and Unix nanoseconds (the outbox and job leases, where 0 is
// none).
func toTime(v any) (any, error) {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time", v)
		}
		return t, nil
	case int64:
		if v == 0 {
			return nil, nil
		}
		return time.Unix(0, v).UTC(), nil
	}
	return nil, fmt.Errorf("%#v is not a time", v)
}

// toJSON passes a JSON document on as it is; empty text is none.
func toJSON(v any) (any, error) {
	b, err := toBytes(v)
	if err != nil {
		return nil, err
	}
	doc := b.([]byte)
	if len(doc) == 0 {
		return nil, nil
	}
	if !json.Valid(doc) {
		return nil, fmt.Errorf("%.40q is not JSON", doc)
	}
	return json.RawMessage(doc), nil
}

// toTextArray reads a JSON array of strings (SQLite keeps lists as JSON);
// JSON null, as a nil slice is encoded, is the empty list.
func toTextArray(v any) (any, error) {
	b, err := toBytes(v)
	if err != nil {
		return nil, err
	}
	var list []string
	if err := json.Unmarshal(b.([]byte), &list); err != nil {
		return nil, fmt.Errorf("%.40q is not a JSON list of strings", b)
	}
	if list == nil {
		list = []string{}
	}
	return list, nil
}

// toVector decodes the vector blob kb/sqlite writes.
func toVector(v any) (any, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("%#v is not a vector blob", v)
	}
	vec, err := sqlite.DecodeVector(b)
	if err != nil {
		return nil, err
	}
	return pgvector.NewVector(vec), nil
}
