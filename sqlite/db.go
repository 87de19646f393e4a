// Package sqlite is what an embedded SQLite database (modernc.org/sqlite,
// no cgo) adds to the request store (package requests): the default for a
// single buurtloket. It owns the file and its mode, the pragmas, the
// schema, its dialect (times as Unix milliseconds), and how writes are
// committed: all writes go through one goroutine that commits the writes
// waiting at that moment together, so each acknowledged write is durable
// (synchronous=FULL) while the disk syncs once per batch, not once per
// write (writer.go).
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

	"buurtloket"
	"buurtloket/requests"

	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an SQLite database as the request store uses it (requests.DB).
type DB struct {
	path  string
	write *sql.DB // one connection: SQLite has one writer
	read  *sql.DB // read-only connections

	ops    chan *writeOp
	closed chan struct{}
	done   chan struct{}
	stmts  statements // the writer's prepared statements (writetx.go)

	listeners listeners // for Notify (notify.go)
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(path string, sealer *buurtloket.Sealer) (*requests.Store, error) {
	db, err := openUntil(path, "")
	if err != nil {
		return nil, err
	}
	return requests.New(db, sealer), nil
}

// openUntil opens the database with the migrations up to until (a file name
// such as "005_pin_lock.sql"; "" for all), so that a test can make a
// database as an older buurtloket left it.
func openUntil(path, until string) (*DB, error) {
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
	db := &DB{path: path, write: write,
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

// migrate applies the migrations up to until in one transaction; SQLite's
// DDL is transactional, so a failed one leaves the schema as it was.
func (db *DB) migrate(until string) error {
	ctx := context.Background()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := requests.Migrate(ctx, querier{tx}, migrations, until); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
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
