// Package postgres stores help requests and dialog sessions in PostgreSQL
// (pgx), for deployments that outgrow one machine: several buurtloket
// processes can share one database, because nothing that must be shared is
// kept in memory. Every acknowledged write is committed synchronously;
// PostgreSQL flushes concurrent commits together.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the PostgreSQL implementation of buurtloket.RequestStore.
type DB struct {
	pool   *pgxpool.Pool
	sealer *buurtloket.Sealer
	now    func() time.Time
}

// Open connects to the database at url (postgres://…) and brings its
// schema up to date. Several processes may open the same database: the
// migrations take an advisory lock.
func Open(ctx context.Context, url string, sealer *buurtloket.Sealer) (*DB, error) {
	return openUntil(ctx, url, sealer, "")
}

// openUntil opens the database with the migrations up to until (a file
// name such as "005_pin_lock.sql"; "" for all), so that a test can make a
// database as an older buurtloket left it.
func openUntil(ctx context.Context, url string, sealer *buurtloket.Sealer, until string) (*DB, error) {
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
	db := &DB{pool: pool, sealer: sealer}
	db.SetClock(time.Now)
	if err := db.migrate(ctx, until); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrating: %w", err)
	}
	return db, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// SetClock replaces the clock, for tests.
//
// Times are kept to the millisecond, as SQLite keeps them and
// docs/storage.md promises: timestamptz would keep microseconds, and the
// two databases would tell staff different times.
func (db *DB) SetClock(now func() time.Time) {
	db.now = func() time.Time { return now().UTC().Truncate(time.Millisecond) }
}

// Close closes the connections.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

func (db *DB) migrate(ctx context.Context, until string) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// One process migrates at a time; the others wait, then find it done.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7243001)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
			return err
		}
		names, _ := fs.Glob(migrations, "migrations/*.sql")
		sort.Strings(names)
		for _, name := range names {
			if until != "" && name > "migrations/"+until {
				break
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, name).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, _ := migrations.ReadFile(name)
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, name); err != nil {
				return err
			}
		}
		return nil
	})
}

// audit appends an entry to the audit trail, with a random ID and the
// next number in its request's order. Its time is what staff may see:
// for an anonymous request, the hour (buurtloket.EventTime).
func audit(ctx context.Context, tx pgx.Tx, requestID int64, actor, action, detail string, now time.Time) error {
	_, err := insertWithID(func(id int64) (pgconn.CommandTag, error) {
		if requestID == 0 {
			return tx.Exec(ctx, `INSERT INTO audit (id, request_id, seq, actor, action, detail, at) VALUES ($1, NULL, 0, $2, $3, $4, $5)
				ON CONFLICT (id) DO NOTHING`, id, actor, action, detail, buurtloket.EventTime(false, now))
		}
		return tx.Exec(ctx, `INSERT INTO audit (id, request_id, seq, actor, action, detail, at)
			SELECT $1, $2, `+nextSeq("audit", "$2")+`, $3, $4, $5,
				CASE WHEN EXISTS (SELECT 1 FROM requests WHERE id = $2 AND anonymous) THEN $6::timestamptz ELSE $7::timestamptz END
			ON CONFLICT (id) DO NOTHING`,
			id, requestID, actor, action, detail, buurtloket.EventTime(true, now), buurtloket.EventTime(false, now))
	})
	return err
}
