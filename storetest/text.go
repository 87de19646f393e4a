package storetest

import (
	"strings"
	"testing"
	"time"

	"buurtloket"
)

// dirty holds, for each character that CleanText removes or changes, a
// text with it and the text as every store must keep it.
var dirty = []struct{ name, in, want string }{
	{"NUL", "a\x00b", "ab"},
	{"escape sequence", "a\x1b[31mb", "a[31mb"},
	{"bell", "a\x07b", "ab"},
	{"C1 control", "a\u009bb", "ab"},
	{"next line", "a\u0085b", "a\nb"},
	{"line separator", "a\u2028b", "a\nb"},
	{"paragraph separator", "a\u2029b", "a\nb"},
	{"CR LF", "a\r\nb", "a\nb"},
	{"right-to-left override", "factuur\u202efdp.exe", "factuurfdp.exe"},
	{"embedding", "\u202ba\u202c", "a"},
	{"isolate", "\u2067a\u2069b", "ab"},
	{"zero-width space", "a\u200bb", "ab"},
	{"word joiner", "a\u2060b", "ab"},
	{"byte order mark", "\ufeffab", "ab"},
	{"Mongolian vowel separator", "a\u180eb", "ab"},
	{"zero-width non-joiner stays", "می\u200cخواهم", "می\u200cخواهم"},
	{"zero-width joiner stays", "👩\u200d👧", "👩\u200d👧"},
	{"tab stays", "a\tb", "a\tb"},
}

// testCleanText: every store keeps what residents and staff write cleaned
// the same way (buurtloket.CleanText), and a NUL is refused or removed,
// never an internal error.
func testCleanText(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, named("clean"))
	var want []string
	for _, d := range dirty {
		if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", "staff "+d.in); err != nil {
			t.Fatalf("%s, staff: %v", d.name, err)
		}
		if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, d.in+" "); err != nil {
			t.Fatalf("%s, resident: %v", d.name, err)
		}
		if _, err := s.AddNote(ctx(t), rec.ID, "staff:anna", d.in); err != nil {
			t.Fatalf("%s, note: %v", d.name, err)
		}
		want = append(want, "staff "+d.want, d.want)
	}
	thread, err := s.Thread(ctx(t), rec.ID)
	if err != nil || len(thread) != len(want) {
		t.Fatalf("thread: %v, %d messages", err, len(thread))
	}
	notes, err := s.Notes(ctx(t), rec.ID)
	if err != nil || len(notes) != len(dirty) {
		t.Fatalf("notes: %v, %d", err, len(notes))
	}
	for i, m := range thread {
		if m.Body != want[i] {
			t.Errorf("%s: stored %+q, want %+q", dirty[i/2].name, m.Body, want[i])
		}
	}
	for i, n := range notes {
		if n.Body != dirty[i].want {
			t.Errorf("%s, note: stored %+q, want %+q", dirty[i].name, n.Body, dirty[i].want)
		}
	}
	// What is empty once cleaned is refused, in words.
	for _, empty := range []string{"\x00", "\u202e\u200b", " \x1b "} {
		if _, err := s.ResidentReply(ctx(t), rec.Ticket, rec.PIN, empty); code(err) != buurtloket.EINVALID {
			t.Errorf("reply %+q: %v", empty, err)
		}
		if _, err := s.Reply(ctx(t), rec.ID, "staff:anna", empty); code(err) != buurtloket.EINVALID {
			t.Errorf("staff reply %+q: %v", empty, err)
		}
	}

	// A new request: answers, summary and contact details cleaned alike.
	r := named("clean-submit")
	r.Answers[1].Value = "huur\x00 \u202eachterstand\r\nsinds maart\u200b"
	r.Summary = "Geld\x1b[2J en huur\u2028"
	r.Contact = &buurtloket.Contact{Name: "\u202eFatima\x00", Phone: "06\u200b12345678"}
	sub := mustSubmit(t, s, r)
	got, err := s.Request(ctx(t), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Answers[1].Value; v != "huur achterstand\nsinds maart" {
		t.Errorf("answer stored as %+q", v)
	}
	if got.Summary != "Geld[2J en huur" {
		t.Errorf("summary stored as %+q", got.Summary)
	}
	if c, err := s.Contact(ctx(t), sub.ID, "staff:anna"); err != nil || c.Name != "Fatima" || c.Phone != "0612345678" {
		t.Errorf("contact stored as %+v (%v)", c, err)
	}
	if r.Answers[1].Value != "huur\x00 \u202eachterstand\r\nsinds maart\u200b" || r.Contact.Name != "\u202eFatima\x00" {
		t.Error("submitting changed the caller's request")
	}

	// A NUL where no text is cleaned is refused, not an internal error.
	nul := func(mutate func(*buurtloket.NewRequest)) error {
		r := NewRequest("nul")
		mutate(&r)
		_, err := s.Submit(ctx(t), r)
		return err
	}
	for name, err := range map[string]error{
		"key":          nul(func(r *buurtloket.NewRequest) { r.Key = "a\x00b" }),
		"step":         nul(func(r *buurtloket.NewRequest) { r.Answers[0].Step = "bills\x00" }),
		"wijk":         nul(func(r *buurtloket.NewRequest) { r.Wijk = "Oost\x00" }),
		"flow version": nul(func(r *buurtloket.NewRequest) { r.FlowVersion = "\x00" }),
		"actor":        s.SetStatus(ctx(t), rec.ID, "staff:\x00anna", buurtloket.StatusInProgress),
		"assignee":     s.Assign(ctx(t), rec.ID, "staff:anna", "staff:\x00bram"),
	} {
		if code(err) != buurtloket.EINVALID {
			t.Errorf("a NUL in the %s: %v, want invalid", name, err)
		}
	}
	if err := s.DeliveryFailed(ctx(t), 0, "\x00", clock.Now()); code(err) == buurtloket.EINTERNAL {
		t.Errorf("a NUL in a delivery's reason: %v", err)
	}
}

// testNamesAreCheckedAlike: a session ID or an inbox filter that is no
// plain text (a NUL, an escape, an unknown topic) is refused as invalid by
// every store, never an internal error on one and "not found" on another.
func testNamesAreCheckedAlike(t *testing.T, s Store, clock *Clock) {
	c := ctx(t)
	for _, id := range []string{"a\x00b", "a\x1bb", "", strings.Repeat("x", 201), "\xff"} {
		for name, err := range map[string]error{
			"save":   s.SaveSession(c, id, []byte(`{}`), clock.Now().Add(time.Hour)),
			"load":   func() error { _, err := s.LoadSession(c, id); return err }(),
			"delete": s.DeleteSession(c, id),
		} {
			if buurtloket.ErrorCode(err) != buurtloket.EINVALID {
				t.Errorf("%s session %q: %v, want invalid", name, id, err)
			}
		}
	}
	for _, q := range []buurtloket.InboxQuery{
		{Wijk: "Oost\x00"}, {Assigned: "a\x1b[31m"}, {Topic: "geld"}, {Wijk: strings.Repeat("w", 101)},
		{Statuses: []buurtloket.Status{"gone"}},
		{After: &buurtloket.InboxCursor{Rank: 1, ID: 5}}, // a cursor without a due time would skip every row
	} {
		if _, err := s.Inbox(c, q); buurtloket.ErrorCode(err) != buurtloket.EINVALID {
			t.Errorf("inbox %+v: %v, want invalid", q, err)
		}
	}
	// Ordinary names still work.
	if _, err := s.Inbox(c, buurtloket.InboxQuery{Wijk: "Oud-Mathenesse", Assigned: "Fatima el Amrani"}); err != nil {
		t.Errorf("inbox with plain names: %v", err)
	}
}

// testTimesAreMilliseconds: every store keeps the times it sets to the
// millisecond (docs/storage.md), whatever its clock gives: a lock's end and
// a kiosk's revocation read back the same on both databases.
func testTimesAreMilliseconds(t *testing.T, s Store, clock *Clock) {
	c := ctx(t)
	clock.Add(123456789 * time.Nanosecond)
	rec, err := s.Submit(c, NewRequest("ms"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := OtherPIN(rec.PIN)
	for i := 0; i < buurtloket.FreeWrongPINs; i++ {
		s.RequestByTicket(c, rec.Ticket, wrong)
	}
	lock := lockOf(t, s, rec.ID)
	if lock.Until.IsZero() || lock.Until.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("the lock ends at %v, not to the millisecond", lock.Until)
	}
	k, _, err := s.AddKiosk(c, "Buurthuis", "Oost")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKiosk(c, k.ID); err != nil {
		t.Fatal(err)
	}
	kiosks, err := s.Kiosks(c)
	if err != nil || len(kiosks) != 1 {
		t.Fatalf("kiosks: %v %+v", err, kiosks)
	}
	for name, at := range map[string]time.Time{"created": kiosks[0].CreatedAt, "revoked": kiosks[0].RevokedAt} {
		if at.IsZero() || at.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("the kiosk was %s at %v, not to the millisecond", name, at)
		}
	}
}
