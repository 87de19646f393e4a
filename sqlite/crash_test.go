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

// TestCrash kills a process under submission load with SIGKILL.
func TestCrash(t *testing.T) {
	key := buurtloket.NewKey()
	path := filepath.Join(t.TempDir(), "crash.db")
	storetest.CrashTest(t, path, key, func() buurtloket.RequestStore {
		s, _ := buurtloket.NewSealer(key)
		db, err := Open(path, s)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
