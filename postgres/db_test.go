package postgres

import (
	"context"
	"os"
	"strings"
	"testing"

	"buurtloket"
	"buurtloket/postgres/pgtest"
	"buurtloket/storetest"
)

func TestMain(m *testing.M) {
	if url, key, ok := storetest.CrashChildTarget(); ok {
		s, _ := buurtloket.NewSealer(key)
		db, err := Open(context.Background(), url, s)
		if err != nil {
			panic(err)
		}
		storetest.CrashChild(db, os.Stdout)
		return
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

func open(t testing.TB) *DB {
	t.Helper()
	url := pgtest.Shared(t).NewDatabase(t)
	s, err := buurtloket.NewSealer(buurtloket.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), url, s)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// TestAtRest looks into the tables the way someone with a copy would.
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
	if err := db.pool.QueryRow(ctx, `SELECT c.sealed, r.sealed FROM contacts c JOIN routes r USING (request_id)`).Scan(&contact, &route); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Fatima", "0612345678", "987654321"} {
		if strings.Contains(string(contact)+string(route), secret) {
			t.Errorf("%q is readable at rest", secret)
		}
	}
	var sync string
	db.pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&sync)
	if sync != "on" {
		t.Errorf("synchronous_commit %q, want on", sync)
	}
	if _, err := db.pool.Exec(ctx, `UPDATE audit SET actor = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("audit update: %v", err)
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM audit`); err == nil {
		t.Error("audit rows can be deleted")
	}
	if err := db.SetStatus(ctx, rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	var n int
	db.pool.QueryRow(ctx, `SELECT count(*) FROM routes`).Scan(&n)
	if n != 0 {
		t.Error("the reply route outlives the closed request")
	}
}

// TestTwoProcessesShareOneDatabase opens the database twice, as two
// buurtloket processes would: both migrate safely and see each other's writes.
func TestTwoProcessesShareOneDatabase(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	ctx := context.Background()
	type result struct {
		db  *DB
		err error
	}
	results := make(chan result, 2)
	for i := 0; i < 2; i++ {
		go func() { db, err := Open(ctx, url, s); results <- result{db, err} }()
	}
	a, b := <-results, <-results
	if a.err != nil || b.err != nil {
		t.Fatalf("open: %v %v", a.err, b.err)
	}
	defer a.db.Close()
	defer b.db.Close()
	rec, err := a.db.Submit(ctx, storetest.NewRequest("shared"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.db.Submit(ctx, storetest.NewRequest("shared"))
	if err != nil || !again.Duplicate || again.Ticket != rec.Ticket {
		t.Fatalf("the other process made %+v, %v", again, err)
	}
	if _, err := b.db.RequestByTicket(ctx, rec.Ticket, rec.PIN); err != nil {
		t.Fatal(err)
	}
}
