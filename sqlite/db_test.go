package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
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

// TestAtRest looks into the file the way someone with a copy would.
func TestAtRest(t *testing.T) {
	db := open(t)
	defer db.Close()
	ctx := context.Background()
	r := storetest.NewRequest("rest")
	r.Contact = &buurtloket.Contact{Name: "Fatima Yilmaz", Phone: "0612345678"}
	r.Route = "telegram:987654321"
	rec, err := db.Submit(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	var contact, route []byte
	var pinHash string
	if err := db.read.QueryRow(`SELECT c.sealed, r.sealed, q.pin_hash FROM contacts c JOIN routes r USING (request_id) JOIN requests q ON q.id = c.request_id`).Scan(&contact, &route, &pinHash); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Fatima", "0612345678", "987654321"} {
		if strings.Contains(string(contact)+string(route), secret) {
			t.Errorf("%q is readable at rest", secret)
		}
	}
	if strings.Contains(pinHash, rec.PIN) && len(pinHash) < 64 {
		t.Errorf("PIN stored readable")
	}
	// Durability: a receipt is only given after a synchronous commit.
	var journal string
	var synchronous int
	db.write.QueryRow(`PRAGMA journal_mode`).Scan(&journal)
	db.write.QueryRow(`PRAGMA synchronous`).Scan(&synchronous)
	if journal != "wal" || synchronous != 2 {
		t.Errorf("journal_mode %q synchronous %d, want wal and 2 (FULL)", journal, synchronous)
	}
	// The audit trail cannot be changed.
	if _, err := db.write.Exec(`UPDATE audit SET actor = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("audit update: %v", err)
	}
	if _, err := db.write.Exec(`DELETE FROM audit`); err == nil {
		t.Error("audit rows can be deleted")
	}
	// Closing removes the way back to the resident.
	if err := db.SetStatus(ctx, rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	var n int
	db.read.QueryRow(`SELECT count(*) FROM routes`).Scan(&n)
	if n != 0 {
		t.Error("the reply route outlives the closed request")
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
	go db.do(context.Background(), func(tx *sql.Tx) error { // keeps the writer busy
		close(started)
		time.Sleep(200 * time.Millisecond)
		return nil
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	err := db.do(ctx, func(tx *sql.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("err %v, ran %v: a write whose caller gave up must be skipped", err, ran)
	}
}
