package main

import (
	"context"
	"strings"
	"testing"

	"buurtloket"
	"buurtloket/storetest"
)

// TestRequestsUnlock: staff unlock a ticket that wrong PINs locked, by the
// code the resident reads out; the unlock is in the audit trail.
func TestRequestsUnlock(t *testing.T) {
	s, db, key := cliStore(t)
	ctx := context.Background()
	rec, err := s.Submit(ctx, storetest.NewRequest("locked"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := storetest.OtherPIN(rec.PIN)
	for i := 0; i < buurtloket.FreeWrongPINs; i++ {
		s.RequestByTicket(ctx, rec.Ticket, wrong)
	}
	if _, err := s.RequestByTicket(ctx, rec.Ticket, rec.PIN); buurtloket.ErrorCode(err) != buurtloket.ELOCKED {
		t.Fatalf("not locked: %v", err)
	}
	s.Close()

	if code, _, stderr := runCmd(t, "", "requests", "unlock", rec.Ticket, "--db", db, "--key-file", key); code != 2 || !strings.Contains(stderr, "--by") {
		t.Fatalf("without --by: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "requests", "unlock", rec.Ticket, "--by", "anna", "--db", db, "--key-file", key); code == 0 || !strings.Contains(stderr, "no staff account") {
		t.Fatalf("unlocked by someone without an account: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "staff", "add", "--email", "anna@woonplus.nl", "--name", "Anna de Vries", "--role", "staff", "--db", db, "--key-file", key); code != 0 {
		t.Fatalf("staff add: %q", stderr)
	}
	if code, _, stderr := runCmd(t, "", "requests", "unlock", "K7QM-3XHD", "--by", "anna@woonplus.nl", "--db", db, "--key-file", key); code == 0 {
		t.Fatalf("an unknown code was unlocked: %q", stderr)
	}
	typed := strings.ToLower(rec.Ticket)
	code, out, stderr := runCmd(t, "", "requests", "unlock", typed, "--by", "anna@woonplus.nl", "--db", db, "--key-file", key)
	if code != 0 || !strings.Contains(out, rec.Ticket+" unlocked") || !strings.Contains(out, "5 wrong PINs") {
		t.Fatalf("unlock: exit %d %q %q", code, out, stderr)
	}
	sealer, _, err := sealerFrom("", key)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err = openStore(ctx, db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.RequestByTicket(ctx, rec.Ticket, rec.PIN); err != nil {
		t.Fatalf("after the unlock: %v", err)
	}
	anna, err := s.AccountByEmail(ctx, "anna@woonplus.nl")
	if err != nil {
		t.Fatal(err)
	}
	trail, _ := s.Audit(ctx, rec.ID)
	found := false
	for _, a := range trail {
		found = found || (a.Action == buurtloket.AuditPINUnlocked && a.Actor == anna.Actor())
	}
	if !found {
		t.Fatalf("the unlock is not in the audit trail: %+v", trail)
	}
}
