package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/storetest"
)

// TestMigrateAnonymousTimes: a database as buurtloket left it before
// random IDs (sequential IDs, exact times) keeps its order, and what staff
// see of its anonymous requests is cut to the hour.
func TestMigrateAnonymousTimes(t *testing.T) {
	ctx := context.Background()
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openUntil(path, s, "005_pin_lock.sql")
	if err != nil {
		t.Fatal(err)
	}
	exact := time.Date(2026, 3, 2, 10, 17, 42, 123e6, time.UTC).UnixMilli()
	for _, q := range []string{
		`INSERT INTO requests (id, ticket, submission_key, pin_hash, topic, priority, priority_rank, status, open, channel, lang,
			anonymous, handoff, summary, answers, created_at, updated_at, due_at, paused_at)
			VALUES (1, 'AAAA-AAAA', 'k1', 'x', 'money', 'normal', 1, 'waiting', 1, 'kiosk', 'nl', 1, 0, '', '[]', 1772445600000, ?1, ?1, ?1),
			       (2, 'CCCC-CCCC', 'k2', 'x', 'money', 'normal', 1, 'new', 1, 'web', 'nl', 0, 0, '', '[]', ?1, ?1, ?1, 0)`,
		`INSERT INTO messages (id, request_id, author, body, created_at) VALUES
			(1, 1, 'staff', 'een', ?1), (2, 2, 'staff', 'elders', ?1), (3, 1, 'resident', 'twee', ?1 + 1), (4, 1, 'staff', 'drie', ?1 + 2)`,
		`INSERT INTO notes (id, request_id, staff, body, created_at) VALUES (1, 1, 'staff:anna', 'n1', ?1), (2, 1, 'staff:anna', 'n2', ?1 + 1)`,
		`INSERT INTO audit (id, request_id, actor, action, at) VALUES
			(1, 1, 'resident', 'submitted', 1772445600000), (2, 2, 'resident', 'submitted', ?1), (3, 1, 'staff:anna', 'reply', ?1),
			(4, 0, 'admin', 'kiosk added', ?1), (5, NULL, 'system', 'purge', ?1)`,
	} {
		if _, err := old.write.ExecContext(ctx, q, exact); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	old.Close()

	db, err := Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetClock(func() time.Time { return time.UnixMilli(exact + 60000) })
	hour := time.UnixMilli(exact).UTC().Truncate(time.Hour)
	anon, err := db.Request(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !anon.UpdatedAt.Equal(hour) || !anon.DueAt.Equal(hour) || !anon.PausedAt.Equal(hour) {
		t.Errorf("anonymous request: updated %v due %v paused %v, want %v", anon.UpdatedAt, anon.DueAt, anon.PausedAt, hour)
	}
	if named, _ := db.Request(ctx, 2); named.UpdatedAt.UnixMilli() != exact {
		t.Errorf("a named request's time changed: %v", named.UpdatedAt)
	}
	if _, err := db.ResidentReply(ctx, "AAAA-AAAA", "1234", "x"); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("ticket with a wrong PIN: %v", err)
	}
	if _, err := db.Reply(ctx, 1, "staff:anna", "vier"); err != nil {
		t.Fatal(err)
	}
	thread, err := db.Thread(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range thread {
		bodies = append(bodies, m.Body)
		if !m.CreatedAt.Equal(hour) {
			t.Errorf("message %q at %v, want %v", m.Body, m.CreatedAt, hour)
		}
	}
	if got := strings.Join(bodies, " "); got != "een twee drie vier" {
		t.Errorf("thread after the migration: %s", got)
	}
	notes, _ := db.Notes(ctx, 1)
	if len(notes) != 2 || notes[0].Body != "n1" || !notes[1].CreatedAt.Equal(hour) {
		t.Errorf("notes after the migration: %+v", notes)
	}
	trail, _ := db.Audit(ctx, 1)
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Action)
		if !a.At.Equal(hour) {
			t.Errorf("audit %q at %v, want %v", a.Action, a.At, hour)
		}
	}
	if got := strings.Join(actions, ", "); got != "submitted, reply, reply" {
		t.Errorf("audit after the migration: %s", got)
	}
	if other, _ := db.Audit(ctx, 2); len(other) != 1 || other[0].At.UnixMilli() != exact {
		t.Errorf("a named request's audit changed: %+v", other[0])
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE audit SET actor = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("the audit trail is append-only again after the migration: %v", err)
	}
}

// TestMigrateKioskPairing: after pairing links became single-use, a kiosk
// paired before keeps working with the token in its cookie, and the link
// of one that was never seen pairs once.
func TestMigrateKioskPairing(t *testing.T) {
	paired, _ := buurtloket.NewKioskToken()
	waiting, _ := buurtloket.NewKioskToken()
	db := migrateFrom(t, "006_anonymous_times.sql", func(old *DB) {
		if _, err := old.write.ExecContext(context.Background(), `INSERT INTO kiosks (name, wijk, token_hash, created_at, seen_at) VALUES ('a', 'Oost', ?, 1, 5), ('b', 'West', ?, 1, 0)`,
			buurtloket.HashKioskToken(paired), buurtloket.HashKioskToken(waiting)); err != nil {
			t.Fatal(err)
		}
	})
	storetest.MigratedKiosks(t, db, paired, waiting)
}

// migrateFrom makes a database as the migrations up to until left it, lets
// before fill it, and opens it with every migration; it is closed by the
// test.
func migrateFrom(t *testing.T, until string, before func(old *DB)) *DB {
	t.Helper()
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openUntil(path, s, until)
	if err != nil {
		t.Fatal(err)
	}
	before(old)
	old.Close()
	db, err := Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestNoPINLockIsZero: "no lock" is stored as 0, as every other time
// column says "no time": after a wrong PIN that does not lock, and after
// migration 009 for what older versions stored (the zero time.Time in
// milliseconds, -62135596800000).
func TestNoPINLockIsZero(t *testing.T) {
	ctx := context.Background()
	var rec buurtloket.Receipt
	db := migrateFrom(t, "008_pin_lifetime.sql", func(old *DB) {
		var err error
		if rec, err = old.Submit(ctx, storetest.NewRequest("k1")); err != nil {
			t.Fatal(err)
		}
		if _, err := old.write.ExecContext(ctx, `UPDATE requests SET pin_wrong = 1, pin_wrong_total = 1, pin_locked_until = -62135596800000`); err != nil {
			t.Fatal(err)
		}
	})
	until := func() int64 {
		var v int64
		if err := db.read.QueryRowContext(ctx, `SELECT pin_locked_until FROM requests`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := until(); v != 0 {
		t.Fatalf("after migration 009: pin_locked_until %d, want 0", v)
	}
	if r, err := db.Request(ctx, rec.ID); err != nil {
		t.Fatal(err)
	} else if r.PINLock.Wrong != 1 || !r.PINLock.Until.IsZero() {
		t.Fatalf("the lock after the migration: %+v", r.PINLock)
	}
	// A wrong PIN that does not lock yet writes 0 as well.
	if _, err := db.RequestByTicket(ctx, rec.Ticket, storetest.OtherPIN(rec.PIN)); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a wrong PIN: %v", err)
	}
	if v := until(); v != 0 {
		t.Fatalf("after a wrong PIN that does not lock: pin_locked_until %d, want 0", v)
	}
}
