// Package postgres is what PostgreSQL (pgx) adds to the request store
// (package requests), for deployments that outgrow one machine: several
// buurtloket processes can share one database, because nothing that must
// be shared is kept in memory. It owns the connection pool and its
// settings (every acknowledged write is committed synchronously;
// PostgreSQL flushes concurrent commits together), the schema and its
// migrations under an advisory lock, and its dialect: row locks (FOR
// UPDATE, SKIP LOCKED), timestamptz and arrays.
package postgres

import (
	"context"
	"embed"
	"fmt"

	"buurtloket"
	"buurtloket/requests"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a PostgreSQL database as the request store uses it (requests.DB).
type DB struct {
	pool *pgxpool.Pool

	notices     chan string   // for the sender (notify.go)
	closing     chan struct{} // closed by Close
	noticesDone chan struct{} // closed when the sender has stopped
}

// Open connects to the database at url (postgres://…) and brings its
// schema up to date. Several processes may open the same database: the
// migrations take an advisory lock.
func Open(ctx context.Context, url string, sealer *buurtloket.Sealer) (*requests.Store, error) {
	db, err := openUntil(ctx, url, "")
	if err != nil {
		return nil, err
	}
	return requests.New(db, sealer), nil
}

// openUntil opens the database with the migrations up to until (a file
// name such as "005_pin_lock.sql"; "" for all), so that a test can make a
// database as an older buurtloket left it.
func openUntil(ctx context.Context, url, until string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "the PostgreSQL address cannot be read: %v", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	// A receipt promises the request is on disk, whatever the server's
	// default: every connection commits synchronously.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{pool: pool, notices: make(chan string, 4096), closing: make(chan struct{}), noticesDone: make(chan struct{})}
	if err := db.migrate(ctx, until); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrating: %w", err)
	}
	go db.sendNotices()
	return db, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Close sends the notices still queued and closes the connections.
func (db *DB) Close() error {
	select {
	case <-db.closing:
		return nil
	default:
	}
	close(db.closing)
	<-db.noticesDone
	db.pool.Close()
	return nil
}

// migrate applies the migrations up to until in one transaction.
func (db *DB) migrate(ctx context.Context, until string) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// One process migrates at a time; the others wait, then find it done.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7243001)`); err != nil {
			return err
		}
		return requests.Migrate(ctx, querier{tx}, migrations, until)
	})
}
