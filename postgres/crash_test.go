package postgres

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"buurtloket"
	"buurtloket/postgres/pgtest"
	"buurtloket/requests"
	"buurtloket/storetest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestCrash kills a process under submission load with SIGKILL. The
// server lives on, so this proves only that nothing is acknowledged before
// PostgreSQL has committed it; TestCrashServer kills the server.
func TestCrash(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	asyncByDefault(t, url)
	key := buurtloket.NewKey()
	storetest.CrashTest(t, url, key, func() buurtloket.RequestStore {
		return openDurable(t, url, key)
	})
}

// TestCrashServer kills the PostgreSQL server itself with SIGKILL under
// submission load, three times, and restarts it; it comes back through
// crash recovery from its write-ahead log. Unlike a killed client, a killed
// server loses the WAL it held only in memory: a store that let commits
// return before their WAL is flushed (synchronous_commit=off) loses
// acknowledged requests here. What it cannot show is a lost page cache:
// the machine does not go down, so fsync is checked by openDurable.
func TestCrashServer(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	asyncByDefault(t, url)
	key := buurtloket.NewKey()
	storetest.ServerCrashTest(t, func() buurtloket.RequestStore { return openDurable(t, url, key) },
		func() { srv.Kill(t) }, func() { srv.Restart(t) }, 3)
}

// asyncByDefault makes the database's own default synchronous_commit=off,
// as an operator might for speed, so that the store must ask for
// synchronous commits itself, as its receipts promise.
func asyncByDefault(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
		t.Fatal(err)
	}
}

// openDurable opens the store, with its settings checked (checkDurable).
func openDurable(t *testing.T, url string, key []byte) buurtloket.RequestStore {
	t.Helper()
	sealer, err := buurtloket.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openUntil(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	checkDurable(t, db)
	return requests.New(db, sealer)
}

// TestDurability: a receipt is only given after a synchronous commit,
// whatever the server's default.
func TestDurability(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	asyncByDefault(t, url)
	db, err := openUntil(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkDurable(t, db)
}

// checkDurable checks, on the store's own connections, what no kill can
// observe: that a commit waits until its WAL is flushed to disk
// (synchronous_commit=on), that the server flushes at all (fsync=on), and
// that it writes whole pages after a checkpoint, so that a page torn by a
// power cut can be repaired from the WAL (full_page_writes=on).
func checkDurable(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	// Several connections at once, so that they are not all the same one.
	var conns []*pgxpool.Conn
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range 3 {
		c, err := db.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, setting := range []string{"synchronous_commit", "fsync", "full_page_writes"} {
			var v string
			if err := c.QueryRow(ctx, "SHOW "+setting).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v != "on" {
				t.Fatalf("the store's connection runs with %s=%s: an acknowledged request could be lost in a crash", setting, v)
			}
		}
	}
}
