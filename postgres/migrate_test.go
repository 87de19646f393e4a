package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/postgres/pgtest"
	"buurtloket/requests"
	"buurtloket/storetest"
)

// TestMigrateAnonymousTimes: identity columns and exact times, as
// PostgreSQL databases had them before random IDs, migrate as
// storetest.MigratedAnonymousTimes expects.
func TestMigrateAnonymousTimes(t *testing.T) {
	exact := time.Date(2026, 3, 2, 10, 17, 42, 123e6, time.UTC)
	s, db := migrateFrom(t, "005_pin_lock.sql", func(old *DB) {
		for _, q := range []string{
			`INSERT INTO requests (ticket, submission_key, pin_hash, topic, priority, priority_rank, status, open, channel, lang,
				anonymous, handoff, summary, answers, created_at, updated_at, due_at, paused_at)
				VALUES ('AAAA-AAAA', 'k1', 'x', 'money', 'normal', 1, 'waiting', TRUE, 'kiosk', 'nl', TRUE, FALSE, '', '[]', $2, $1, $1, $1),
				       ('CCCC-CCCC', 'k2', 'x', 'money', 'normal', 1, 'new', TRUE, 'web', 'nl', FALSE, FALSE, '', '[]', $1, $1, $1, NULL)`,
			`INSERT INTO messages (request_id, author, body, created_at) VALUES
				(1, 'staff', 'een', $1), (2, 'staff', 'elders', $1), (1, 'resident', 'twee', $1), (1, 'staff', 'drie', $1)`,
			`INSERT INTO notes (request_id, staff, body, created_at) VALUES (1, 'staff:anna', 'n1', $1), (1, 'staff:anna', 'n2', $1)`,
			`INSERT INTO audit (request_id, actor, action, at) VALUES
				(1, 'resident', 'submitted', $2), (2, 'resident', 'submitted', $1), (1, 'staff:anna', 'reply', $1),
				(0, 'admin', 'kiosk added', $1), (NULL, 'system', 'purge', $1)`,
		} {
			args := []any{exact}
			if strings.Contains(q, "$2") { // PostgreSQL wants as many arguments as parameters
				args = append(args, exact.Truncate(time.Hour))
			}
			if _, err := old.pool.Exec(context.Background(), q, args...); err != nil {
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
		if _, err := old.pool.Exec(context.Background(), `INSERT INTO kiosks (name, wijk, token_hash, created_at, seen_at) VALUES ('a', 'Oost', $1, now(), now()), ('b', 'West', $2, now(), NULL)`,
			buurtloket.HashKioskToken(paired), buurtloket.HashKioskToken(waiting)); err != nil {
			t.Fatal(err)
		}
	})
	storetest.MigratedKiosks(t, s, paired, waiting)
}

// migrateFrom is storetest.MigrateFrom on a new database.
func migrateFrom(t *testing.T, until string, before func(old *DB)) (*requests.Store, *DB) {
	url := pgtest.Shared(t).NewDatabase(t)
	return storetest.MigrateFrom(t, func(until string) (*DB, error) { return openUntil(context.Background(), url, until) }, until, before)
}
