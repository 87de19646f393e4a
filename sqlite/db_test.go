package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/storetest"
)

func open(t testing.TB) *DB {
	t.Helper()
	s, err := buurtloket.NewSealer(buurtloket.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(filepath.Join(t.TempDir(), "data", "buurtloket.db"), s)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// rawSQLite reads and writes the tables directly, past the store.
type rawSQLite struct{ db *DB }

func (r rawSQLite) QueryRow(ctx context.Context, query string, dest ...any) error {
	return r.db.write.QueryRowContext(ctx, query).Scan(dest...)
}

func (r rawSQLite) Exec(ctx context.Context, query string) error {
	_, err := r.db.write.ExecContext(ctx, query)
	return err
}

func TestAtRest(t *testing.T) {
	db := open(t)
	defer db.Close()
	storetest.AtRest(t, db, rawSQLite{db})
}

// TestDurability: a receipt is only given after a synchronous commit.
func TestDurability(t *testing.T) {
	db := open(t)
	defer db.Close()
	var journal string
	var synchronous int
	if err := db.write.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if err := db.write.QueryRow(`PRAGMA synchronous`).Scan(&synchronous); err != nil {
		t.Fatal(err)
	}
	if journal != "wal" || synchronous != 2 {
		t.Errorf("journal_mode %q synchronous %d, want wal and 2 (FULL)", journal, synchronous)
	}
}

func TestReopen(t *testing.T) {
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	path := filepath.Join(t.TempDir(), "b.db")
	db, err := Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := db.Submit(context.Background(), storetest.NewRequest("x"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, s) // migrations run once; data survives
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.RequestByTicket(context.Background(), rec.Ticket, rec.PIN); err != nil {
		t.Fatal(err)
	}
}

// TestCancelledWriteIsSkipped: a caller whose context ends while its write
// waits in the queue gets the context's error once the writer has skipped
// the write, never before, so the write cannot fill the caller's variables
// after it returned (the race detector found that at shutdown).
func TestCancelledWriteIsSkipped(t *testing.T) {
	db := open(t)
	defer db.Close()
	started := make(chan struct{})
	go db.do(context.Background(), func(tx *writeTx) error { // keeps the writer busy
		close(started)
		time.Sleep(200 * time.Millisecond)
		return nil
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	err := db.do(ctx, func(tx *writeTx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("err %v, ran %v: a write whose caller gave up must be skipped", err, ran)
	}
}
