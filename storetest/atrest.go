package storetest

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"buurtloket"
)

// Raw lets the contract look into a store's tables the way someone with a
// copy of the database would. The queries are plain SQL that SQLite and
// PostgreSQL read alike.
type Raw interface {
	QueryRow(ctx context.Context, query string, dest ...any) error
	Exec(ctx context.Context, query string) error
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// AtRest checks what a copy of the database shows: no contact details,
// reply routes or PINs in readable form; an audit trail that cannot be
// changed; and no way back to the resident once a request is closed.
func AtRest(t *testing.T, s Store, raw Raw) {
	ctx := context.Background()
	r := NewRequest("rest")
	r.Contact = &buurtloket.Contact{Name: "Fatima Yilmaz", Phone: "0612345678"}
	r.Route = "telegram:987654321"
	rec, err := s.Submit(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	var contact, route []byte
	var pinHash string
	if err := raw.QueryRow(ctx, `SELECT c.sealed, r.sealed, q.pin_hash FROM contacts c JOIN routes r USING (request_id) JOIN requests q ON q.id = c.request_id`,
		&contact, &route, &pinHash); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Fatima", "0612345678", "987654321"} {
		if strings.Contains(string(contact)+string(route), secret) {
			t.Errorf("%q is readable at rest", secret)
		}
	}
	if !hexHash.MatchString(pinHash) {
		t.Errorf("the PIN is stored as %q, want an HMAC", pinHash)
	}
	// The audit trail cannot be changed, not even by hand.
	if err := raw.Exec(ctx, `UPDATE audit SET actor = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("audit update: %v", err)
	}
	if err := raw.Exec(ctx, `DELETE FROM audit`); err == nil {
		t.Error("audit rows can be deleted")
	}
	// Closing removes the way back to the resident.
	if err := s.SetStatus(ctx, rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRow(ctx, `SELECT count(*) FROM routes`, &n); err != nil || n != 0 {
		t.Errorf("routes after closing: %d (%v); the reply route must go", n, err)
	}
}
