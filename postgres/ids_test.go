package postgres

import (
	"context"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/storetest"
)

// TestIDClash: a random ID that is taken already is drawn again, for a
// request and for the rows that belong to it.
func TestIDClash(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	defer db.Close()
	first, err := db.Submit(ctx, storetest.NewRequest("first"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := buurtloket.Prepare(storetest.NewRequest("second"), db.sealer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.ID = first.ID
	second, err := db.submit(ctx, p)
	if err != nil || second.ID == first.ID || second.Duplicate {
		t.Fatalf("a taken request ID: %v, %+v", err, second)
	}
	if r, err := db.RequestByTicket(ctx, second.Ticket, second.PIN); err != nil || r.ID != second.ID {
		t.Fatalf("the second request: %v", err)
	}
	m, err := db.Reply(ctx, first.ID, "staff:anna", "een")
	if err != nil {
		t.Fatal(err)
	}
	draws := []int64{m.ID, m.ID}
	newID = func() int64 {
		if len(draws) > 0 {
			id := draws[0]
			draws = draws[1:]
			return id
		}
		return buurtloket.NewID()
	}
	defer func() { newID = buurtloket.NewID }()
	again, err := db.Reply(ctx, second.ID, "staff:anna", "twee")
	if err != nil || again.ID == m.ID {
		t.Fatalf("a taken message ID: %v, %+v", err, again)
	}
	if thread, _ := db.Thread(ctx, first.ID); len(thread) != 1 || thread[0].Body != "een" {
		t.Fatalf("the first thread changed: %+v", thread)
	}
}
