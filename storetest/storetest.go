// Package storetest is the contract every buurtloket.RequestStore must
// keep. The SQLite and PostgreSQL packages run the same tests against a
// real database.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
)

// Store is a RequestStore whose clock and random IDs a test can set.
type Store interface {
	buurtloket.RequestStore
	SetClock(func() time.Time)
	SetIDs(func() int64)
}

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

func NewClock() *Clock { return &Clock{now: time.Date(2026, 3, 2, 10, 17, 42, 0, time.UTC)} }

func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type contractTest struct {
	name string
	fn   func(t *testing.T, s Store, clock *Clock)
}

// contract lists every test of the contract.
var contract = []contractTest{
	{"SubmitAndFind", testSubmitAndFind},
	{"AnonymousKeepsOnlyTheHour", testAnonymousTime},
	{"RetryReturnsTheSameTicket", testRetry},
	{"ConcurrentRetriesMakeOneRequest", testConcurrentRetries},
	{"BadInputStoresNothing", testBadInput},
	{"StatusTransitions", testStatus},
	{"WaitingPausesTheClock", testWaitingPauses},
	{"InboxOrderAndPages", testInbox},
	{"ManySubmittersAtOnce", testConcurrentSubmits},
	{"Sessions", testSessions},
	{"ThreadBetweenStaffAndResident", testThread},
	{"NotesAssignmentAndAudit", testNotesAudit},
	{"SensitiveActionsAcrossRequests", testSensitiveActions},
	{"TheSameReplyFormSendsOnce", testStaffReplyOnce},
	{"ContactViewingIsRecorded", testContactView},
	{"OutboxDeliveryStates", testOutbox},
	{"ConcurrentClaimsDeliverOnce", testConcurrentClaims},
	{"ShownToResidentDelivers", testShownToResident},
	{"ShownWhileDelivering", testShownWhileDelivering},
	{"PurgeAfterRetention", testPurge},
	{"ConcurrentPurgesCountOnce", testConcurrentPurges},
	{"Kiosks", testKiosks},
	{"WrongPINsLockTheTicket", testPINLockSchedule},
	{"ConcurrentGuessersGetEightTries", testConcurrentGuesses},
	{"StaffFindARequestByItsCode", testRequestByCode},
	{"TheLifeOfATicketHasTenWrongPINs", testPINLifetime},
	{"ThreadPages", testThreadPage},
	{"ThreadBounds", testThreadBounds},
	{"TextsAreCleanedAlike", testCleanText},
	{"NamesAreCheckedAlike", testNamesAreCheckedAlike},
	{"TimesAreMilliseconds", testTimesAreMilliseconds},
	{"IDsDoNotRunInOrder", testRandomIDs},
	{"TakenIDsAreDrawnAgain", testIDClash},
	{"StaffAccounts", testAccounts},
	{"StaffSessionsExpire", testStaffSessions},
	{"LoginThrottle", testLoginThrottle},
	{"AnonymousTimesToTheHour", testAnonymousTimesToTheHour},
	{"InboxPagesThroughTies", testInboxTies},
	{"InboxFiltersAndCounts", testInboxFiltersAndCounts},
	{"ChangesAreHeard", testChanges},
	{"CannedRepliesAreMarked", testCannedReply},
	{"BotUpdatesOnceInOrderUnderALease", testBotUpdates},
	{"BotChatClaimedOnceAtATime", testBotClaimsAtOnce},
}

// Run runs the whole contract against the request store over databases
// that open returns, a fresh empty one for each test; each is closed by
// the test. The last case, AtRest, also reads the tables past the store.
func Run[D requests.DB](t *testing.T, open func(testing.TB) D) {
	for _, tt := range contract {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t, open(t))
			clock := NewClock()
			s.SetClock(clock.Now)
			tt.fn(t, s, clock)
		})
	}
	t.Run("AtRest", func(t *testing.T) {
		db := open(t)
		AtRest(t, Open(t, db), RawOf(db))
	})
}

// Open returns the request store over db with a new sealing key; it is
// closed by the test.
func Open(tb testing.TB, db requests.DB) *requests.Store {
	s := requests.New(db, NewSealer(tb))
	tb.Cleanup(func() { s.Close() })
	return s
}

// NewRequest returns a valid request with the given key.
func NewRequest(key string) buurtloket.NewRequest {
	return buurtloket.NewRequest{
		Key: key, Topic: buurtloket.TopicMoney, Priority: buurtloket.PriorityNormal,
		Channel: buurtloket.ChannelKiosk, Lang: "ar", Wijk: "Oost", Postcode: "3117 AB",
		Answers: []buurtloket.Answer{
			{Flow: "money", Step: "bills", Kind: "choice", Value: "rent"},
			{Flow: "money", Step: "story", Kind: "text", Value: "الإيجار متأخر", Lang: "ar"},
		},
		Summary: "Geld en huur · urgentie: normaal", FlowVersion: "abc123",
	}
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustSubmit(t *testing.T, s Store, r buurtloket.NewRequest) buurtloket.Receipt {
	t.Helper()
	rec, err := s.Submit(ctx(t), r)
	if err != nil {
		t.Fatalf("submit %s: %v", r.Key, err)
	}
	return rec
}

func code(err error) string { return buurtloket.ErrorCode(err) }

func testSubmitAndFind(t *testing.T, s Store, clock *Clock) {
	r := NewRequest("k1")
	r.Contact = &buurtloket.Contact{Name: "Fatima", Phone: "0612345678"}
	r.Route = "telegram:12345"
	rec := mustSubmit(t, s, r)
	if _, ok := buurtloket.NormalizeTicket(rec.Ticket); !ok || len(rec.PIN) != 4 || rec.Duplicate || rec.ID == 0 {
		t.Fatalf("receipt %+v", rec)
	}
	got, err := s.RequestByTicket(ctx(t), strings.ToLower(rec.Ticket), rec.PIN)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != rec.ID || got.Ticket != rec.Ticket || got.Status != buurtloket.StatusNew || got.Anonymous ||
		got.Topic != buurtloket.TopicMoney || got.Postcode != "3117" || got.Wijk != "Oost" || got.Lang != "ar" ||
		got.Summary != r.Summary || got.Channel != buurtloket.ChannelKiosk || got.FlowVersion != "abc123" {
		t.Fatalf("stored %+v", got)
	}
	if len(got.Answers) != 2 || got.Answers[1].Value != "الإيجار متأخر" || got.Answers[1].Lang != "ar" {
		t.Fatalf("answers %+v", got.Answers)
	}
	if !got.CreatedAt.Equal(clock.Now()) || !got.DueAt.Equal(clock.Now().Add(buurtloket.ResponseTime(buurtloket.PriorityNormal))) {
		t.Fatalf("created %v due %v, now %v", got.CreatedAt, got.DueAt, clock.Now())
	}
	byID, err := s.Request(ctx(t), rec.ID)
	if err != nil || byID.Ticket != rec.Ticket {
		t.Fatalf("by id: %v %+v", err, byID)
	}
	for _, c := range []struct{ ticket, pin string }{
		{rec.Ticket, OtherPIN(rec.PIN)}, {rec.Ticket, ""}, {"K7QM-3XHD", rec.PIN}, {"nonsense", rec.PIN}, {rec.Ticket, strings.Repeat("1", 100)},
	} {
		_, err := s.RequestByTicket(ctx(t), c.ticket, c.pin)
		if code(err) != buurtloket.ENOTFOUND || !strings.Contains(buurtloket.ErrorMessage(err), "code and PIN") {
			t.Errorf("ticket %q pin %q: %v, want the same not-found for every mistake", c.ticket, c.pin, err)
		}
	}
	if _, err := s.Request(ctx(t), 999999); code(err) != buurtloket.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
}

func testAnonymousTime(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("anon"))
	got, err := s.Request(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Anonymous || !got.CreatedAt.Equal(clock.Now().Truncate(time.Hour)) {
		t.Fatalf("anonymous %v created %v", got.Anonymous, got.CreatedAt)
	}
}

func testRetry(t *testing.T, s Store, clock *Clock) {
	first := mustSubmit(t, s, NewRequest("retry"))
	clock.Add(time.Minute)
	again := mustSubmit(t, s, NewRequest("retry"))
	if !again.Duplicate || again.Ticket != first.Ticket || again.PIN != first.PIN || again.ID != first.ID {
		t.Fatalf("first %+v, retry %+v", first, again)
	}
	if n := countOpen(t, s); n != 1 {
		t.Fatalf("%d requests after a retry, want 1", n)
	}
}

func testConcurrentRetries(t *testing.T, s Store, clock *Clock) {
	var wg sync.WaitGroup
	tickets := make([]string, 16)
	errs := make([]error, 16)
	for i := range tickets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := s.Submit(ctx(t), NewRequest("same-key"))
			tickets[i], errs[i] = rec.Ticket, err
		}()
	}
	wg.Wait()
	for i := range tickets {
		if errs[i] != nil || tickets[i] != tickets[0] {
			t.Fatalf("retry %d: %v, ticket %s vs %s", i, errs[i], tickets[i], tickets[0])
		}
	}
	if n := countOpen(t, s); n != 1 {
		t.Fatalf("%d requests after concurrent retries, want 1", n)
	}
}

func testBadInput(t *testing.T, s Store, clock *Clock) {
	bad := func(mutate func(*buurtloket.NewRequest)) buurtloket.NewRequest {
		r := NewRequest("bad")
		mutate(&r)
		return r
	}
	tests := []struct {
		name string
		r    buurtloket.NewRequest
		code string
	}{
		{"unknown topic", bad(func(r *buurtloket.NewRequest) { r.Topic = "gardening" }), buurtloket.EINVALID},
		{"no key", bad(func(r *buurtloket.NewRequest) { r.Key = "" }), buurtloket.EINVALID},
		{"unknown channel", bad(func(r *buurtloket.NewRequest) { r.Channel = "fax" }), buurtloket.EINVALID},
		{"invalid UTF-8", bad(func(r *buurtloket.NewRequest) { r.Answers[1].Value = "a\xffb" }), buurtloket.EINVALID},
		{"oversized text", bad(func(r *buurtloket.NewRequest) { r.Answers[1].Value = strings.Repeat("x", buurtloket.MaxAnswerBytes+1) }), buurtloket.ETOOLARGE},
		{"oversized summary", bad(func(r *buurtloket.NewRequest) { r.Summary = strings.Repeat("x", buurtloket.MaxSummary+1) }), buurtloket.ETOOLARGE},
		{"contact without a name", bad(func(r *buurtloket.NewRequest) { r.Contact = &buurtloket.Contact{Phone: "0612345678"} }), buurtloket.EINVALID},
	}
	for _, tt := range tests {
		if _, err := s.Submit(ctx(t), tt.r); code(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if n := countOpen(t, s); n != 0 {
		t.Fatalf("bad input stored %d requests", n)
	}
}

func testStatus(t *testing.T, s Store, clock *Clock) {
	rec := mustSubmit(t, s, NewRequest("status"))
	steps := []struct {
		to   buurtloket.Status
		code string
	}{
		{buurtloket.StatusInProgress, ""},
		{buurtloket.StatusNew, buurtloket.ECONFLICT},
		{buurtloket.StatusAnswered, ""},
		{buurtloket.StatusClosed, ""},
		{buurtloket.StatusAnswered, buurtloket.ECONFLICT},
		{buurtloket.StatusInProgress, ""},
		{"lost", buurtloket.EINVALID},
	}
	for _, st := range steps {
		if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", st.to); code(err) != st.code {
			t.Fatalf("to %s: %v, want %q", st.to, err, st.code)
		}
	}
	got, _ := s.Request(ctx(t), rec.ID)
	if got.Status != buurtloket.StatusInProgress {
		t.Fatalf("status %s", got.Status)
	}
	if err := s.SetStatus(ctx(t), 424242, "staff:anna", buurtloket.StatusClosed); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("unknown request: %v", err)
	}
	if err := s.SetStatus(ctx(t), rec.ID, "", buurtloket.StatusClosed); code(err) != buurtloket.EINVALID {
		t.Fatalf("no actor: %v", err)
	}
}

func testWaitingPauses(t *testing.T, s Store, clock *Clock) {
	r := NewRequest("wait")
	r.Contact = &buurtloket.Contact{Name: "Jan", Email: "jan@example.nl"} // named: exact times
	rec := mustSubmit(t, s, r)
	before, _ := s.Request(ctx(t), rec.ID)
	clock.Add(time.Hour)
	if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", buurtloket.StatusWaiting); err != nil {
		t.Fatal(err)
	}
	clock.Add(10 * 24 * time.Hour) // past the due time, but paused
	waiting, _ := s.Request(ctx(t), rec.ID)
	if waiting.PausedAt.IsZero() || waiting.Overdue(clock.Now()) {
		t.Fatalf("waiting: paused %v overdue %v", waiting.PausedAt, waiting.Overdue(clock.Now()))
	}
	if err := s.SetStatus(ctx(t), rec.ID, "staff:anna", buurtloket.StatusInProgress); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Request(ctx(t), rec.ID)
	if want := before.DueAt.Add(10 * 24 * time.Hour); !after.DueAt.Equal(want) || !after.PausedAt.IsZero() {
		t.Fatalf("due %v, want %v (the paused ten days added)", after.DueAt, want)
	}
}

func testInbox(t *testing.T, s Store, clock *Clock) {
	priorities := []buurtloket.Priority{buurtloket.PriorityNormal, buurtloket.PriorityUrgent, buurtloket.PriorityHigh}
	var closed int64
	for i := 0; i < 23; i++ {
		r := NewRequest(fmt.Sprintf("inbox-%d", i))
		r.Priority = priorities[i%3]
		r.Contact = &buurtloket.Contact{Name: "N", Phone: "0612345678"}
		if i%5 == 0 {
			r.Topic, r.Wijk = buurtloket.TopicNuisance, "West"
		}
		rec := mustSubmit(t, s, r)
		if i == 7 {
			closed = rec.ID
		}
		clock.Add(time.Minute)
	}
	if err := s.SetStatus(ctx(t), closed, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	var all []*buurtloket.Request
	q := buurtloket.InboxQuery{Limit: 4}
	for pages := 0; ; pages++ {
		page, err := s.Inbox(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		if pages > 10 || len(page.Requests) > 4 {
			t.Fatalf("paging runs away: page %d with %d", pages, len(page.Requests))
		}
		all = append(all, page.Requests...)
		if page.Next == nil {
			break
		}
		q.After = page.Next
	}
	if len(all) != 22 {
		t.Fatalf("%d open requests over the pages, want 22", len(all))
	}
	seen := map[int64]bool{}
	for i, r := range all {
		if seen[r.ID] || r.ID == closed {
			t.Fatalf("request %d twice, or closed", r.ID)
		}
		seen[r.ID] = true
		if i > 0 {
			p := all[i-1]
			if p.Priority.Rank() < r.Priority.Rank() || p.Priority == r.Priority && p.DueAt.After(r.DueAt) {
				t.Fatalf("order: %s due %v before %s due %v", p.Priority, p.DueAt, r.Priority, r.DueAt)
			}
		}
	}
	page, err := s.Inbox(ctx(t), buurtloket.InboxQuery{Topic: buurtloket.TopicNuisance, Wijk: "West"})
	if err != nil || len(page.Requests) != 5 {
		t.Fatalf("filtered: %v, %d requests, want 5", err, len(page.Requests))
	}
	page, err = s.Inbox(ctx(t), buurtloket.InboxQuery{Statuses: []buurtloket.Status{buurtloket.StatusClosed}})
	if err != nil || len(page.Requests) != 1 || page.Requests[0].ID != closed {
		t.Fatalf("closed: %v %+v", err, page.Requests)
	}
	if _, err := s.Inbox(ctx(t), buurtloket.InboxQuery{Limit: 500}); code(err) != buurtloket.EINVALID {
		t.Fatalf("oversized page: %v", err)
	}
}

func testConcurrentSubmits(t *testing.T, s Store, clock *Clock) {
	const workers, each = 32, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	tickets := map[string]bool{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				rec, err := s.Submit(ctx(t), NewRequest(fmt.Sprintf("c-%d-%d", w, i)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				tickets[rec.Ticket] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(tickets) != workers*each {
		t.Fatalf("%d distinct tickets, want %d", len(tickets), workers*each)
	}
	if n := countOpen(t, s); n != workers*each {
		t.Fatalf("%d stored, want %d", n, workers*each)
	}
}

func testSessions(t *testing.T, s Store, clock *Clock) {
	c := ctx(t)
	if err := s.SaveSession(c, "s1", []byte(`{"f":"money"}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSession(c, "s1", []byte(`{"f":"worry"}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSession(c, "s2", []byte(`{}`), clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if data, err := s.LoadSession(c, "s1"); err != nil || string(data) != `{"f":"worry"}` {
		t.Fatalf("load: %v %s", err, data)
	}
	clock.Add(2 * time.Minute)
	if _, err := s.LoadSession(c, "s2"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an expired session must not load: %v", err)
	}
	if n, err := s.PurgeSessions(c); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if err := s.DeleteSession(c, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadSession(c, "s1"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a deleted session must not load: %v", err)
	}
	if err := s.SaveSession(c, "big", make([]byte, 1<<20), clock.Now().Add(time.Hour)); code(err) != buurtloket.ETOOLARGE {
		t.Fatalf("oversized session: %v", err)
	}
}

// countOpen counts every request, open or closed, through the inbox.
func countOpen(t *testing.T, s Store) int {
	t.Helper()
	n := 0
	q := buurtloket.InboxQuery{Limit: 200, Statuses: buurtloket.Statuses}
	for {
		page, err := s.Inbox(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Requests)
		if page.Next == nil {
			return n
		}
		q.After = page.Next
	}
}

// NewSealer returns a sealer with a new key.
func NewSealer(tb testing.TB) *buurtloket.Sealer {
	tb.Helper()
	s, err := buurtloket.NewSealer(buurtloket.NewKey())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
