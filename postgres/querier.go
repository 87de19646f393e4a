package postgres

import (
	"context"
	"strconv"
	"time"

	"buurtloket/requests"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Dialect is PostgreSQL's: timestamptz, rows locked until the write
// commits (several processes write at once), and a list of IDs as an array.
func (db *DB) Dialect() *requests.Dialect { return &dialect }

var dialect = requests.Dialect{
	Time:       func(t time.Time) any { return t },
	ScanTime:   func(t *time.Time) any { return timestamptz{t} },
	Lock:       " FOR UPDATE",
	SkipLocked: func(alias string) string { return " FOR UPDATE OF " + alias + " SKIP LOCKED" },
	Month:      func(c string) string { return "to_char(" + c + " AT TIME ZONE 'UTC', 'YYYY-MM')" },
	InIDs:      func(c string, n int) string { return c + " = ANY($" + strconv.Itoa(n) + ")" },
	IDs:        func(ids []int64) any { return ids },
}

// timestamptz scans a timestamptz in pgx's own way (no boxing through
// database/sql values); NULL is the zero time.
type timestamptz struct{ t *time.Time }

func (d timestamptz) ScanTimestamptz(v pgtype.Timestamptz) error {
	*d.t = time.Time{}
	if v.Valid {
		*d.t = v.Time.UTC()
	}
	return nil
}

// Read is the pool: each statement on a connection of its own.
func (db *DB) Read() requests.Querier { return querier{db.pool} }

// Write runs fn in one transaction.
func (db *DB) Write(ctx context.Context, fn func(tx requests.Querier) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return fn(querier{tx}) })
}

// Exec runs one statement in a transaction of its own (autocommit: one
// round trip, not three).
func (db *DB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return querier{db.pool}.Exec(ctx, query, args...)
}

// conn is what the pool and a transaction share.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type querier struct{ c conn }

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.c.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (q querier) Query(ctx context.Context, query string, args ...any) (requests.Rows, error) {
	rows, err := q.c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) requests.Row {
	return q.c.QueryRow(ctx, query, args...)
}

var _ requests.DB = (*DB)(nil)
