package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
)

func named(key string) buurtloket.NewRequest {
	r := NewRequest(key)
	r.Contact = &buurtloket.Contact{Name: "Fatima", Phone: "0612345678"}
	r.Route = "telegram:4242"
	r.Channel = buurtloket.ChannelTelegram
	return r
}

func testThread(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("thread"))
	m, err := s.Reply(ctx(t), rec.ID, "staff:anna", "  We bellen u morgen.  ")
	if err != nil || m.Body != "We bellen u morgen." || m.Delivery != buurtloket.DeliveryPending {
		t.Fatalf("reply %+v %v", m, err)
	}
	if r, _ := s.Request(ctx(t), rec.ID); r.Status != buurtloket.StatusAnswered {
		t.Fatalf("after a reply the request is %s, want answered", r.Status)
	}
	clock.Add(time.Hour)
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "Dank u, na 14 uur graag."); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Request(ctx(t), rec.ID); r.Status != buurtloket.StatusInProgress {
		t.Fatalf("after the resident's answer the request is %s, want in progress", r.Status)
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, OtherPIN(rec.PIN), "x"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a wrong PIN: %v", err)
	}
	thread, err := s.Thread(ctx(t), rec.ID)
	if err != nil || len(thread) != 2 || thread[0].Author != buurtloket.AuthorStaff || thread[0].Staff != "staff:anna" ||
		thread[1].Author != buurtloket.AuthorResident || thread[1].Body != "Dank u, na 14 uur graag." {
		t.Fatalf("thread %v %+v", err, thread)
	}
	for _, bad := range []string{"", "   ", "a\xffb", strings.Repeat("x", buurtloket.MaxMessageChars+1)} {
		if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", bad); err == nil {
			t.Errorf("reply %.10q accepted", bad)
		}
	}
	if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "nog iets"); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("reply to a closed request: %v", err)
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "nog iets"); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("resident reply to a closed request: %v", err)
	}
	if thread, _ := s.Thread(ctx(t), rec.ID); len(thread) != 2 {
		t.Fatalf("refused messages were stored: %d", len(thread))
	}
	if _, err := s.Thread(ctx(t), 987654); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("thread of no request: %v", err)
	}
}

func testNotesAudit(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("notes"))
	if _, err := s.AddNote(ctx(t), rec.ID, "staff:anna", "Eerder gebeld in maart."); err != nil {
		t.Fatal(err)
	}
	if err := s.Assign(ctx(t), rec.ID, "staff:anna", "staff:bram"); err != nil {
		t.Fatal(err)
	}
	notes, err := s.Notes(ctx(t), rec.ID)
	if err != nil || len(notes) != 1 || notes[0].Body != "Eerder gebeld in maart." || notes[0].Staff != "staff:anna" {
		t.Fatalf("notes %v %+v", err, notes)
	}
	if thread, _ := s.Thread(ctx(t), rec.ID); len(thread) != 0 {
		t.Fatal("a note must never be part of the resident's thread")
	}
	if r, _ := s.Request(ctx(t), rec.ID); r.AssignedTo != "staff:bram" {
		t.Fatalf("assigned to %q", r.AssignedTo)
	}
	if page, _ := s.Inbox(ctx(t), buurtloket.InboxQuery{Assigned: "staff:bram"}); len(page.Requests) != 1 {
		t.Fatalf("inbox of staff:bram has %d", len(page.Requests))
	}
	if _, err := s.AddNote(ctx(t), 987654, "staff:anna", "x"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("note on no request: %v", err)
	}
	trail, err := s.Audit(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Actor+" "+a.Action)
	}
	if got := strings.Join(actions, "; "); got != "resident submitted; staff:anna note; staff:anna assign" {
		t.Fatalf("audit trail: %s", got)
	}
}

func testContactView(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("contact"))
	c, err := s.Contact(ctx(t), rec.ID, "staff:anna")
	if err != nil || c.Name != "Fatima" || c.Phone != "0612345678" {
		t.Fatalf("contact %+v %v", c, err)
	}
	trail, _ := s.Audit(ctx(t), rec.ID)
	if last := trail[len(trail)-1]; last.Actor != "staff:anna" || last.Action != "viewed contact" {
		t.Fatalf("viewing was not recorded: %+v", last)
	}
	anon := mustSubmit(t, s, NewRequest("anonymous"))
	if _, err := s.Contact(ctx(t), anon.ID, "staff:anna"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an anonymous request has no contact: %v", err)
	}
	if _, err := s.Contact(ctx(t), rec.ID, ""); code(err) != buurtloket.EINVALID {
		t.Fatalf("looking needs a name: %v", err)
	}
}

func testOutbox(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("outbox"))
	kiosk := mustSubmit(t, s, NewRequest("outbox-kiosk"))
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "Eerste"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reply(ctx(t), kiosk.ID, "staff:anna", "Voor de kiosk"); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimDeliveries(ctx(t), 10, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("claim: %v, %d", err, len(got))
	}
	d := got[0]
	if d.Route != "telegram:4242" || d.Channel != buurtloket.ChannelTelegram || d.Body != "Eerste" || d.Lang != "ar" || d.Ticket != rec.Ticket {
		t.Fatalf("delivery %+v", d)
	}
	if got[1].Route != "" {
		t.Fatalf("a kiosk request has no route, got %q", got[1].Route)
	}
	// Claimed entries are not handed out again during the lease.
	if again, _ := s.ClaimDeliveries(ctx(t), 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed twice: %d", len(again))
	}
	if err := s.DeliveryFailed(ctx(t), d.ID, "telegram: 502 Bad Gateway", clock.Now().Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeliveryDone(ctx(t), got[1].ID, buurtloket.DeliveryHeld); err != nil {
		t.Fatal(err)
	}
	thread, _ := s.Thread(ctx(t), rec.ID)
	if m := thread[0]; m.Delivery != buurtloket.DeliveryRetrying || m.Attempts != 1 || m.LastError != "telegram: 502 Bad Gateway" {
		t.Fatalf("after a failure: %+v", m)
	}
	if kt, _ := s.Thread(ctx(t), kiosk.ID); kt[0].Delivery != buurtloket.DeliveryHeld {
		t.Fatalf("kiosk message: %s", kt[0].Delivery)
	}
	if early, _ := s.ClaimDeliveries(ctx(t), 10, time.Minute); len(early) != 0 {
		t.Fatal("a retry must wait until its time")
	}
	clock.Add(31 * time.Second)
	retry, err := s.ClaimDeliveries(ctx(t), 10, time.Minute)
	if err != nil || len(retry) != 1 || retry[0].ID != d.ID || retry[0].Attempts != 1 {
		t.Fatalf("retry: %v %+v", err, retry)
	}
	if err := s.DeliveryDone(ctx(t), d.ID, buurtloket.DeliverySent); err != nil {
		t.Fatal(err)
	}
	if err := s.DeliveryDone(ctx(t), d.ID, buurtloket.DeliverySent); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("done twice: %v", err)
	}
	thread, _ = s.Thread(ctx(t), rec.ID)
	if m := thread[0]; m.Delivery != buurtloket.DeliverySent || m.Attempts != 2 || m.LastError != "" {
		t.Fatalf("after delivery: %+v", m)
	}
	// An entry whose worker died is handed out again after the lease.
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "Tweede"); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.ClaimDeliveries(ctx(t), 10, time.Minute); len(first) != 1 {
		t.Fatal("the second reply is not in the outbox")
	}
	clock.Add(2 * time.Minute)
	if again, _ := s.ClaimDeliveries(ctx(t), 10, time.Minute); len(again) != 1 {
		t.Fatal("an expired lease must free the entry")
	}
}

// testShownToResident: a reply shown on the follow-up page is delivered,
// before or after the delivery worker held it, and leaves the outbox; a
// reply on its way to a chat is left to the worker; the worker's late
// word finds nothing to do.
func testShownToResident(t *testing.T, s Store, clock *Clock) {
	kiosk := mustSubmit(t, s, NewRequest("shown-kiosk"))
	chat := mustSubmit(t, s, named("shown-chat"))
	early, err := s.Reply(ctx(t), kiosk.ID, "staff:anna", "Voor de pagina")
	if err != nil {
		t.Fatal(err)
	}
	toChat, err := s.Reply(ctx(t), chat.ID, "staff:anna", "Voor de chat")
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := s.ClaimDeliveries(ctx(t), 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v, %d", err, len(claimed))
	}
	// Shown while the worker holds its claim: delivered, and the worker's
	// word comes too late.
	if n, err := s.ShownToResident(ctx(t), kiosk.ID, []int64{early.ID}); err != nil || n != 1 {
		t.Fatalf("shown: %d, %v", n, err)
	}
	for _, d := range claimed {
		if d.RequestID == kiosk.ID {
			if err := s.DeliveryDone(ctx(t), d.ID, buurtloket.DeliveryHeld); code(err) != buurtloket.ENOTFOUND {
				t.Fatalf("the worker's late word: %v", err)
			}
		}
	}
	if m := last(t, s, kiosk.ID); m.Delivery != buurtloket.DeliverySent {
		t.Fatalf("shown on the page: %s", m.Delivery)
	}
	// On its way to a chat: left to the worker.
	if n, err := s.ShownToResident(ctx(t), chat.ID, []int64{toChat.ID}); err != nil || n != 0 {
		t.Fatalf("a reply on its way to a chat: %d, %v", n, err)
	}
	if m := last(t, s, chat.ID); m.Delivery != buurtloket.DeliveryPending {
		t.Fatalf("on its way to a chat: %s", m.Delivery)
	}
	// Held by the worker first (no route), then shown.
	held, err := s.Reply(ctx(t), kiosk.ID, "staff:anna", "Later")
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Minute)
	again, _ := s.ClaimDeliveries(ctx(t), 10, time.Minute)
	for _, d := range again {
		if d.MessageID == held.ID {
			if err := s.DeliveryDone(ctx(t), d.ID, buurtloket.DeliveryHeld); err != nil {
				t.Fatal(err)
			}
		}
	}
	if m := last(t, s, kiosk.ID); m.Delivery != buurtloket.DeliveryHeld {
		t.Fatalf("before it is shown: %s", m.Delivery)
	}
	// A message of another request, and one shown before, are not marked.
	if n, err := s.ShownToResident(ctx(t), chat.ID, []int64{held.ID}); err != nil || n != 0 {
		t.Fatalf("another request's message: %d, %v", n, err)
	}
	if n, err := s.ShownToResident(ctx(t), kiosk.ID, []int64{early.ID, held.ID}); err != nil || n != 1 {
		t.Fatalf("shown after it was held: %d, %v", n, err)
	}
	if m := last(t, s, kiosk.ID); m.Delivery != buurtloket.DeliverySent {
		t.Fatalf("shown after it was held: %s", m.Delivery)
	}
	if n, err := s.ShownToResident(ctx(t), kiosk.ID, nil); err != nil || n != 0 {
		t.Fatalf("nothing shown: %d, %v", n, err)
	}
	many := make([]int64, buurtloket.MaxThreadPage+1)
	if _, err := s.ShownToResident(ctx(t), kiosk.ID, many); code(err) != buurtloket.EINVALID {
		t.Fatalf("too many at once: %v", err)
	}
}

// testShownWhileDelivering: the page showing replies while the delivery
// worker records them, many at once: no write fails (on PostgreSQL the
// two once locked the same rows in opposite orders and deadlocked), and
// every reply ends delivered.
func testShownWhileDelivering(t *testing.T, s Store, clock *Clock) {
	type reply struct{ request, message int64 }
	var replies []reply
	for i := 0; i < 30; i++ {
		rec := mustSubmit(t, s, NewRequest(fmt.Sprintf("race-%d", i)))
		m, err := s.Reply(ctx(t), rec.ID, "staff:anna", "Kom langs.")
		if err != nil {
			t.Fatal(err)
		}
		replies = append(replies, reply{rec.ID, m.ID})
	}
	claimed, err := s.ClaimDeliveries(ctx(t), 100, time.Minute)
	if err != nil || len(claimed) != len(replies) {
		t.Fatalf("claim: %v %d", err, len(claimed))
	}
	var wg sync.WaitGroup
	for i := range replies {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := s.ShownToResident(ctx(t), replies[i].request, []int64{replies[i].message}); err != nil {
				t.Errorf("shown: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := s.DeliveryDone(ctx(t), claimed[i].ID, buurtloket.DeliveryHeld); err != nil && code(err) != buurtloket.ENOTFOUND {
				t.Errorf("delivery done: %v", err)
			}
		}()
	}
	wg.Wait()
	for _, r := range replies {
		if m := last(t, s, r.request); m.Delivery != buurtloket.DeliverySent {
			t.Fatalf("request %d: %s after it was shown", r.request, m.Delivery)
		}
	}
}

// last returns the newest message of a request's thread.
func last(t *testing.T, s Store, id int64) *buurtloket.Message {
	t.Helper()
	thread, err := s.Thread(ctx(t), id)
	if err != nil || len(thread) == 0 {
		t.Fatalf("thread: %v, %d", err, len(thread))
	}
	return thread[len(thread)-1]
}

func testConcurrentClaims(t *testing.T, s Store, clock *Clock) {
	for i := 0; i < 20; i++ {
		rec := mustSubmit(t, s, named("claims-"+string(rune('a'+i))))
		if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "bericht"); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDeliveries(ctx(t), 3, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Fatalf("%d entries claimed, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("entry %d claimed %d times", id, n)
		}
	}
}

func testPurge(t *testing.T, s Store, clock *Clock) {
	retention, err := buurtloket.ParseRetention("30,worry=7")
	if err != nil {
		t.Fatal(err)
	}
	worry := NewRequest("p-worry")
	worry.Topic = buurtloket.TopicWorry
	w := mustSubmit(t, s, worry)
	m := mustSubmit(t, s, named("p-money"))
	open := mustSubmit(t, s, NewRequest("p-open"))
	for _, id := range []int64{w.ID, m.ID} {
		if _, err := s.Reply(ctx(t), id, "staff:anna", "antwoord"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetStatus(ctx(t), id, "staff:anna", buurtloket.StatusClosed); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(8 * 24 * time.Hour) // past worry's 7 days, not money's 30
	report, err := s.Purge(ctx(t), retention, true)
	if err != nil || report.Total() != 1 || report.Requests[buurtloket.TopicWorry] != 1 || report.PINs != 3 {
		t.Fatalf("dry run: %v %+v", err, report)
	}
	if _, err := s.Request(ctx(t), w.ID); err != nil {
		t.Fatal("a dry run must remove nothing")
	}
	if report, err = s.Purge(ctx(t), retention, false); err != nil || report.Total() != 1 {
		t.Fatalf("purge: %v %+v", err, report)
	}
	if _, err := s.Request(ctx(t), w.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the purged request is still there: %v", err)
	}
	if _, err := s.Thread(ctx(t), w.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatal("the purged request's thread is still there")
	}
	for _, id := range []int64{m.ID, open.ID} {
		if _, err := s.Request(ctx(t), id); err != nil {
			t.Fatalf("request %d must stay: %v", id, err)
		}
	}
	// The sealed PIN copies are gone, so a retry after a day gets no PIN.
	if again := mustSubmit(t, s, NewRequest("p-open")); !again.Duplicate || again.PIN != "" || again.Ticket != open.Ticket {
		t.Fatalf("retry after the PIN copy was cleared: %+v", again)
	}
	if _, err := s.RequestByTicket(ctx(t), open.Ticket, open.PIN); err != nil {
		t.Fatal("the PIN must still work after its copy is cleared")
	}
	if report, err = s.Purge(ctx(t), retention, false); err != nil || report.Total() != 0 || report.PINs != 0 {
		t.Fatalf("a second purge: %v %+v", err, report)
	}
}

// testConcurrentPurges: purges at the same moment (every instance runs
// one) remove and count each request once.
func testConcurrentPurges(t *testing.T, s Store, clock *Clock) {
	const n = 20
	for i := 0; i < n; i++ {
		rec := mustSubmit(t, s, NewRequest(fmt.Sprintf("purge-%d", i)))
		if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(31 * 24 * time.Hour)
	retention, _ := buurtloket.ParseRetention("30")
	reports := make(chan buurtloket.PurgeReport, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Purge(ctx(t), retention, false)
			if err != nil {
				t.Error(err)
			}
			reports <- r
		}()
	}
	wg.Wait()
	close(reports)
	total := 0
	for r := range reports {
		total += r.Requests[buurtloket.TopicMoney]
	}
	if total != n {
		t.Fatalf("4 purges at once counted %d requests, want %d", total, n)
	}
}

// OtherPIN returns a PIN that is surely not pin: a wrong one, for tests.
func OtherPIN(pin string) string {
	if pin == "0000" {
		return "1111"
	}
	return "0000"
}

func testThreadPage(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("pages"))
	for i := 0; i < 7; i++ {
		var err error
		if i%2 == 0 {
			_, err = s.Reply(ctx(t), rec.ID, "staff:anna", fmt.Sprintf("bericht %d", i))
		} else {
			_, err = s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, fmt.Sprintf("bericht %d", i))
		}
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Minute)
	}
	all, err := s.Thread(ctx(t), rec.ID)
	if err != nil || len(all) != 7 {
		t.Fatalf("thread: %v, %d", err, len(all))
	}
	bodies := func(ms []*buurtloket.Message) string {
		var b []string
		for _, m := range ms {
			b = append(b, m.Body)
		}
		return strings.Join(b, ", ")
	}
	// Newest page first, each page oldest first, until nothing remains.
	var pages []string
	before := int64(0)
	for {
		page, more, err := s.ThreadPage(ctx(t), rec.ID, before, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, bodies(page))
		if !more {
			break
		}
		if len(pages) > 5 {
			t.Fatal("paging runs away")
		}
		before = page[0].ID
	}
	if got := strings.Join(pages, " | "); got != "bericht 4, bericht 5, bericht 6 | bericht 1, bericht 2, bericht 3 | bericht 0" {
		t.Fatalf("pages: %s", got)
	}
	// A page that takes exactly what remains says nothing more remains.
	page, more, err := s.ThreadPage(ctx(t), rec.ID, all[4].ID, 4)
	if err != nil || more || bodies(page) != bodies(all[:4]) {
		t.Fatalf("the last page: %v %v %s", err, more, bodies(page))
	}
	if page, more, err := s.ThreadPage(ctx(t), rec.ID, 0, 100); err != nil || more || bodies(page) != bodies(all) {
		t.Fatalf("one page for all: %v %v %s", err, more, bodies(page))
	}
	for _, limit := range []int{0, -1, buurtloket.MaxThreadPage + 1} {
		if _, _, err := s.ThreadPage(ctx(t), rec.ID, 0, limit); code(err) != buurtloket.EINVALID {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
	if _, _, err := s.ThreadPage(ctx(t), 987654, 0, 10); code(err) != buurtloket.ENOTFOUND {
		t.Errorf("no such request: %v", err)
	}
	other := mustSubmit(t, s, named("pages-other"))
	m, err := s.Reply(ctx(t), other.ID, "staff:anna", "elders")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ThreadPage(ctx(t), rec.ID, m.ID, 10); code(err) != buurtloket.ENOTFOUND {
		t.Errorf("before a message of another thread: %v", err)
	}
}

func testThreadBounds(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("bounds"))
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "Waarmee kunnen we helpen?"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < buurtloket.MaxUnanswered; i++ {
		if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, fmt.Sprintf("nog iets %d", i)); err != nil {
			t.Fatalf("resident message %d: %v", i+1, err)
		}
	}
	_, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "en nog iets")
	if code(err) != buurtloket.ELIMITED || !strings.Contains(buurtloket.ErrorMessage(err), "wait") {
		t.Fatalf("message %d without an answer: %v", buurtloket.MaxUnanswered+1, err)
	}
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "We lezen alles."); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "dank u"); err != nil {
		t.Fatalf("after staff answered: %v", err)
	}
	// Fill the thread from many writers at once: exactly MaxThread are kept.
	have := 1 + buurtloket.MaxUnanswered + 2
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored, limited := 0, 0
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < (buurtloket.MaxThread-have)/16+3; i++ {
				_, err := s.Reply(ctx(t), rec.ID, "staff:anna", "vol")
				mu.Lock()
				switch code(err) {
				case "":
					stored++
				case buurtloket.ELIMITED:
					limited++
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if have+stored != buurtloket.MaxThread || limited == 0 {
		t.Fatalf("%d stored and %d refused, want %d stored", stored, limited, buurtloket.MaxThread-have)
	}
	if thread, _ := s.Thread(ctx(t), rec.ID); len(thread) != buurtloket.MaxThread {
		t.Fatalf("the thread holds %d", len(thread))
	}
	_, err = s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "nog één")
	if code(err) != buurtloket.ELIMITED || !strings.Contains(buurtloket.ErrorMessage(err), "holds") {
		t.Fatalf("a resident message in a full thread: %v", err)
	}
}

// testCannedReply: a reply made from a canned reply keeps the reply's ID;
// a free text has none; a malformed ID stores nothing.
func testCannedReply(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("canned"))
	if _, err := s.CannedReply(ctx(t), rec.ID, "staff:anna", "money_payment_plan", "نص"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CannedReply(ctx(t), rec.ID, "staff:anna", "Geld!", "x"); code(err) != buurtloket.EINVALID {
		t.Fatalf("a malformed canned ID: %v", err)
	}
	if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "vrij"); err != nil {
		t.Fatal(err)
	}
	thread, err := s.Thread(ctx(t), rec.ID)
	if err != nil || len(thread) != 2 || thread[0].Canned != "money_payment_plan" || thread[0].Body != "نص" || thread[1].Canned != "" {
		t.Fatalf("the thread: %v %+v", err, thread)
	}
}

// testSensitiveActions: contact views and lifted PIN locks are listed
// across requests, newest first, with each request's code, and by who did
// them; other actions are not.
func testSensitiveActions(t *testing.T, s Store, clock *Clock) {
	viewed := mustSubmit(t, s, named("sensitive-viewed"))
	locked := mustSubmit(t, s, NewRequest("sensitive-locked"))
	if _, err := s.Contact(ctx(t), viewed.ID, "staff:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reply(ctx(t), viewed.ID, "staff:1", "Wij bellen u."); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	for i := 0; i < buurtloket.FreeWrongPINs; i++ {
		s.RequestByTicket(ctx(t), locked.Ticket, OtherPIN(locked.PIN))
	}
	if err := s.UnlockPIN(ctx(t), locked.ID, "staff:2"); err != nil {
		t.Fatal(err)
	}
	all, err := s.SensitiveActions(ctx(t), "", nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Action != buurtloket.AuditPINUnlocked || all[0].Ticket != locked.Ticket || all[0].Actor != "staff:2" ||
		all[1].Action != buurtloket.AuditViewedContact || all[1].Ticket != viewed.Ticket || all[1].RequestID != viewed.ID {
		t.Fatalf("sensitive actions: %+v", all)
	}
	if mine, err := s.SensitiveActions(ctx(t), "staff:1", nil, 10); err != nil || len(mine) != 1 || mine[0].Action != buurtloket.AuditViewedContact {
		t.Fatalf("staff:1's sensitive actions: %v %+v", err, mine)
	}
	if one, err := s.SensitiveActions(ctx(t), "", nil, 1); err != nil || len(one) != 1 || one[0].Action != buurtloket.AuditPINUnlocked {
		t.Fatalf("the newest one: %v %+v", err, one)
	}
	// A purged request's entries stay, without its code.
	if err := s.SetStatus(ctx(t), viewed.ID, "staff:1", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour)
	if report, err := s.Purge(ctx(t), buurtloket.Retention{Default: time.Hour}, false); err != nil || report.Total() != 1 {
		t.Fatalf("purge: %v %+v", err, report)
	}
	if after, err := s.SensitiveActions(ctx(t), "", nil, 10); err != nil || len(after) != 2 || after[1].Ticket != "" || after[1].RequestID != viewed.ID || after[0].Ticket != locked.Ticket {
		t.Fatalf("after the viewed request was purged: %v %+v", err, after)
	}
	// The next page goes on after the last of the first.
	if rest, err := s.SensitiveActions(ctx(t), "", all[0], 10); err != nil || len(rest) != 1 || rest[0].ID != all[1].ID {
		t.Fatalf("the page after the newest: %v %+v", err, rest)
	}
	if rest, err := s.SensitiveActions(ctx(t), "", all[1], 10); err != nil || len(rest) != 0 {
		t.Fatalf("the page after the oldest: %v %+v", err, rest)
	}
	if _, err := s.SensitiveActions(ctx(t), "", &buurtloket.AuditEntry{}, 10); code(err) != buurtloket.EINVALID {
		t.Fatalf("a page after nothing: %v", err)
	}
	for _, limit := range []int{0, 1001} {
		if _, err := s.SensitiveActions(ctx(t), "", nil, limit); code(err) != buurtloket.EINVALID {
			t.Fatalf("limit %d: %v", limit, err)
		}
	}
}

// testStaffReplyOnce: the same reply form sent twice, one after the other
// or at the same moment, reaches the thread once; the same text sent from
// a page that showed it is sent again.
func testStaffReplyOnce(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("once"))
	first, repeat, err := s.StaffReply(ctx(t), rec.ID, "staff:1", "", "Wij bellen u morgen.", 0)
	if err != nil || repeat {
		t.Fatalf("the first reply: %v, repeat %v", err, repeat)
	}
	again, repeat, err := s.StaffReply(ctx(t), rec.ID, "staff:1", "", " Wij bellen u morgen. ", 0)
	if err != nil || !repeat || again.ID != first.ID {
		t.Fatalf("the same form again: %v, repeat %v, %d (want %d)", err, repeat, again.ID, first.ID)
	}
	if _, repeat, err := s.StaffReply(ctx(t), rec.ID, "staff:2", "", "Wij bellen u morgen.", 0); err != nil || repeat {
		t.Fatalf("a colleague's same text: %v, repeat %v", err, repeat)
	}
	thread, _ := s.Thread(ctx(t), rec.ID)
	newest := thread[len(thread)-1].ID
	// Eight of the same form at once (two tabs, a script's double click).
	var wg sync.WaitGroup
	var sent atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, repeat, err := s.StaffReply(context.Background(), rec.ID, "staff:1", "thanks", "Dank u wel.", newest); err == nil && !repeat {
				sent.Add(1)
			} else if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if thread, _ = s.Thread(ctx(t), rec.ID); sent.Load() != 1 || len(thread) != 3 {
		t.Fatalf("the same canned reply sent 8 times at once: %d sent, %d messages (want 1 and 3)", sent.Load(), len(thread))
	}
	// From a page that showed it, the same reply is sent again on purpose.
	if _, repeat, err := s.StaffReply(ctx(t), rec.ID, "staff:1", "thanks", "Dank u wel.", thread[2].ID); err != nil || repeat {
		t.Fatalf("the same reply again, on purpose: %v, repeat %v", err, repeat)
	}
	if outbox, err := s.ClaimDeliveries(ctx(t), 10, time.Minute); err != nil || len(outbox) != 4 {
		t.Fatalf("the outbox: %v, %d entries, want 4 (one per message)", err, len(outbox))
	}
}
