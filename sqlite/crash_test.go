package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"buurtloket"
	"buurtloket/storetest"
)

func TestMain(m *testing.M) {
	if path, key, ok := storetest.CrashChildTarget(); ok {
		s, _ := buurtloket.NewSealer(key)
		db, err := Open(path, s)
		if err != nil {
			panic(err)
		}
		storetest.CrashChild(db, os.Stdout)
		return
	}
	os.Exit(m.Run())
}

// TestCrash kills a process under submission load with SIGKILL. That
// catches a store that acknowledges before SQLite has committed; it cannot
// catch one that commits without syncing, since the kernel keeps what the
// killed process wrote and writes it out later: with synchronous=OFF this
// test would pass as well. So openDurable checks the settings themselves.
func TestCrash(t *testing.T) {
	key := buurtloket.NewKey()
	path := filepath.Join(t.TempDir(), "crash.db")
	storetest.CrashTest(t, path, key, func() buurtloket.RequestStore {
		return openDurable(t, path, key)
	})
}

// openDurable opens the store and checks, on the connection every write
// goes through, what no kill can observe: that it is in WAL mode with
// synchronous=FULL (or EXTRA), so that each commit syncs the WAL before
// it returns. In WAL mode NORMAL syncs only at checkpoints, so a power cut
// could take back commits already acknowledged; OFF never syncs.
func openDurable(t *testing.T, path string, key []byte) *DB {
	t.Helper()
	sealer, err := buurtloket.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, sealer)
	if err != nil {
		t.Fatal(err)
	}
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
	return db
}
