package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
	"buurtloket/storetest"
)

// TestMigrateAnonymousTimes: a database as buurtloket left it before
// random IDs (sequential IDs, exact times) keeps its order, and what staff
// see of its anonymous requests is cut to the hour.
func TestMigrateAnonymousTimes(t *testing.T) {
	exact := time.Date(2026, 3, 2, 10, 17, 42, 123e6, time.UTC)
	s, db := migrateFrom(t, "005_pin_lock.sql", func(old *DB) {
		for _, q := range []string{
			`INSERT INTO requests (id, ticket, submission_key, pin_hash, topic, priority, priority_rank, status, open, channel, lang,
				anonymous, handoff, summary, answers, created_at, updated_at, due_at, paused_at)
				VALUES (1, 'AAAA-AAAA', 'k1', 'x', 'money', 'normal', 1, 'waiting', 1, 'kiosk', 'nl', 1, 0, '', '[]', $2, $1, $1, $1),
				       (2, 'CCCC-CCCC', 'k2', 'x', 'money', 'normal', 1, 'new', 1, 'web', 'nl', 0, 0, '', '[]', $1, $1, $1, 0)`,
			`INSERT INTO messages (id, request_id, author, body, created_at) VALUES
				(1, 1, 'staff', 'een', $1), (2, 2, 'staff', 'elders', $1), (3, 1, 'resident', 'twee', $1 + 1), (4, 1, 'staff', 'drie', $1 + 2)`,
			`INSERT INTO notes (id, request_id, staff, body, created_at) VALUES (1, 1, 'staff:anna', 'n1', $1), (2, 1, 'staff:anna', 'n2', $1 + 1)`,
			`INSERT INTO audit (id, request_id, actor, action, at) VALUES
				(1, 1, 'resident', 'submitted', $2), (2, 2, 'resident', 'submitted', $1), (3, 1, 'staff:anna', 'reply', $1),
				(4, 0, 'admin', 'kiosk added', $1), (5, NULL, 'system', 'purge', $1)`,
		} {
			if _, err := old.write.Exec(q, exact.UnixMilli(), exact.Truncate(time.Hour).UnixMilli()); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		}
	})
	storetest.MigratedAnonymousTimes(t, s, storetest.RawOf(db), exact)
}

// TestMigrateKioskPairing: see storetest.MigratedKiosks.
func TestMigrateKioskPairing(t *testing.T) {
	paired, _ := buurtloket.NewKioskToken()
	waiting, _ := buurtloket.NewKioskToken()
	s, _ := migrateFrom(t, "006_anonymous_times.sql", func(old *DB) {
		if _, err := old.write.Exec(`INSERT INTO kiosks (name, wijk, token_hash, created_at, seen_at) VALUES ('a', 'Oost', $1, 1, 5), ('b', 'West', $2, 1, 0)`,
			buurtloket.HashKioskToken(paired), buurtloket.HashKioskToken(waiting)); err != nil {
			t.Fatal(err)
		}
	})
	storetest.MigratedKiosks(t, s, paired, waiting)
}

// migrateFrom is storetest.MigrateFrom on a new file.
func migrateFrom(t *testing.T, until string, before func(old *DB)) (*requests.Store, *DB) {
	path := filepath.Join(t.TempDir(), "old.db")
	return storetest.MigrateFrom(t, func(until string) (*DB, error) { return openUntil(path, until) }, until, before)
}

// TestMigrateNoTimeIsNull: "no time" is NULL after migration 010, as on
// PostgreSQL, where older versions stored 0, or for a PIN lock even the
// zero time.Time in milliseconds (-62135596800000); real times are kept,
// and the store writes NULL from then on.
func TestMigrateNoTimeIsNull(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 10, 17, 42, 123e6, time.UTC)
	ms := at.UnixMilli()
	paired, _ := buurtloket.NewKioskToken()
	s, db := migrateFrom(t, "008_pin_lifetime.sql", func(old *DB) {
		for _, q := range []string{
			`INSERT INTO requests (id, ticket, submission_key, pin_hash, topic, priority, priority_rank, status, open, channel, lang,
				anonymous, handoff, summary, answers, created_at, updated_at, due_at, paused_at, pin_wrong, pin_wrong_total, pin_locked_until)
				VALUES (1, 'AAAA-AAAA', 'k1', 'x', 'money', 'normal', 1, 'new', 1, 'kiosk', 'nl', 0, 0, '', '[]', $1, $1, $1, 0, 1, 1, -62135596800000),
				       (2, 'CCCC-CCCC', 'k2', 'x', 'money', 'normal', 1, 'waiting', 1, 'web', 'nl', 0, 0, '', '[]', $1, $1, $1, $1, 5, 5, $1),
				       (3, 'DDDD-DDDD', 'k3', 'x', 'money', 'normal', 1, 'new', 1, 'web', 'nl', 0, 0, '', '[]', $1, $1, $1, 0, 0, 0, 0)`,
			`INSERT INTO kiosks (id, name, wijk, device_hash, created_at, revoked_at, seen_at, paired_at) VALUES
				(1, 'a', 'Oost', $2, $1, 0, 0, 0), (2, 'b', 'West', NULL, $1, $1, $1, $1)`,
		} {
			if _, err := old.write.Exec(q, ms, buurtloket.HashKioskToken(paired)); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		}
	})
	var nulls [5]int
	if err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM requests WHERE paused_at IS NULL), (SELECT count(*) FROM requests WHERE pin_locked_until IS NULL),
		(SELECT count(*) FROM kiosks WHERE revoked_at IS NULL), (SELECT count(*) FROM kiosks WHERE seen_at IS NULL),
		(SELECT count(*) FROM kiosks WHERE paired_at IS NULL)`).Scan(&nulls[0], &nulls[1], &nulls[2], &nulls[3], &nulls[4]); err != nil {
		t.Fatal(err)
	}
	if nulls != [5]int{2, 2, 1, 1, 1} {
		t.Fatalf("NULL times after the migration (paused, locked, revoked, seen, paired): %v, want [2 2 1 1 1]", nulls)
	}
	for id, want := range map[int64][2]time.Time{1: {}, 2: {at, at}, 3: {}} {
		r, err := s.Request(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !r.PausedAt.Equal(want[0]) || !r.PINLock.Until.Equal(want[1]) {
			t.Errorf("request %d: paused %v, locked until %v; want %v", id, r.PausedAt, r.PINLock.Until, want)
		}
	}
	if k, err := s.KioskByToken(ctx, paired); err != nil || k.ID != 1 || !k.RevokedAt.IsZero() || !k.SeenAt.IsZero() {
		t.Fatalf("the kiosk in use after the migration: %v %+v", err, k)
	}
	if list, _ := s.Kiosks(ctx); len(list) != 2 || !list[1].RevokedAt.Equal(at) || !list[1].SeenAt.Equal(at) || !list[1].PairedAt.Equal(at) {
		t.Fatalf("a revoked kiosk lost its times: %+v", list)
	}
	// The store writes NULL for "no time": after a wrong PIN that does not
	// lock, and after the clock was paused and runs again.
	if _, err := s.RequestByTicket(ctx, "AAAA-AAAA", "1234"); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a wrong PIN: %v", err)
	}
	if err := s.SetStatus(ctx, 1, "staff:anna", buurtloket.StatusWaiting); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, 1, "staff:anna", buurtloket.StatusInProgress); err != nil {
		t.Fatal(err)
	}
	var paused, locked any
	if err := db.read.QueryRowContext(ctx, `SELECT paused_at, pin_locked_until FROM requests WHERE id = 1`).Scan(&paused, &locked); err != nil {
		t.Fatal(err)
	}
	if paused != nil || locked != nil {
		t.Fatalf("after waiting and back: paused_at %v, pin_locked_until %v; want NULL", paused, locked)
	}
}
