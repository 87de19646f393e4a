package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"buurtloket/requests"
)

// Dialect is SQLite's: times as Unix milliseconds, no row locks (the one
// writer runs writes one after the other), and a list of IDs as a JSON
// array, so that the statement is one text whatever its length.
func (db *DB) Dialect() *requests.Dialect { return &dialect }

var dialect = requests.Dialect{
	Time:       func(t time.Time) any { return t.UnixMilli() },
	ScanTime:   func(t *time.Time) any { return millis{t} },
	Lock:       "",
	SkipLocked: func(string) string { return "" },
	Month:      func(c string) string { return "strftime('%Y-%m', " + c + " / 1000, 'unixepoch')" },
	InIDs:      func(c string, n int) string { return c + " IN (SELECT value FROM json_each($" + strconv.Itoa(n) + "))" },
	IDs: func(ids []int64) any {
		b := []byte{'['}
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		return string(append(b, ']'))
	},
}

// millis scans a time stored as Unix milliseconds; NULL is the zero time.
type millis struct{ t *time.Time }

func (m millis) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("a time stored as %T, not as Unix milliseconds", src)
	}
	return nil
}

// Read is the read-only connections.
func (db *DB) Read() requests.Querier { return querier{db.read} }

// Write runs fn in a write of the one writer (writer.go).
func (db *DB) Write(ctx context.Context, fn func(tx requests.Querier) error) error {
	return db.do(ctx, func(tx *writeTx) error { return fn(querier{tx}) })
}

// Exec runs one statement as a write of its own.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.do(ctx, func(tx *writeTx) error {
		var err error
		n, err = querier{tx}.Exec(ctx, query, args...)
		return err
	})
	return n, err
}

// conn is what the read pool and a write's transaction share.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type querier struct{ c conn }

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) Query(ctx context.Context, query string, args ...any) (requests.Rows, error) {
	rows, err := q.c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) requests.Row {
	return q.c.QueryRowContext(ctx, query, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

var _ requests.DB = (*DB)(nil)
