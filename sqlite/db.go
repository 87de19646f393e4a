// Package sqlite stores help requests and dialog sessions in an embedded
// SQLite database (modernc.org/sqlite, no cgo): the default for a single
// buurtloket. All writes go through one goroutine that commits the writes
// waiting at that moment together, so each acknowledged write is durable
// (synchronous=FULL) while the disk syncs once per batch, not once per write.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	"buurtloket"

	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxBatch bounds how many writes share one transaction.
const maxBatch = 256

// DB is the SQLite implementation of buurtloket.RequestStore.
type DB struct {
	path   string
	write  *sql.DB // one connection: SQLite has one writer
	read   *sql.DB // read-only connections
	sealer *buurtloket.Sealer
	now    func() time.Time

	ops    chan *writeOp
	closed chan struct{}
	done   chan struct{}
	stmts  statements // the writer's prepared statements (writetx.go)
}

type writeOp struct {
	ctx context.Context
	fn  func(tx *writeTx) error
	err chan error
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(path string, sealer *buurtloket.Sealer) (*DB, error) {
	return openUntil(path, sealer, "")
}

// openUntil opens the database with the migrations up to until (a file name
// such as "005_pin_lock.sql"; "" for all), so that a test can make a
// database as an older buurtloket left it.
func openUntil(path string, sealer *buurtloket.Sealer, until string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	// The file holds what residents wrote: only buurtloket's user may read
	// it. SQLite gives its -wal and -shm files the database file's mode.
	if err := privateFile(path, true); err != nil {
		return nil, err
	}
	pragmas := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		pragmas.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + pragmas.Encode()
	write, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	db := &DB{path: path, write: write, sealer: sealer, now: time.Now,
		ops: make(chan *writeOp, 4*maxBatch), closed: make(chan struct{}), done: make(chan struct{}),
		stmts: statements{prepared: map[string]*sql.Stmt{}, wanted: map[string]bool{}}}
	if err := db.migrate(until); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrating %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(4)
	db.read = read
	for _, side := range []string{path + "-wal", path + "-shm"} {
		if err := privateFile(side, false); err != nil {
			write.Close()
			read.Close()
			return nil, err
		}
	}
	go db.writer()
	return db, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// SetClock replaces the clock, for tests.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Close finishes the writes under way and closes the database.
func (db *DB) Close() error {
	select {
	case <-db.closed:
		return nil
	default:
	}
	close(db.closed)
	<-db.done
	db.stmts.close()
	return errors.Join(db.read.Close(), db.write.Close())
}

func (db *DB) migrate(until string) error {
	ctx := context.Background()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names {
		if until != "" && name > "migrations/"+until {
			break
		}
		var n int
		if err := db.write.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, _ := migrations.ReadFile(name)
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, name); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// do runs fn in a write transaction, possibly together with other writes,
// and returns once that transaction is committed (or fn failed). Once the
// write is queued, do waits for its outcome even when ctx ends: fn may fill
// the caller's variables, so the caller must not go on before it is done.
// The writer skips a queued write whose ctx has ended, so the wait is short.
func (db *DB) do(ctx context.Context, fn func(tx *writeTx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case db.ops <- op:
	case <-db.closed:
		return buurtloket.Errorf(buurtloket.EINTERNAL, "the database is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-op.err
}

// writer is the one goroutine that writes. It takes every write waiting,
// runs each in a savepoint of one transaction, and commits once.
func (db *DB) writer() {
	defer close(db.done)
	batch := make([]*writeOp, 0, maxBatch)
	for {
		var first *writeOp
		select {
		case first = <-db.ops:
		case <-db.closed:
			// Finish what was queued before closing.
			for {
				select {
				case op := <-db.ops:
					db.commit([]*writeOp{op})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case op := <-db.ops:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		db.commit(batch)
	}
}

func (db *DB) commit(batch []*writeOp) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, op := range batch {
			op.err <- err
		}
		return
	}
	tx := &writeTx{tx: sqlTx, stmts: &db.stmts}
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			errs[i] = err // the caller gave up before its turn: skip it
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
			errs[i] = err
			continue
		}
		if errs[i] = op.fn(tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO op"); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE op"); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i, op := range batch {
		op.err <- errs[i]
	}
	// The connection is free: prepare what this batch ran unprepared.
	db.stmts.prepare(db.write)
}

// privateFile makes the file at path readable by its owner only (0600),
// whatever the umask, creating it empty if create is set; one that does
// not exist and need not be created is left alone.
func privateFile(path string, create bool) error {
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Mode().Perm() != 0o600 {
		return f.Chmod(0o600)
	}
	return nil
}

// millis stores a time as Unix milliseconds, and "no time" as 0 (the zero
// time.Time would be -62135596800000, which a query for 0 misses).
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
