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

func TestMain(m *testing.M) {
	storetest.Main(m, func(path string) (*DB, error) { return openUntil(path, "") }, func() {})
}

func TestContract(t *testing.T) { storetest.Run(t, openDB) }

// go test -run '^$' -bench . -benchtime 5000x ./sqlite/
func BenchmarkSubmit(b *testing.B) { storetest.BenchmarkSubmit(b, openDB) }

func BenchmarkInboxPage(b *testing.B) { storetest.BenchmarkInboxPage(b, openDB) }

// openDB opens a new database in a temporary directory; it is closed by
// the test.
func openDB(t testing.TB) *DB {
	t.Helper()
	db, err := openUntil(filepath.Join(t.TempDir(), "data", "buurtloket.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDurability: a receipt is only given after a synchronous commit.
func TestDurability(t *testing.T) { checkDurable(t, openDB(t)) }

// checkDurable checks, on the connection every write goes through, what
// no kill can observe: that it is in WAL mode with synchronous=FULL (or
// EXTRA), so that each commit syncs the WAL before it returns. In WAL mode
// NORMAL syncs only at checkpoints, so a power cut could take back commits
// already acknowledged; OFF never syncs.
func checkDurable(t *testing.T, db *DB) {
	t.Helper()
	var mode string
	var synchronous int
	if err := db.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.write.QueryRow(`PRAGMA synchronous`).Scan(&synchronous); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || synchronous < 2 {
		t.Fatalf("the store writes with journal_mode=%s and synchronous=%d; want wal and 2 (FULL) or more: an acknowledged request could be lost in a power cut", mode, synchronous)
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
	db := openDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	started := make(chan struct{})
	go db.do(context.Background(), func(tx *writeTx) error { // keeps the writer busy until the caller below gave up
		close(started)
		<-ctx.Done()
		return nil
	})
	<-started
	ran := false
	err := db.do(ctx, func(tx *writeTx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("err %v, ran %v: a write whose caller gave up must be skipped", err, ran)
	}
}

// TestWritesAfterCloseReturn: a write that comes while or after the
// database closes returns an error and does not wait for ever (its send
// could win over the closing, after the writer had gone: serve then hung
// at shutdown in CI).
func TestWritesAfterCloseReturn(t *testing.T) {
	db := openDB(t)
	db.Close()
	done := make(chan error, 200)
	for i := 0; i < 200; i++ {
		go func() { done <- db.do(context.Background(), func(tx *writeTx) error { return nil }) }()
	}
	deadline := time.After(10 * time.Second)
	for i := 0; i < 200; i++ {
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("a write after closing succeeded")
			}
		case <-deadline:
			t.Fatalf("%d of 200 writes after closing still wait", 200-i)
		}
	}
}
