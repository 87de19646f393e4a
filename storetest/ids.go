package storetest

import (
	"testing"

	"buurtloket"
)

// draws makes a source of IDs that gives ids first, then random ones.
func draws(ids ...int64) func() int64 {
	return func() int64 {
		if len(ids) > 0 {
			id := ids[0]
			ids = ids[1:]
			return id
		}
		return buurtloket.NewID()
	}
}

// testIDClash: a random ID that is taken already is drawn again, for a
// request and for the rows that belong to it, and nothing of the row that
// had it changes.
func testIDClash(t *testing.T, s Store, clock *Clock) {
	first := mustSubmit(t, s, NewRequest("first"))
	s.SetIDs(draws(first.ID))
	second := mustSubmit(t, s, NewRequest("second"))
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
	s.SetIDs(draws(m.ID, m.ID))
	again, err := s.Reply(ctx(t), second.ID, "staff:anna", "twee")
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
