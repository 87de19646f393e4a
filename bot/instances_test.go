package bot

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/bot/bottest"
	"buurtloket/postgres"
	"buurtloket/postgres/pgtest"
	"buurtloket/requests"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop() // the PostgreSQL of the tests with two instances, when they ran
	os.Exit(code)
}

// flakyStore fails AddBotUpdate while down is set: the database is away.
type flakyStore struct {
	*requests.Store
	mu   sync.Mutex
	down bool
}

func (f *flakyStore) AddBotUpdate(ctx context.Context, id int64, chat string, payload []byte, lease time.Duration) (bool, buurtloket.BotClaim, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return false, buurtloket.BotClaim{}, fmt.Errorf("the database is away")
	}
	return f.Store.AddBotUpdate(ctx, id, chat, payload, lease)
}

// TestLongPollingConfirmsOnlyWhatIsKept: in long polling, the next offset
// (which tells Telegram to forget the updates before it) goes out only
// after they are kept: with the database away, nothing is confirmed, and
// once it is back the updates are handled.
func TestLongPollingConfirmsOnlyWhatIsKept(t *testing.T) {
	e := newEnv(t)
	flaky := &flakyStore{Store: e.a.store, down: true}
	cfg := e.a.bot.cfg
	cfg.Store, cfg.WebhookURL = flaky, ""
	run(t, cfg)

	u := bottest.User{ID: 60, Lang: "nl"}
	e.fake.Queue(bottest.TextUpdate(500, u, "/start"))
	if !e.fake.WaitFor(5*time.Second, func() bool { return len(e.fake.Calls("getUpdates")) >= 2 }) {
		t.Fatal("the bot does not poll")
	}
	if off := e.fake.Confirmed(); off > 500 {
		t.Fatalf("update 500 was confirmed (offset %d) though it could not be kept", off)
	}
	flaky.mu.Lock()
	flaky.down = false
	flaky.mu.Unlock()
	if !e.fake.WaitFor(10*time.Second, func() bool { return len(e.fake.Messages(60)) > 0 }) {
		t.Fatal("the update was not handled once the database was back")
	}
	if !e.fake.WaitFor(5*time.Second, func() bool { return e.fake.Confirmed() == 501 }) {
		t.Fatalf("offset %d after the update was kept, want 501", e.fake.Confirmed())
	}
}

// TestLongPollingSkipsAMalformedUpdate: an update the bot cannot read is
// confirmed all the same (by its ID), or it would come back for ever.
func TestLongPollingSkipsAMalformedUpdate(t *testing.T) {
	e := newEnv(t)
	cfg := e.a.bot.cfg
	cfg.WebhookURL = ""
	run(t, cfg)
	e.fake.Queue([]byte(`{"update_id":700,"message":"not a message"}`))
	if !e.fake.WaitFor(5*time.Second, func() bool { return e.fake.Confirmed() == 701 }) {
		t.Fatalf("offset %d after a malformed update 700, want 701", e.fake.Confirmed())
	}
	e.fake.Queue(bottest.TextUpdate(701, bottest.User{ID: 61, Lang: "nl"}, "/start"))
	if !e.fake.WaitFor(10*time.Second, func() bool { return len(e.fake.Messages(61)) > 0 }) {
		t.Fatal("the next update was not handled")
	}
}

// TestTwoInstancesShareOneChat: two buurtloket instances on one
// PostgreSQL get one chat's updates alternately (a load balancer in front
// of the webhook): the conversation goes on as one, in order, to a ticket,
// and no update is handled twice.
func TestTwoInstancesShareOneChat(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	e := newEnv(t)
	open := func() *requests.Store {
		s, err := postgres.Open(context.Background(), url, e.sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := e.start(open(), true), e.start(open(), true)
	e.a = a
	r := e.resident(61, "nl")
	n := 0
	next := func() {
		n++
		if n%2 == 0 {
			r.to = b
		} else {
			r.to = a
		}
	}
	next()
	r.say("/start")
	for _, m := range bottest.PathToTicket(e.engine, "nl", "repairs") {
		next()
		switch m.Kind {
		case "choose":
			r.press(m.Label)
		case "text", "contact":
			r.say(m.Text)
		}
	}
	msgs := e.fake.Messages(61)
	if !strings.Contains(last(msgs).Text, "Uw code is ") {
		t.Fatalf("no ticket across two instances:\n%s", transcript(msgs))
	}
	page, err := a.store.Inbox(context.Background(), buurtloket.InboxQuery{})
	if err != nil || len(page.Requests) != 1 || page.Requests[0].Channel != buurtloket.ChannelTelegram {
		t.Fatalf("requests stored: %v %d", err, len(page.Requests))
	}
	// Every question is answered once: one ✓ per question.
	for _, m := range msgs {
		if strings.Count(m.Text, "✓ ") > 1 {
			t.Fatalf("a question was answered twice:\n%s", transcript(msgs))
		}
	}
}

// TestManyChatsAtOnce: fifty residents at once each get their own answers,
// in order.
func TestManyChatsAtOnce(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := bottest.User{ID: int64(7000 + i), Lang: "nl"}
			e.a.post(t, bottest.TextUpdate(e.nextID.Add(1), u, "/start"))
			e.a.post(t, bottest.TextUpdate(e.nextID.Add(1), u, "/help"))
			if !e.fake.WaitFor(20*time.Second, func() bool { return len(e.fake.Messages(u.ID)) >= 2 }) {
				errs <- fmt.Sprintf("chat %d: %d answers", u.ID, len(e.fake.Messages(u.ID)))
				return
			}
			msgs := e.fake.Messages(u.ID)
			if !strings.Contains(msgs[0].Text, "Waar gaat uw vraag over?") || msgs[1].Text != e.engine.Content().Catalog.Text("nl", "ui.bot.help") {
				errs <- fmt.Sprintf("chat %d out of order:\n%s", u.ID, transcript(msgs))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestTwoPollersAreASetUpProblem: Telegram's 409 to a long poll (another
// instance polls, or a webhook is set) is said in the log as what to fix,
// and is not shown as an outage of the Bot API.
func TestTwoPollersAreASetUpProblem(t *testing.T) {
	var logs syncBuffer
	e := newEnvLogged(t, &logs)
	cfg := e.a.bot.cfg
	cfg.WebhookURL = ""
	e.fake.Fail("getUpdates", 0, 409, "Conflict: terminated by other getUpdates request", 0, -1)
	b := run(t, cfg)
	if !e.fake.WaitFor(5*time.Second, func() bool { return strings.Contains(logs.String(), "BUURTLOKET_TELEGRAM_WEBHOOK_URL") }) {
		t.Fatalf("the 409 is not explained:\n%s", logs.String())
	}
	if ok, why := b.Healthy(); !ok {
		t.Fatalf("a 409 shows as an outage: %s", why)
	}
}

// TestStoppingGivesQueuedChatsBack: chats an instance had taken but not
// yet started on when it stops are given back at once, so that another
// instance answers them without waiting for the lease to run out.
func TestStoppingGivesQueuedChatsBack(t *testing.T) {
	e := newEnv(t)
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(open)
	const busy, b1, b2 = 70, 71, 72
	e.fake.OnSend(func(chat int64) {
		if chat == busy {
			<-gate // the one worker waits at the Bot API
		}
	})
	cfg := e.a.bot.cfg
	cfg.Workers, cfg.Lease = 1, 30*time.Second
	stopping, stop := start(t, cfg)
	t.Cleanup(stop)
	hook := httptest.NewServer(stopping.WebhookHandler())
	defer hook.Close()
	in := &instance{bot: stopping, store: e.a.store, webhook: hook}

	in.post(t, bottest.TextUpdate(e.nextID.Add(1), bottest.User{ID: busy, Lang: "nl"}, "/start"))
	if !e.fake.WaitFor(5*time.Second, func() bool { return len(e.fake.Calls("sendMessage")) > 0 }) {
		t.Fatal("the worker did not start")
	}
	for _, chat := range []int64{b1, b2} {
		in.post(t, bottest.TextUpdate(e.nextID.Add(1), bottest.User{ID: chat, Lang: "nl"}, "/start"))
	}
	stop()
	open()
	// The other instance (e.a) sweeps every 100 ms; the leases were 30 s.
	if !e.fake.WaitFor(5*time.Second, func() bool { return len(e.fake.Messages(b1)) > 0 && len(e.fake.Messages(b2)) > 0 }) {
		t.Fatal("the chats taken by the stopped instance wait for their leases")
	}
}
