package postgres

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"buurtloket"
	"buurtloket/postgres/pgtest"
	"buurtloket/requests"
	"buurtloket/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(m, func(url string) (*DB, error) { return openUntil(context.Background(), url, "") }, pgtest.Stop)
}

// openDB opens a new database on the shared test server; it is closed by
// the test.
func openDB(t testing.TB) *DB {
	t.Helper()
	db, err := openUntil(context.Background(), pgtest.Shared(t).NewDatabase(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) { storetest.Run(t, openDB) }

// go test -run '^$' -bench . -benchtime 5000x ./postgres/
func BenchmarkSubmit(b *testing.B) { storetest.BenchmarkSubmit(b, openDB) }

func BenchmarkInboxPage(b *testing.B) { storetest.BenchmarkInboxPage(b, openDB) }

// TestTwoProcessesShareOneDatabase opens the database twice, as two
// buurtloket processes would: both migrate safely and see each other's writes.
func TestTwoProcessesShareOneDatabase(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	ctx := context.Background()
	type result struct {
		db  *requests.Store
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
	a, b := twoProcesses(t)
	storetest.SharedPINCount(t, a, b)
}

// twoProcesses opens one new database twice, with one key, as two
// buurtloket processes would; both are closed by the test.
func twoProcesses(t *testing.T) (a, b storetest.Store) {
	t.Helper()
	url := pgtest.Shared(t).NewDatabase(t)
	s := storetest.NewSealer(t)
	for _, p := range []*storetest.Store{&a, &b} {
		db, err := Open(context.Background(), url, s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		*p = db
	}
	return a, b
}

// TestNoRowsIsSQLNoRows pins what the one store relies on to tell "no
// such row" on both databases with one check: pgx's ErrNoRows is also
// database/sql's. A pgx upgrade that changes this fails here first.
func TestNoRowsIsSQLNoRows(t *testing.T) {
	db := openDB(t)
	var n int
	err := db.Read().QueryRow(context.Background(), `SELECT 1 WHERE false`).Scan(&n)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("no row: %v, want an error that is sql.ErrNoRows", err)
	}
}

// TestTwoProcessesCountLoginFailuresTogether: a guesser who alternates
// between two buurtloket processes gets no more passwords than at one.
func TestTwoProcessesCountLoginFailuresTogether(t *testing.T) {
	a, b := twoProcesses(t)
	storetest.SharedLoginThrottle(t, a, b)
}

// TestTwoProcessesHearEachOther: a request made at one buurtloket process
// reaches a console listening at another (LISTEN/NOTIFY).
func TestTwoProcessesHearEachOther(t *testing.T) {
	a, b := twoProcesses(t)
	storetest.SharedChanges(t, a, b)
}
