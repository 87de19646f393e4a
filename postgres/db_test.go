package postgres

import (
	"context"
	"os"
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

// rawPostgres reads and writes the tables directly, past the store.
type rawPostgres struct{ db *DB }

func (r rawPostgres) QueryRow(ctx context.Context, query string, dest ...any) error {
	return r.db.pool.QueryRow(ctx, query).Scan(dest...)
}

func (r rawPostgres) Exec(ctx context.Context, query string) error {
	_, err := r.db.pool.Exec(ctx, query)
	return err
}

func TestAtRest(t *testing.T) {
	db := open(t)
	defer db.Close()
	storetest.AtRest(t, db, rawPostgres{db})
}

// TestDurability: a receipt is only given after a synchronous commit,
// whatever the server's default.
func TestDurability(t *testing.T) {
	db := open(t)
	defer db.Close()
	var sync string
	if err := db.pool.QueryRow(context.Background(), `SHOW synchronous_commit`).Scan(&sync); err != nil || sync != "on" {
		t.Errorf("synchronous_commit %q (%v), want on", sync, err)
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

// TestTwoProcessesCountWrongPINsTogether: a guesser who alternates between
// two buurtloket processes gets no more tries than at one.
func TestTwoProcessesCountWrongPINsTogether(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	a, err := Open(context.Background(), url, s)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), url, s)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.SharedPINCount(t, a, b)
}
