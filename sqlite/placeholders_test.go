package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDollarPlaceholders pins what moving the store's statements to one
// text for both databases relies on (issue 11): the SQLite driver binds
// $N to the N-th argument, also out of order and used twice, as
// PostgreSQL does. A driver upgrade that changes this fails here first.
func TestDollarPlaceholders(t *testing.T) {
	db, err := openUntil(filepath.Join(t.TempDir(), "p.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var a, b, c, again string
	if err := db.read.QueryRowContext(context.Background(), `SELECT $3, $1, $2, $1`, "one", "two", "three").Scan(&a, &b, &c, &again); err != nil {
		t.Fatal(err)
	}
	if a != "three" || b != "one" || c != "two" || again != "one" {
		t.Fatalf("got %q %q %q %q, want three one two one", a, b, c, again)
	}
}
