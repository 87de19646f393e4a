package storetest

import (
	"testing"

	"buurtloket"
)

// draws makes a source of IDs that gives ids first, then random ones, and
// a check that the store drew every one of ids.
func draws(t *testing.T, ids ...int64) (next func() int64, drawn func()) {
	next = func() int64 {
		if len(ids) > 0 {
			id := ids[0]
			ids = ids[1:]
			return id
		}
		return buurtloket.NewID()
	}
	drawn = func() {
		t.Helper()
		if len(ids) > 0 {
			t.Fatalf("the store did not draw its IDs from SetIDs: %d planted IDs left", len(ids))
		}
	}
	return next, drawn
}

// testIDClash: a random ID that is taken already is drawn again, for a
// request and for the rows that belong to it, and nothing of the row that
// had it changes.
func testIDClash(t *testing.T, s Store, clock *Clock) {
	first := mustSubmit(t, s, NewRequest("first"))
	next, drawn := draws(t, first.ID)
	s.SetIDs(next)
	second := mustSubmit(t, s, NewRequest("second"))
	drawn()
	if second.ID == first.ID || second.Duplicate {
		t.Fatalf("a taken request ID: %+v", second)
	}
	if r, err := s.RequestByTicket(ctx(t), second.Ticket, second.PIN); err != nil || r.ID != second.ID || r.Summary != NewRequest("second").Summary {
		t.Fatalf("the second request: %v", err)
	}
	m, err := s.Reply(ctx(t), first.ID, "staff:anna", "een")
	if err != nil {
		t.Fatal(err)
	}
	next, drawn = draws(t, m.ID, m.ID)
	s.SetIDs(next)
	again, err := s.Reply(ctx(t), second.ID, "staff:anna", "twee")
	drawn()
	if err != nil || again.ID == m.ID {
		t.Fatalf("a taken message ID: %v, %+v", err, again)
	}
	if thread, _ := s.Thread(ctx(t), first.ID); len(thread) != 1 || thread[0].Body != "een" {
		t.Fatalf("the first thread changed: %+v", thread)
	}
	if thread, _ := s.Thread(ctx(t), second.ID); len(thread) != 1 || thread[0].Body != "twee" {
		t.Fatalf("the second thread: %+v", thread)
	}
}
