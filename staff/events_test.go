package staff

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/storetest"
)

// TestEventsStreamChanges: an open page's event stream says when a
// request comes in and when a resident writes, naming the request by ID
// only; the stream ends when the session does.
func TestEventsStreamChanges(t *testing.T) {
	c, b, _ := staffConsole(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.s.Listen(ctx)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.srv.URL+"/staff/events", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The store's listener may start a moment after Listen is called:
	// submit until the stream says so.
	var data string
	deadline := time.After(10 * time.Second)
wait:
	for i := 0; ; i++ {
		c.submit("live-"+itoa(int64(i)), "nl", true, "nieuw")
		tick := time.After(200 * time.Millisecond)
		for {
			select {
			case l := <-lines:
				if strings.HasPrefix(l, "data: ") {
					data = l
					break wait
				}
			case <-tick:
				continue wait
			case <-deadline:
				t.Fatal("no event in 10 seconds")
			}
		}
	}
	if !strings.Contains(data, `"kind":"request"`) || !strings.Contains(data, `"id":`) {
		t.Fatalf("the event: %s", data)
	}
	// Drain up to one more request's event (events come in commit
	// order), so that a late probe's is not taken for what follows.
	last := `data: {"kind":"request","id":` + itoa(c.submit("live-last", "nl", true, "nieuw")) + `}`
	for drained := false; !drained; {
		select {
		case l := <-lines:
			drained = l == last
		case <-time.After(10 * time.Second):
			t.Fatal("the last probe's event did not come in 10 seconds")
		}
	}
	// A change that dates an anonymous request's resident is held back to
	// the next full hour; what staff do to it is told at once.
	quiet := func(after string) {
		t.Helper()
		for deadline := time.After(500 * time.Millisecond); ; {
			select {
			case l := <-lines:
				if strings.HasPrefix(l, "data: ") {
					t.Fatalf("%s was told at once: %s", after, l)
				}
			case <-deadline:
				return
			}
		}
	}
	anon, err := c.store.Submit(context.Background(), storetest.NewRequest("live-anonymous"))
	if err != nil {
		t.Fatal(err)
	}
	quiet("an anonymous request")
	if _, err := c.store.Reply(context.Background(), anon.ID, "staff:1", "Wij kijken ernaar."); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		if strings.HasPrefix(l, "data: ") {
			if l != `data: {"kind":"reply","id":`+itoa(anon.ID)+`}` {
				t.Fatalf("after a colleague's reply to an anonymous request: %s", l)
			}
			break
		}
	}
	if _, err := c.store.ResidentReply(context.Background(), anon.Ticket, anon.PIN, "Dank u"); err != nil {
		t.Fatal(err)
	}
	quiet("an anonymous resident's message")
	r := storetest.NewRequest("live-thread")
	r.Contact = &buurtloket.Contact{Name: "Fatima", Phone: "0612345678"}
	rec, _ := c.store.Submit(context.Background(), r)
	for l := range lines {
		if strings.Contains(l, `"id":`+itoa(rec.ID)) {
			break
		}
	}
	if _, err := c.store.ResidentReply(context.Background(), rec.Ticket, rec.PIN, "Hallo"); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		if strings.HasPrefix(l, "data: ") {
			if l != `data: {"kind":"message","id":`+itoa(rec.ID)+`}` {
				t.Fatalf("after a resident's message: %s", l)
			}
			break
		}
	}
	// Logging out ends the stream at its next heartbeat; closing the
	// streams (a shutdown) ends it at once.
	c.s.CloseStreams()
	select {
	case _, open := <-lines:
		for open {
			_, open = <-lines
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream stays open after CloseStreams")
	}
}

// TestIdlePageEndsItsStream: an open page's stream does not keep its
// session alive: once idle, the stream ends.
func TestIdlePageEndsItsStream(t *testing.T) {
	c, b, _ := staffConsole(t)
	c.s.heartbeat = 20 * time.Millisecond
	req, _ := http.NewRequest("GET", c.srv.URL+"/staff/events", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, resp.Body); close(done) }()
	select {
	case <-done:
		t.Fatal("the stream of a live session ended")
	case <-time.After(200 * time.Millisecond): // heartbeats, which must not touch the session
	}
	// Minutes pass with only the open page, heartbeat after heartbeat.
	for passed := time.Duration(0); passed <= buurtloket.StaffIdleTimeout; passed += 2 * time.Minute {
		c.clock.Add(2 * time.Minute)
		time.Sleep(60 * time.Millisecond)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream of an idle session stays open")
	}
	if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle time with a page open: %d, want the login page", resp.StatusCode)
	}
}

func TestUntilTheHour(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 17, 42, 0, time.UTC)
	if got := untilTheHour(at); got != 42*time.Minute+18*time.Second {
		t.Fatalf("from 10:17:42: %v", got)
	}
	if got := untilTheHour(at.Truncate(time.Hour)); got != time.Hour {
		t.Fatalf("from 10:00:00: %v", got)
	}
}

// TestRefreshingPageGoesIdle: the live refresh of an open page (console.js
// reads it again at every change) does not keep its session from going
// idle, where a staff member's own clicks do.
func TestRefreshingPageGoesIdle(t *testing.T) {
	c, b, _ := staffConsole(t)
	refresh := func() int {
		req, _ := http.NewRequest("GET", c.srv.URL+"/staff/", nil)
		req.Header.Set(refreshHeader, "1")
		resp, _ := b.do(req)
		return resp.StatusCode
	}
	// Clicks every 10 minutes keep it.
	for passed := time.Duration(0); passed <= buurtloket.StaffIdleTimeout; passed += 10 * time.Minute {
		c.clock.Add(10 * time.Minute)
		if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("clicked every 10 minutes, after %v: %d", passed, resp.StatusCode)
		}
	}
	// Changes every 5 minutes refresh the page; nobody clicks.
	for passed := time.Duration(0); passed < buurtloket.StaffIdleTimeout; passed += 5 * time.Minute {
		if code := refresh(); code != http.StatusOK {
			t.Fatalf("refreshed %v after the last click: %d", passed, code)
		}
		c.clock.Add(5 * time.Minute)
	}
	if code := refresh(); code != http.StatusSeeOther {
		t.Fatalf("a page only refreshed for %v: %d, want the login page", buurtloket.StaffIdleTimeout, code)
	}
	if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle time with a refreshing page: %d, want the login page", resp.StatusCode)
	}
}

// TestHeldBackTellsEachOnce: changes held back until the hour are told
// together, each once, however often they came.
func TestHeldBackTellsEachOnce(t *testing.T) {
	var h heldBack
	got := make(chan buurtloket.Change, 10)
	a := buurtloket.Change{Kind: buurtloket.ChangeMessage, RequestID: 1, Anonymous: true}
	b := buurtloket.Change{Kind: buurtloket.ChangeRequest, RequestID: 2, Anonymous: true}
	for _, c := range []buurtloket.Change{a, b, a, a} {
		h.hold(c, 400*time.Millisecond, func(c buurtloket.Change) { got <- c })
	}
	select {
	case c := <-got:
		t.Fatalf("told before the hour: %+v", c)
	case <-time.After(100 * time.Millisecond):
	}
	seen := map[buurtloket.Change]int{}
	for deadline := time.After(2 * time.Second); len(seen) < 2; {
		select {
		case c := <-got:
			seen[c]++
		case <-deadline:
			t.Fatalf("told %v", seen)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if len(got) != 0 || seen[a] != 1 || seen[b] != 1 {
		t.Fatalf("told %v and %d more, want each once", seen, len(got))
	}
	// The next hour has a timer of its own.
	h.hold(a, 10*time.Millisecond, func(c buurtloket.Change) { got <- c })
	select {
	case c := <-got:
		if c != a {
			t.Fatalf("the next hour told %+v", c)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a change held after the first hour was never told")
	}
}

// TestReopenedStreamGoesIdle: a page that opens its event stream again
// and again (a proxy that drops it, the page's back-off after an outage)
// does not keep its session from going idle either.
func TestReopenedStreamGoesIdle(t *testing.T) {
	c, b, _ := staffConsole(t)
	for passed := time.Duration(0); passed < buurtloket.StaffIdleTimeout; passed += 5 * time.Minute {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", c.srv.URL+"/staff/events", nil)
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the stream %v after the last click: %d", passed, resp.StatusCode)
		}
		cancel()
		resp.Body.Close()
		c.clock.Add(5 * time.Minute)
	}
	if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle time with a stream opened every 5 minutes: %d, want the login page", resp.StatusCode)
	}
}
