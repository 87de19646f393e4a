package kiosk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/postgres"
	"buurtloket/postgres/pgtest"
	"buurtloket/requests"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop() // the PostgreSQL of the test across two instances, when it ran
	os.Exit(code)
}

// readWithin reads the next frame as a map, or returns nil when none
// comes within d.
func (c *client) readWithin(d time.Duration) map[string]any {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(d))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		c.t.Fatal(err)
	}
	return f
}

// lastBody is the body of a follow frame's newest message.
func lastBody(f map[string]any) string {
	msgs, _ := f["messages"].([]any)
	if len(msgs) == 0 {
		return ""
	}
	m, _ := msgs[len(msgs)-1].(map[string]any)
	return fmt.Sprint(m["body"])
}

// waitDelivery waits until the newest message of a thread is in state want.
func waitDelivery(t *testing.T, store *requests.Store, id int64, want buurtloket.DeliveryState) {
	t.Helper()
	var got buurtloket.DeliveryState
	for i := 0; i < 500; i++ {
		thread, err := store.Thread(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got = thread[len(thread)-1].Delivery; got == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("delivery %s, want %s", got, want)
}

// TestStaffRepliesReachAnOpenFollowUpPage: a staff reply and a new status
// are pushed to the page that follows the request, in the resident's
// language, marked as an update, and the reply counts as delivered; a page
// that went back from the follow-up screen gets nothing more.
func TestStaffRepliesReachAnOpenFollowUpPage(t *testing.T) {
	env := newEnv(t)
	staffReplyReachesThePage(t, env, env.store)
}

// TestStaffRepliesReachAPageOnAnotherInstance: the same, with the page
// on one buurtloket instance and the staff member on another, over one
// PostgreSQL (LISTEN/NOTIFY).
func TestStaffRepliesReachAPageOnAnotherInstance(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	cfg, local := testConfig(t)
	local.Close()
	open := func() *requests.Store {
		s, err := postgres.Open(context.Background(), url, cfg.Sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	pageSide, staffSide := open(), open()
	cfg.Store = pageSide
	web := New(cfg)
	srv := httptest.NewServer(web.Handler())
	jar, _ := cookiejar.New(nil)
	t.Cleanup(func() { srv.Close(); web.Close() })
	staffReplyReachesThePage(t, &testEnv{web: web, srv: srv, store: pageSide, jar: jar}, staffSide)
}

// staffReplyReachesThePage runs the follow-up page of env, with staff
// writing through the store staff (env's own, or another instance's).
func staffReplyReachesThePage(t *testing.T, env *testEnv, staff *requests.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go env.web.Listen(ctx)
	submit := func(key string) buurtloket.Receipt {
		rec, err := staff.Submit(ctx, buurtloket.NewRequest{Key: key, Topic: buurtloket.TopicMoney, Priority: buurtloket.PriorityNormal,
			Channel: buurtloket.ChannelKiosk, Lang: "ar", Summary: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	rec, other := submit("push-1"), submit("push-2")
	env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	c.do(map[string]any{"type": "language", "lang": "ar"})
	if f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN}); f["type"] != "follow" || f["update"] == true {
		t.Fatalf("follow: %v", f)
	}

	// The listener may not hear the first reply yet: reply once a second
	// until the page gets one. A read that timed out leaves gorilla's
	// connection unusable, so the page waits once, long.
	var body string
	stop, replying := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(replying)
		for i := 1; i <= 15; i++ {
			b := fmt.Sprintf("يرجى الاتصال بنا غدًا (%d)", i)
			if _, err := staff.Reply(ctx, rec.ID, "staff:anna.de.vries", b); err != nil {
				t.Error(err)
				return
			}
			body = b // read after replying ends
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()
	pushed := c.readWithin(20 * time.Second)
	close(stop)
	<-replying
	for pushed != nil && lastBody(pushed) != body {
		pushed = c.readWithin(10 * time.Second) // the newest reply comes in a push of its own
	}
	if pushed == nil || pushed["type"] != "follow" || pushed["update"] != true || pushed["ticket"] != rec.Ticket || pushed["canReply"] != true {
		t.Fatalf("no staff reply pushed: %v", pushed)
	}
	if ui, _ := pushed["ui"].(map[string]any); ui == nil || ui["staff"] != env.web.cfg.Engine().Content().Catalog.Text("ar", "ui.follow.staff") {
		t.Fatalf("the pushed words are not in Arabic: %v", pushed["ui"])
	}
	// Delivered once the page says it drew it, not before.
	if thread, _ := staff.Thread(ctx, rec.ID); thread[len(thread)-1].Delivery == buurtloket.DeliverySent {
		t.Fatal("a reply counts as delivered before the page drew it")
	}
	msgs := pushed["messages"].([]any)
	drawn := int64(msgs[len(msgs)-1].(map[string]any)["id"].(float64))
	c.sendRaw(fmt.Sprintf(`{"type":"seen","messages":[%d]}`, drawn))
	waitDelivery(t, staff, rec.ID, buurtloket.DeliverySent)

	// A new status is pushed too: closed, the page can no longer answer.
	if err := staff.SetStatus(ctx, rec.ID, "staff:anna.de.vries", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	f := c.readWithin(5 * time.Second)
	if f == nil || f["update"] != true || f["canReply"] != false ||
		f["status"] != env.web.cfg.Engine().Content().Catalog.Text("ar", buurtloket.StatusClosed.MessageID()) {
		t.Fatalf("after closing: %v", f)
	}

	// A dialog input (any global action of the follow-up screen) leaves
	// the request: nothing more is pushed, and what it says it saw of
	// another request counts for nothing.
	if f := c.sendJSON(map[string]any{"type": "follow", "ticket": other.Ticket, "pin": other.PIN}); f["type"] != "follow" {
		t.Fatalf("follow: %v", f)
	}
	c.do(map[string]any{"type": "restart"})
	if f := c.sendJSON(map[string]any{"type": "reply", "text": "x"}); f["type"] != "error" {
		t.Fatalf("a reply after a dialog input: %v", f)
	}

	// Back from the follow-up screen, the page hears nothing more, and a
	// reply waits for the code.
	if f := c.sendJSON(map[string]any{"type": "follow", "ticket": other.Ticket, "pin": other.PIN}); f["type"] != "follow" {
		t.Fatalf("follow: %v", f)
	}
	c.sendRaw(`{"type":"leave"}`)
	if f := c.sendJSON(map[string]any{"type": "reply", "text": "x"}); f["type"] != "error" {
		t.Fatalf("a reply after leaving: %v", f)
	}
	toOther, err := staff.Reply(ctx, other.ID, "staff:anna.de.vries", "شكرا")
	if err != nil {
		t.Fatal(err)
	}
	c.sendRaw(fmt.Sprintf(`{"type":"seen","messages":[%d]}`, toOther.ID))
	if f := c.readWithin(500 * time.Millisecond); f != nil {
		t.Fatalf("pushed after leaving: %v", f)
	}
	if thread, _ := staff.Thread(ctx, other.ID); thread[0].Delivery == buurtloket.DeliverySent {
		t.Fatal("a reply no page showed counts as delivered")
	}
	// The server forgets a follower when it leaves, and when its
	// connection ends.
	followers := func() int {
		env.web.mu.Lock()
		defer env.web.mu.Unlock()
		return len(env.web.followers)
	}
	if n := followers(); n != 0 {
		t.Fatalf("%d requests followed after leaving, want 0", n)
	}
	c2 := env.dial(t, "/kiosk/ws") // c's reads timed out: gorilla is done with it
	c2.read()
	c2.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN})
	if n := followers(); n != 1 {
		t.Fatalf("%d requests followed, want 1", n)
	}
	c2.ws.Close()
	for i := 0; followers() != 0; i++ {
		if i == 500 {
			t.Fatal("a closed page is still a follower")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
