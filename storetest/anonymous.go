package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"buurtloket"
)

// monotonic reports whether ids only rise, or only fall.
func monotonic(ids []int64) bool {
	rising, falling := true, true
	for i := 1; i < len(ids); i++ {
		rising = rising && ids[i] > ids[i-1]
		falling = falling && ids[i] < ids[i-1]
	}
	return rising || falling
}

// testRandomIDs: the IDs of requests, messages, notes and audit entries do
// not run in the order things happened, so they cannot place an anonymous
// request between named ones (whose times are exact).
func testRandomIDs(t *testing.T, s Store, clock *Clock) {
	var requests, messages, notes, audits []int64
	for i := 0; i < 50; i++ {
		r := NewRequest(fmt.Sprintf("ids-%d", i))
		if i%2 == 0 {
			r.Contact = &buurtloket.Contact{Name: "Jan", Phone: "0612345678"}
		}
		rec := mustSubmit(t, s, r)
		if rec.ID <= 0 || rec.ID > buurtloket.MaxID {
			t.Fatalf("ID %d: not a positive number below 2^53", rec.ID)
		}
		requests = append(requests, rec.ID)
		m, err := s.Reply(ctx(t), rec.ID, "staff:anna", "antwoord")
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.AddNote(ctx(t), rec.ID, "staff:anna", "notitie")
		if err != nil {
			t.Fatal(err)
		}
		messages, notes = append(messages, m.ID), append(notes, n.ID)
		trail, err := s.Audit(ctx(t), rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range trail {
			audits = append(audits, a.ID)
		}
		clock.Add(7 * time.Minute)
	}
	for name, ids := range map[string][]int64{"request": requests, "message": messages, "note": notes, "audit": audits} {
		if monotonic(ids) {
			t.Errorf("%s IDs run in the order they were made: %v", name, ids[:5])
		}
		for _, id := range ids {
			if id <= 0 || id > buurtloket.MaxID {
				t.Errorf("%s ID %d: not a positive number below 2^53", name, id)
			}
		}
	}
	if got, err := s.Request(ctx(t), requests[17]); err != nil || got.ID != requests[17] {
		t.Fatalf("by a random ID: %v", err)
	}
}

// testAnonymousTimesToTheHour: whatever staff see of an anonymous request
// is dated to the hour at most; its thread, notes and audit trail still
// come back in the order they happened.
func testAnonymousTimesToTheHour(t *testing.T, s Store, clock *Clock) {
	before := mustSubmit(t, s, named("hour-before"))
	clock.Add(3 * time.Minute)
	rec := mustSubmit(t, s, NewRequest("hour-anonymous"))
	clock.Add(3 * time.Minute)
	after := mustSubmit(t, s, named("hour-after"))

	step := func(what string, fn func() error) {
		t.Helper()
		clock.Add(97 * time.Second) // every event within the same hours
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var bodies []string
	for i := 0; i < 4; i++ {
		staff, resident := fmt.Sprintf("staff %d", i), fmt.Sprintf("resident %d", i)
		bodies = append(bodies, staff, resident)
		step("reply", func() error { _, err := s.Reply(ctx(t), rec.ID, "staff:anna", staff); return err })
		step("resident reply", func() error { _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, resident); return err })
		step("note", func() error { _, err := s.AddNote(ctx(t), rec.ID, "staff:anna", fmt.Sprintf("note %d", i)); return err })
	}
	step("assign", func() error { return s.Assign(ctx(t), rec.ID, "staff:anna", "staff:bram") })
	step("waiting", func() error { return s.SetStatus(ctx(t), rec.ID, "staff:bram", buurtloket.StatusWaiting) })
	for i := 0; i < buurtloket.FreeWrongPINs; i++ {
		s.RequestByTicket(ctx(t), rec.Ticket, OtherPIN(rec.PIN))
	}

	hour := func(what string, at time.Time) {
		t.Helper()
		if !at.Equal(at.Truncate(time.Hour)) {
			t.Errorf("%s of an anonymous request is %v: more precise than the hour", what, at)
		}
	}
	got, err := s.Request(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	hour("CreatedAt", got.CreatedAt)
	hour("UpdatedAt", got.UpdatedAt)
	hour("DueAt", got.DueAt)
	hour("PausedAt", got.PausedAt)
	hour("the end of the PIN lock", got.PINLock.Until)
	if got.PausedAt.IsZero() || !got.PINLock.Locked(clock.Now()) || got.PINLock.Until.Before(clock.Now().Add(15*time.Minute)) {
		t.Fatalf("paused %v, PIN lock %+v: staff must see it locked at least as long as it is", got.PausedAt, got.PINLock)
	}
	step("unlock", func() error { return s.UnlockPIN(ctx(t), rec.ID, "staff:bram") })
	page, err := s.Inbox(ctx(t), buurtloket.InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Requests {
		if r.ID == rec.ID {
			hour("UpdatedAt in the inbox", r.UpdatedAt)
			hour("the PIN lock in the inbox", r.PINLock.Until)
		}
	}
	thread, err := s.Thread(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var gotBodies []string
	for _, m := range thread {
		hour("a message's time", m.CreatedAt)
		gotBodies = append(gotBodies, m.Body)
	}
	if !slices.Equal(gotBodies, bodies) {
		t.Fatalf("the thread comes back as %q, want %q", gotBodies, bodies)
	}
	if page, _, err := s.ThreadPage(ctx(t), rec.ID, thread[5].ID, 3); err != nil || len(page) != 3 || page[0].Body != bodies[2] || page[2].Body != bodies[4] {
		t.Fatalf("a page before %q: %v %+v", bodies[5], err, page)
	}
	notes, err := s.Notes(ctx(t), rec.ID)
	if err != nil || len(notes) != 4 {
		t.Fatalf("notes: %v %d", err, len(notes))
	}
	for i, n := range notes {
		hour("a note's time", n.CreatedAt)
		if want := fmt.Sprintf("note %d", i); n.Body != want {
			t.Fatalf("note %d is %q", i, n.Body)
		}
	}
	trail, err := s.Audit(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range trail {
		hour("an audit entry's time", a.At)
		actions = append(actions, a.Action)
	}
	want := []string{"submitted"}
	for i := 0; i < 4; i++ {
		want = append(want, "reply", "resident reply", "note")
	}
	want = append(want, "assign", "status", "pin locked", "pin unlocked")
	if !slices.Equal(actions, want) {
		t.Fatalf("the audit trail comes back as %q, want %q", actions, want)
	}
	// Named requests keep exact times.
	for _, id := range []int64{before.ID, after.ID} {
		trail, _ := s.Audit(ctx(t), id)
		if r, _ := s.Request(ctx(t), id); r.CreatedAt.Equal(r.CreatedAt.Truncate(time.Hour)) || trail[0].At.Equal(trail[0].At.Truncate(time.Hour)) {
			t.Errorf("a named request's times are exact: %v, %v", r.CreatedAt, trail[0].At)
		}
	}
}

// testInboxTies: anonymous requests made in one hour share a due time; the
// inbox pages through them by their (random) IDs, each once.
func testInboxTies(t *testing.T, s Store, clock *Clock) {
	made := map[int64]bool{}
	for i := 0; i < 13; i++ {
		made[mustSubmit(t, s, NewRequest(fmt.Sprintf("tie-%d", i))).ID] = true
		clock.Add(time.Minute)
	}
	var ids []int64
	q := buurtloket.InboxQuery{Limit: 5}
	for pages := 0; ; pages++ {
		page, err := s.Inbox(ctx(t), q)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range page.Requests {
			ids = append(ids, r.ID)
		}
		if page.Next == nil {
			break
		}
		q.After = page.Next
	}
	if len(ids) != len(made) || !slices.IsSorted(ids) {
		t.Fatalf("the inbox pages through %v, want each of the %d once, by ID", ids, len(made))
	}
	for _, id := range ids {
		if !made[id] {
			t.Fatalf("request %d in the inbox was not made", id)
		}
	}
}
