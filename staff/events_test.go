package staff

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

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
		c.submit("live-"+itoa(int64(i)), "nl", false, "nieuw")
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
	// Drain, then a resident's message for a request we know.
	for drained := false; !drained; {
		select {
		case <-lines:
		case <-time.After(300 * time.Millisecond):
			drained = true
		}
	}
	rec, _ := c.store.Submit(context.Background(), storetest.NewRequest("live-thread"))
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
