package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"buurtloket"
)

// lockOf returns where a request's ticket stands with wrong PINs.
func lockOf(t *testing.T, s Store, id int64) buurtloket.PINLock {
	t.Helper()
	r, err := s.Request(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.PINLock
}

// auditOf returns a request's audit trail as "actor action detail" lines.
func auditOf(t *testing.T, s Store, id int64) []string {
	t.Helper()
	trail, err := s.Audit(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range trail {
		out = append(out, strings.TrimSpace(a.Actor+" "+a.Action+" "+a.Detail))
	}
	return out
}

// pinLocks returns the "pin locked" lines of an audit trail.
func pinLocks(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, "pin locked") {
			out = append(out, l)
		}
	}
	return out
}

func testPINLockSchedule(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("pins"))
	bystander := mustSubmit(t, s, NewRequest("pins-other"))
	wrong := OtherPIN(rec.PIN)
	try := func(pin string) error {
		t.Helper()
		_, err := s.RequestByTicket(ctx(t), rec.Ticket, pin)
		return err
	}
	wantLocked := func(err error, until time.Time) {
		t.Helper()
		got, ok := buurtloket.Until(err)
		if code(err) != buurtloket.ELOCKED || !ok || !got.Equal(until) {
			t.Fatalf("got %v (until %v), want locked until %v", err, got, until)
		}
	}
	// Malformed PINs and unknown or malformed codes count nothing.
	for _, pin := range []string{"", "12", "12345", "12a4", strings.Repeat("1", 100)} {
		if err := try(pin); code(err) != buurtloket.ENOTFOUND {
			t.Fatalf("PIN %q: %v", pin, err)
		}
	}
	if _, err := s.RequestByTicket(ctx(t), "K7QM-3XHD", rec.PIN); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("unknown code: %v", err)
	}
	if l := lockOf(t, s, rec.ID); l != (buurtloket.PINLock{}) {
		t.Fatalf("nothing counts yet, got %+v", l)
	}
	// The free tries: the same not-found as an unknown code.
	for i := 1; i < buurtloket.FreeWrongPINs; i++ {
		err := try(wrong)
		if code(err) != buurtloket.ENOTFOUND || buurtloket.ErrorMessage(err) != buurtloket.ErrorMessage(buurtloket.NoSuchTicket()) {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	// A wrong PIN through a reply counts the same, and stores nothing.
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, wrong, "hallo"); code(err) != buurtloket.ELOCKED {
		t.Fatalf("the fifth wrong PIN, in a reply: %v", err)
	}
	if thread, _ := s.Thread(ctx(t), rec.ID); len(thread) != 0 {
		t.Fatalf("a reply with a wrong PIN was stored: %+v", thread)
	}
	wantLocked(try(rec.PIN), clock.Now().Add(15*time.Minute)) // the right PIN too
	wantLocked(try(wrong), clock.Now().Add(15*time.Minute))   // and this one is not counted
	if l := lockOf(t, s, rec.ID); l.Wrong != 5 || l.StaffOnly {
		t.Fatalf("after five wrong PINs: %+v", l)
	}
	// Other tickets are not affected.
	if _, err := s.RequestByTicket(ctx(t), bystander.Ticket, bystander.PIN); err != nil {
		t.Fatalf("another ticket: %v", err)
	}
	clock.Add(15*time.Minute - time.Second)
	wantLocked(try(rec.PIN), clock.Now().Add(time.Second))
	clock.Add(time.Second)
	if err := try(rec.PIN); err != nil {
		t.Fatalf("after the wait the right PIN works: %v", err)
	}
	if l := lockOf(t, s, rec.ID); l.Wrong != 5 {
		t.Fatalf("the right PIN must not forget the wrong ones: %+v", l)
	}
	// Each wrong PIN from now on locks, for longer each time.
	wantLocked(try(wrong), clock.Now().Add(time.Hour))
	clock.Add(time.Hour)
	wantLocked(try(wrong), clock.Now().Add(24*time.Hour))
	clock.Add(24 * time.Hour)
	if err := try(wrong); code(err) != buurtloket.ELOCKED {
		t.Fatalf("the eighth wrong PIN: %v", err)
	}
	clock.Add(30 * 24 * time.Hour)
	for _, err := range []error{try(rec.PIN), try(wrong)} {
		if until, ok := buurtloket.Until(err); code(err) != buurtloket.ELOCKED || !ok || !until.IsZero() {
			t.Fatalf("after %d wrong PINs only staff can unlock: %v", buurtloket.MaxWrongPINs, err)
		}
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "hallo"); code(err) != buurtloket.ELOCKED {
		t.Fatalf("a reply on a locked ticket: %v", err)
	}
	if l := lockOf(t, s, rec.ID); l.Wrong != buurtloket.MaxWrongPINs || !l.StaffOnly {
		t.Fatalf("locked for staff: %+v", l)
	}
	page, err := s.Inbox(ctx(t), buurtloket.InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Requests {
		if want := r.ID == rec.ID; r.PINLock.StaffOnly != want {
			t.Fatalf("the inbox shows request %d with %+v", r.ID, r.PINLock)
		}
	}
	if got := strings.Join(pinLocks(auditOf(t, s, rec.ID)), "; "); got != "system pin locked 15m; system pin locked 1h; system pin locked 24h; system pin locked staff" {
		t.Fatalf("the locks in the audit trail: %s", got)
	}
	// Staff unlock it; that is recorded, and the right PIN works again.
	if err := s.UnlockPIN(ctx(t), rec.ID, ""); code(err) != buurtloket.EINVALID {
		t.Fatalf("unlocking needs who did it: %v", err)
	}
	if err := s.UnlockPIN(ctx(t), 987654, "staff:anna"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("unlocking no request: %v", err)
	}
	if err := s.UnlockPIN(ctx(t), rec.ID, "staff:anna"); err != nil {
		t.Fatal(err)
	}
	if trail := auditOf(t, s, rec.ID); trail[len(trail)-1] != "staff:anna pin unlocked" {
		t.Fatalf("the unlock is not in the audit trail: %q", trail)
	}
	if l := lockOf(t, s, rec.ID); l != (buurtloket.PINLock{Total: buurtloket.MaxWrongPINs}) {
		t.Fatalf("after the unlock: %+v", l)
	}
	if r, err := s.RequestByTicket(ctx(t), rec.Ticket, rec.PIN); err != nil || r.ID != rec.ID {
		t.Fatalf("after the unlock the right PIN works: %v", err)
	}
	if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, "hallo"); err != nil {
		t.Fatalf("after the unlock a reply works: %v", err)
	}
}

// testConcurrentGuesses: many guessers at once, through both ways in, get
// no more than MaxWrongPINs comparisons between two staff unlocks.
func testConcurrentGuesses(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("guess"))
	wrong := OtherPIN(rec.PIN)
	const guessers = 40
	round := func() (notFound, locked int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for g := 0; g < guessers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if g%2 == 0 {
					_, err = s.RequestByTicket(ctx(t), rec.Ticket, wrong)
				} else {
					_, err = s.ResidentReply(ctx(t), rec.Ticket, wrong, "raden")
				}
				mu.Lock()
				defer mu.Unlock()
				switch code(err) {
				case buurtloket.ENOTFOUND:
					notFound++
				case buurtloket.ELOCKED:
					locked++
				default:
					t.Errorf("guess: %v", err)
				}
			}()
		}
		wg.Wait()
		return notFound, locked
	}
	// Each round starts when the lock of the one before has ended: the
	// free tries and one that locks in the first, one that locks in each
	// of the others, and none at all once only staff can unlock.
	rounds := []struct {
		wait      time.Duration
		notFound  int
		wrong     int
		staffOnly bool
	}{
		{0, buurtloket.FreeWrongPINs - 1, buurtloket.FreeWrongPINs, false},
		{15 * time.Minute, 0, 6, false},
		{time.Hour, 0, 7, false},
		{24 * time.Hour, 0, buurtloket.MaxWrongPINs, true},
		{48 * time.Hour, 0, buurtloket.MaxWrongPINs, true},
	}
	for i, r := range rounds {
		clock.Add(r.wait)
		notFound, locked := round()
		if notFound != r.notFound || locked != guessers-r.notFound {
			t.Fatalf("round %d: %d not found and %d locked, want %d and %d", i+1, notFound, locked, r.notFound, guessers-r.notFound)
		}
		if l := lockOf(t, s, rec.ID); l.Wrong != r.wrong || l.StaffOnly != r.staffOnly {
			t.Fatalf("round %d: %+v, want %d wrong PINs compared in all", i+1, l, r.wrong)
		}
	}
	if n := len(pinLocks(auditOf(t, s, rec.ID))); n != 4 {
		t.Fatalf("%d locks recorded, want 4", n)
	}
	if thread, _ := s.Thread(ctx(t), rec.ID); len(thread) != 0 {
		t.Fatalf("guessed replies were stored: %d", len(thread))
	}
	if _, err := s.RequestByTicket(ctx(t), rec.Ticket, rec.PIN); code(err) != buurtloket.ELOCKED {
		t.Fatalf("the right PIN before the unlock: %v", err)
	}
	if err := s.UnlockPIN(ctx(t), rec.ID, "staff:anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestByTicket(ctx(t), rec.Ticket, rec.PIN); err != nil {
		t.Fatalf("the right PIN after the unlock: %v", err)
	}
}

// SharedPINCount checks that two stores opened on one database (two
// buurtloket processes) count wrong PINs on a ticket together.
func SharedPINCount(t *testing.T, a, b Store) {
	clock := NewClock()
	a.SetClock(clock.Now)
	b.SetClock(clock.Now)
	rec := mustSubmit(t, a, NewRequest("shared-pin"))
	wrong := OtherPIN(rec.PIN)
	for i := 1; i <= buurtloket.FreeWrongPINs; i++ {
		_, err := []Store{a, b}[i%2].RequestByTicket(ctx(t), rec.Ticket, wrong)
		want := buurtloket.ENOTFOUND
		if i == buurtloket.FreeWrongPINs {
			want = buurtloket.ELOCKED
		}
		if code(err) != want {
			t.Fatalf("wrong PIN %d: %v, want %s", i, err, want)
		}
	}
	for _, s := range []Store{a, b} {
		if _, err := s.RequestByTicket(ctx(t), rec.Ticket, rec.PIN); code(err) != buurtloket.ELOCKED {
			t.Fatalf("the right PIN on a locked ticket: %v", err)
		}
	}
	if l := lockOf(t, b, rec.ID); l.Wrong != buurtloket.FreeWrongPINs {
		t.Fatalf("%+v", l)
	}
}

// testRequestByCode: staff find a request by the code a resident reads
// out, typed as a person types it; an unknown or malformed code is not
// found, and looking it up counts no wrong PIN.
func testRequestByCode(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("by-code"))
	typed := strings.ToLower(strings.ReplaceAll(rec.Ticket, "-", " "))
	r, err := s.RequestByCode(ctx(t), typed)
	if err != nil || r.ID != rec.ID || r.Ticket != rec.Ticket {
		t.Fatalf("by code %q: %+v, %v", typed, r, err)
	}
	if r.PINLock.Wrong != 0 {
		t.Fatalf("a lookup by code counted a wrong PIN: %+v", r.PINLock)
	}
	other := buurtloket.NewTicket()
	for other == rec.Ticket {
		other = buurtloket.NewTicket()
	}
	for _, code := range []string{other, "K7QM-3XH", "not a code", ""} {
		if _, err := s.RequestByCode(ctx(t), code); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
			t.Errorf("code %q: %v, want not found", code, err)
		}
	}
}

// testPINLifetime: an unlock gives the tries since the last unlock back,
// never those of the ticket's life: after MaxLifetimeWrongPINs in all the
// ticket stays locked, and staff cannot unlock it.
func testPINLifetime(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("lifetime"))
	wrong := OtherPIN(rec.PIN)
	guess := func() error {
		clock.Add(25 * time.Hour) // every wait is over
		_, err := s.RequestByTicket(ctx(t), rec.Ticket, wrong)
		return err
	}
	for i := 0; i < buurtloket.MaxWrongPINs; i++ {
		guess()
	}
	if err := s.UnlockPIN(ctx(t), rec.ID, "staff:anna"); err != nil {
		t.Fatal(err)
	}
	for i := buurtloket.MaxWrongPINs; i < buurtloket.MaxLifetimeWrongPINs-1; i++ {
		if err := guess(); code(err) != buurtloket.ENOTFOUND {
			t.Fatalf("wrong PIN %d after the unlock: %v", i+1, err)
		}
	}
	if err := guess(); code(err) != buurtloket.ELOCKED {
		t.Fatalf("the life's last wrong PIN: %v", err)
	}
	if err := s.UnlockPIN(ctx(t), rec.ID, "staff:anna"); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("a spent ticket was unlocked: %v", err)
	}
	if _, err := s.RequestByTicket(ctx(t), rec.Ticket, rec.PIN); code(err) != buurtloket.ELOCKED {
		t.Fatalf("a spent ticket opened with the right PIN: %v", err)
	}
	if l := lockOf(t, s, rec.ID); !l.Spent() || l.Total != buurtloket.MaxLifetimeWrongPINs {
		t.Fatalf("spent: %+v", l)
	}
	locks := pinLocks(auditOf(t, s, rec.ID))
	if last := locks[len(locks)-1]; last != "system pin locked for good" {
		t.Fatalf("the last lock in the audit trail: %q", last)
	}
}
