package postgres

import (
	"context"
	"testing"

	"buurtloket"
	"buurtloket/postgres/pgtest"
	"buurtloket/storetest"
)

// TestCrash kills a process under submission load with SIGKILL.
func TestCrash(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	key := buurtloket.NewKey()
	storetest.CrashTest(t, url, key, func() buurtloket.RequestStore {
		s, _ := buurtloket.NewSealer(key)
		db, err := Open(context.Background(), url, s)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
