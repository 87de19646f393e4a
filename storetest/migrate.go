package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
)

// MigratedAnonymousTimes checks a store migrated from before random IDs
// and anonymous times. Before, the old database was filled with:
//   - request 1: anonymous, waiting, ticket AAAA-AAAA, created at the hour
//     of exact, updated, due and paused at exact; request 2: named, new,
//     every time exact, not paused;
//   - messages 1 (staff "een"), 3 (resident "twee"), 4 (staff "drie") of
//     request 1, and 2 of request 2, at exact or just after;
//   - notes "n1" and "n2" of request 1;
//   - audit entries: request 1 submitted (at the hour) and a reply, request
//     2 submitted, and entries of no request (0 and NULL).
//
// What staff see of the anonymous request is cut to the hour, the order
// of its thread, notes and trail is kept, the named request keeps its
// times, the trail is append-only again, and new rows get random IDs.
func MigratedAnonymousTimes(t *testing.T, s Store, raw Raw, exact time.Time) {
	ctx := context.Background()
	s.SetClock(func() time.Time { return exact.Add(time.Minute) })
	hour := exact.Truncate(time.Hour)
	anon, err := s.Request(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !anon.UpdatedAt.Equal(hour) || !anon.DueAt.Equal(hour) || !anon.PausedAt.Equal(hour) {
		t.Errorf("anonymous request: updated %v due %v paused %v, want %v", anon.UpdatedAt, anon.DueAt, anon.PausedAt, hour)
	}
	if named, _ := s.Request(ctx, 2); !named.UpdatedAt.Equal(exact) || !named.PausedAt.IsZero() {
		t.Errorf("a named request's times changed: updated %v, paused %v", named.UpdatedAt, named.PausedAt)
	}
	if _, err := s.ResidentReply(ctx, "AAAA-AAAA", "1234", "x"); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("ticket with a wrong PIN: %v", err)
	}
	if _, err := s.Reply(ctx, 1, "staff:anna", "vier"); err != nil {
		t.Fatal(err)
	}
	thread, err := s.Thread(ctx, 1)
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
		t.Fatalf("thread after the migration: %s", got)
	}
	if thread[3].ID <= 4 {
		t.Errorf("a message after the migration has ID %d: not a random one", thread[3].ID)
	}
	notes, _ := s.Notes(ctx, 1)
	if len(notes) != 2 || notes[0].Body != "n1" || !notes[1].CreatedAt.Equal(hour) {
		t.Errorf("notes after the migration: %+v", notes)
	}
	trail, _ := s.Audit(ctx, 1)
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
	if other, _ := s.Audit(ctx, 2); len(other) != 1 || !other[0].At.Equal(exact) {
		t.Errorf("a named request's audit changed: %+v", other)
	}
	if err := raw.Exec(ctx, `UPDATE audit SET actor = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("the audit trail is append-only again after the migration: %v", err)
	}
	if rec, err := s.Submit(ctx, NewRequest("new")); err != nil || rec.ID <= 2 {
		t.Errorf("a request after the migration: %v, ID %d", err, rec.ID)
	}
}

// MigrateFrom makes a database as the migrations up to until left it
// (openUntil), lets before fill it, and opens it again with every
// migration (openUntil with ""); it is closed by the test.
func MigrateFrom[D requests.DB](t *testing.T, openUntil func(until string) (D, error), until string, before func(old D)) (*requests.Store, D) {
	t.Helper()
	old, err := openUntil(until)
	if err != nil {
		t.Fatal(err)
	}
	before(old)
	old.Close()
	db, err := openUntil("")
	if err != nil {
		t.Fatal(err)
	}
	return Open(t, db), db
}
