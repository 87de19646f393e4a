package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"buurtloket"
)

// listen starts listening to from's changes and returns them as they
// come. It returns once listening works: it submits probe requests to
// submitTo until one is heard, then one more, and drains what the probes
// made up to that last one's change (changes come in commit order), so
// that a late probe's change is not taken for a test's.
func listen(t *testing.T, from, submitTo Store) <-chan buurtloket.Change {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	got := make(chan buurtloket.Change, 64)
	go from.Changes(ctx, func(c buurtloket.Change) {
		select {
		case got <- c:
		default:
		}
	})
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("no change heard in 5 seconds")
		}
		mustSubmit(t, submitTo, NewRequest(fmt.Sprintf("probe-%d", i)))
		select {
		case <-got:
		case <-time.After(100 * time.Millisecond):
			continue
		}
		break
	}
	last := mustSubmit(t, submitTo, NewRequest("probe-last"))
	for {
		select {
		case c := <-got:
			if c.Kind == buurtloket.ChangeRequest && c.RequestID == last.ID {
				return got
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the last probe was not heard in 10 seconds")
		}
	}
}

// next returns the next change, or fails after 5 seconds.
func next(t *testing.T, got <-chan buurtloket.Change) buurtloket.Change {
	t.Helper()
	select {
	case c := <-got:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no change heard in 5 seconds")
	}
	return buurtloket.Change{}
}

// silent checks that no change comes for a moment.
func silent(t *testing.T, got <-chan buurtloket.Change, after string) {
	t.Helper()
	select {
	case c := <-got:
		t.Fatalf("after %s, a change: %+v", after, c)
	case <-time.After(300 * time.Millisecond):
	}
}

// testChanges: a new request, a resident's message, a staff reply, a new
// status and a reply's delivery are heard, once committed; a retried
// submission and a refused write are not. What staff and the delivery
// worker did is marked ByStaff; what dates the resident (their request,
// their message, a reply shown on their open page) is not.
func testChanges(t *testing.T, s Store, clock *Clock) {
	got := listen(t, s, s)
	rec := mustSubmit(t, s, NewRequest("heard"))
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeRequest, RequestID: rec.ID, Anonymous: true}) {
		t.Fatalf("after a new anonymous request: %+v", c)
	}
	named := mustSubmit(t, s, named("heard-named"))
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeRequest, RequestID: named.ID}) {
		t.Fatalf("after a new named request: %+v", c)
	}
	mustSubmit(t, s, NewRequest("heard"))
	silent(t, got, "a retried submission")
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "Wij bellen u."); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeReply, RequestID: rec.ID, Anonymous: true, ByStaff: true}) {
		t.Fatalf("after a staff reply: %+v", c)
	}
	claimed, err := s.ClaimDeliveries(ctx(t), 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %d", err, len(claimed))
	}
	if err := s.DeliveryDone(ctx(t), claimed[0].ID, buurtloket.DeliveryHeld); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeDelivery, RequestID: rec.ID, Anonymous: true, ByStaff: true}) {
		t.Fatalf("after a delivery: %+v", c)
	}
	silent(t, got, "a delivery")
	again, err := s.Reply(ctx(t), rec.ID, "staff:anna", "Of morgen.")
	if err != nil {
		t.Fatal(err)
	}
	next(t, got)
	if n, err := s.ShownToResident(ctx(t), rec.ID, []int64{again.ID}); err != nil || n != 1 {
		t.Fatalf("shown on the open page: %d, %v", n, err)
	}
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeDelivery, RequestID: rec.ID, Anonymous: true}) {
		t.Fatalf("after a reply shown on the resident's open page: %+v", c)
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "Dank u."); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeMessage, RequestID: rec.ID, Anonymous: true}) {
		t.Fatalf("after a resident's message: %+v", c)
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, ""); code(err) != buurtloket.EINVALID {
		t.Fatalf("an empty message: %v", err)
	}
	if err := s.Assign(ctx(t), rec.ID, "staff:anna", "staff:anna"); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeAssign, RequestID: rec.ID, Anonymous: true, ByStaff: true}) {
		t.Fatalf("after a claim: %+v", c)
	}
	if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeStatus, RequestID: rec.ID, Anonymous: true, ByStaff: true}) {
		t.Fatalf("after a new status: %+v", c)
	}
	if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", buurtloket.StatusClosed); err == nil {
		t.Fatal("closed twice")
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "Nog iets."); err == nil {
		// A closed request takes no message; if it does, it must be heard.
		next(t, got)
	}
	silent(t, got, "refused writes")
}

// SharedChanges: what one process writes, a listener of the other hears.
func SharedChanges(t *testing.T, a, b Store) {
	got := listen(t, b, a)
	rec := mustSubmit(t, a, named("across"))
	if c := next(t, got); c != (buurtloket.Change{Kind: buurtloket.ChangeRequest, RequestID: rec.ID}) {
		t.Fatalf("the other process heard %+v", c)
	}
}
