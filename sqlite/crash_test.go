package sqlite

import (
	"path/filepath"
	"testing"

	"buurtloket"
	"buurtloket/requests"
	"buurtloket/storetest"
)

// TestCrash kills a process under submission load with SIGKILL. That
// catches a store that acknowledges before SQLite has committed; it cannot
// catch one that commits without syncing, since the kernel keeps what the
// killed process wrote and writes it out later: with synchronous=OFF this
// test would pass as well. So the store is opened again with its settings
// checked (checkDurable).
func TestCrash(t *testing.T) {
	key := buurtloket.NewKey()
	path := filepath.Join(t.TempDir(), "crash.db")
	storetest.CrashTest(t, path, key, func() buurtloket.RequestStore {
		sealer, err := buurtloket.NewSealer(key)
		if err != nil {
			t.Fatal(err)
		}
		db, err := openUntil(path, "")
		if err != nil {
			t.Fatal(err)
		}
		checkDurable(t, db)
		return requests.New(db, sealer)
	})
}
