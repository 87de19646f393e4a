package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"buurtloket"
	"buurtloket/storetest"
)

// TestFilesArePrivate: the database and its -wal and -shm files can be
// read by buurtloket's user only, whatever the umask, also when an older
// buurtloket left the database readable by others.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0) // the most open umask: SQLite would make 0644
	defer syscall.Umask(old)
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	check := func(path string) {
		t.Helper()
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			info, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if mode := info.Mode().Perm(); mode != 0o600 {
				t.Errorf("%s has mode %v, want 0600", filepath.Base(name), mode)
			}
		}
	}
	dir := t.TempDir()
	fresh := filepath.Join(dir, "data", "fresh.db")
	db, err := Open(fresh, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Submit(context.Background(), storetest.NewRequest("k")); err != nil {
		t.Fatal(err)
	}
	check(fresh)
	db.Close()

	earlier := filepath.Join(dir, "earlier.db")
	if db, err = Open(earlier, s); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, name := range []string{earlier, earlier + "-wal", earlier + "-shm"} {
		os.Chmod(name, 0o644) // as buurtloket left it before
	}
	if db, err = Open(earlier, s); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(earlier)
}
