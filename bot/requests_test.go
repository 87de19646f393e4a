package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/bot/bottest"
	"buurtloket/delivery"
	"buurtloket/dialogs"
)

// ticketIn walks r to a ticket on the "other" topic and returns it.
func (r *resident) ticket(t *testing.T, lang string) (code, pin string) {
	t.Helper()
	r.say("/start")
	r.walk(bottest.PathToTicket(r.e.engine, lang, "other"))
	store := r.to.store
	var found string
	for _, m := range r.e.fake.Messages(r.user.ID) {
		for _, w := range strings.Fields(m.Text) {
			if c, ok := buurtloket.NormalizeTicket(strings.Trim(w, ".,:")); ok && len(w) >= 9 {
				found = c
			}
		}
	}
	for _, cr := range r.e.chatState(t, r.user.ID).Requests {
		if cr.Ticket == found {
			pin = cr.PIN
		}
	}
	if found == "" || pin == "" {
		t.Fatalf("no ticket in the chat:\n%s", transcript(r.e.fake.Messages(r.user.ID)))
	}
	if _, err := store.RequestByTicket(context.Background(), found, pin); err != nil {
		t.Fatal(err)
	}
	return found, pin
}

// chatState reads a chat's state from the store, as the bot keeps it.
func (e *env) chatState(t *testing.T, chat int64) *chatState {
	t.Helper()
	key := e.a.bot.chatKey(chat)
	for i := 0; i < 50; i++ {
		claim, err := e.a.store.ClaimBotChat(context.Background(), key, time.Second, 1)
		if err != nil {
			t.Fatal(err)
		}
		if claim.Token != "" {
			e.a.store.ReleaseBotChat(context.Background(), key, claim.Token, time.Time{})
			st, err := loadState(claim.State)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the chat stays held")
	return nil
}

func (e *env) worker() *delivery.Worker {
	return &delivery.Worker{Store: e.a.store, Senders: map[buurtloket.Channel]delivery.Sender{buurtloket.ChannelTelegram: e.a.bot.Sender()}}
}

func (e *env) request(t *testing.T, code string) *buurtloket.Request {
	t.Helper()
	r, err := e.a.store.RequestByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStaffRepliesReachTheChat: a staff reply goes out through the outbox
// to the chat, in the resident's language, under the request's code; 429
// waits Telegram's retry_after; 403 (the resident blocked the bot) marks
// it undeliverable; the resident's messages join the thread, and with
// two open requests the bot asks which one.
func TestStaffRepliesReachTheChat(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.resident(46, "ar")
	code, _ := r.ticket(t, "ar")
	req := e.request(t, code)
	if req.Lang != "ar" || req.Channel != buurtloket.ChannelTelegram {
		t.Fatalf("the request: %+v", req)
	}
	canned := e.engine.Content().Catalog.Text("ar", "reply.general.thanks.text")
	if _, err := e.a.store.CannedReply(ctx, req.ID, "staff:1", "thanks", canned); err != nil {
		t.Fatal(err)
	}
	w := e.worker()
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("delivery: %d %v", n, err)
	}
	got := last(e.fake.Messages(46)).Text
	header := e.engine.Content().Catalog.Format("ar", "ui.bot.staff_reply", map[string]any{"Ticket": code})
	if got != header+"\n\n"+canned {
		t.Fatalf("the chat got %q, want the Arabic reply under %q", got, header)
	}
	if thread, _ := e.a.store.Thread(ctx, req.ID); thread[0].Delivery != buurtloket.DeliverySent {
		t.Fatalf("after sending: %s", thread[0].Delivery)
	}

	// 429: tried again after retry_after, not before.
	e.fake.Fail("sendMessage", 46, 429, "Too Many Requests: retry after 60", 60, 1)
	if _, err := e.a.store.Reply(ctx, req.ID, "staff:1", "Wij bellen u."); err != nil {
		t.Fatal(err)
	}
	w.RunOnce(ctx)
	thread, _ := e.a.store.Thread(ctx, req.ID)
	if m := thread[len(thread)-1]; m.Delivery != buurtloket.DeliveryRetrying || !strings.Contains(m.LastError, "429") {
		t.Fatalf("after a 429: %+v", m)
	}
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Fatal("retried before retry_after")
	}
	w.Now = func() time.Time { return time.Now().Add(61 * time.Second) }
	e.a.store.SetClock(w.Now)
	if n, err := w.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("after retry_after: %d %v", n, err)
	}
	e.a.store.SetClock(time.Now)
	if last(e.fake.Messages(46)).Text != e.engine.Content().Catalog.Format("ar", "ui.bot.staff_reply", map[string]any{"Ticket": code})+"\n\nWij bellen u." {
		t.Fatalf("the retried reply: %q", last(e.fake.Messages(46)).Text)
	}

	// 403: blocked. Undeliverable, and the resident can still read it.
	e.fake.Fail("sendMessage", 46, 403, "Forbidden: bot was blocked by the user", 0, 1)
	if _, err := e.a.store.Reply(ctx, req.ID, "staff:1", "Nog een vraag."); err != nil {
		t.Fatal(err)
	}
	w.Now = time.Now
	w.RunOnce(ctx)
	thread, _ = e.a.store.Thread(ctx, req.ID)
	if m := thread[len(thread)-1]; m.Delivery != buurtloket.DeliveryUndeliverable {
		t.Fatalf("after a 403: %+v", m)
	}

	// The resident writes: it joins the thread.
	r.seen = len(e.fake.Messages(46))
	msgs := r.say("شكرا، أنا في البيت")
	if got := last(msgs).Text; got != e.engine.Content().Catalog.Format("ar", "ui.bot.sent_to_staff", map[string]any{"Ticket": code}) {
		t.Fatalf("after the resident's message: %q", got)
	}
	thread, _ = e.a.store.Thread(ctx, req.ID)
	if m := thread[len(thread)-1]; m.Author != buurtloket.AuthorResident || m.Body != "شكرا، أنا في البيت" {
		t.Fatalf("the thread: %+v", m)
	}

	// Two open requests: which one?
	second, _ := r.ticket(t, "ar")
	r.seen = len(e.fake.Messages(46))
	msgs = r.say("سؤال آخر")
	if got := last(msgs).Text; got != e.engine.Content().Catalog.Text("ar", "ui.bot.which_request") {
		t.Fatalf("with two open requests: %q", got)
	}
	r.press(second)
	thread, _ = e.a.store.Thread(ctx, e.request(t, second).ID)
	if len(thread) != 1 || thread[0].Body != "سؤال آخر" {
		t.Fatalf("the second request's thread: %+v", thread)
	}
}

// TestLanguages: the bot speaks the resident's Telegram language when it
// is shipped, Dutch otherwise; /taal switches and keeps the answers.
func TestLanguages(t *testing.T) {
	e := newEnv(t)
	cat := e.engine.Content().Catalog
	_, menuAR := e.engine.Start("x", "ar")
	if got := last(e.resident(47, "ar").say("/start")).Text; got != menuAR.Prompt {
		t.Fatalf("Arabic Telegram: %q", got)
	}
	_, menuNL := e.engine.Start("x", "nl")
	if got := last(e.resident(48, "fr").say("/start")).Text; got != menuNL.Prompt {
		t.Fatalf("French Telegram (not shipped): %q", got)
	}
	r := e.resident(49, "pl-PL")
	r.say("/start")
	_, menuPL := e.engine.Start("x", "pl")
	r.press(menuPL.Options[0].Label)
	before := r.question().Text
	r.say("/taal")
	msgs := r.press("Türkçe")
	s, _ := e.engine.Start("x", "pl")
	s, _, _, _ = e.engine.Step(s, dialogs.Input{Type: dialogs.InputChoose, Choice: menuPL.Options[0].ID})
	_, inTurkish, _, _ := e.engine.Step(s, dialogs.Input{Type: dialogs.InputLanguage, Lang: "tr"})
	if got := last(msgs).Text; got == before || !strings.Contains(got, inTurkish.Prompt) {
		t.Fatalf("after switching to Turkish, the question is:\n%s\nwant %q", transcript(msgs), inTurkish.Prompt)
	}
	_ = cat
	if st := e.chatState(t, 49); st.Lang != "tr" {
		t.Fatalf("the chat's language: %q", st.Lang)
	}
}

// TestDeepLinkFollowsATicket: the kiosk's QR code opens the bot with the
// ticket; after its PIN the chat follows the request.
func TestDeepLinkFollowsATicket(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rec, err := e.a.store.Submit(ctx, buurtloket.NewRequest{Key: "kiosk-1", Topic: buurtloket.TopicMoney, Priority: buurtloket.PriorityNormal,
		Channel: buurtloket.ChannelKiosk, Lang: "nl", Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if !e.fake.WaitFor(5*time.Second, func() bool { return e.a.bot.FollowLink(rec.Ticket) != "" }) {
		t.Fatal("the bot has no deep link")
	}
	link := e.a.bot.FollowLink(rec.Ticket)
	if link != "https://t.me/"+bottest.Username+"?start="+rec.Ticket {
		t.Fatalf("deep link %q", link)
	}
	r := e.resident(50, "nl")
	payload := strings.SplitN(link, "?start=", 2)[1]
	if got := last(r.say("/start " + payload)).Text; !strings.Contains(got, rec.Ticket) {
		t.Fatalf("after the deep link: %q", got)
	}
	if got := last(r.say("0000")).Text; got != e.engine.Content().Catalog.Text("nl", "ui.follow.wrong") && rec.PIN != "0000" {
		t.Fatalf("a wrong PIN: %q", got)
	}
	// A wrong PIN ends the waiting: the next text is a message again.
	r.say("/start " + payload)
	if got := last(r.say(rec.PIN)).Text; !strings.Contains(got, rec.Ticket) || !strings.Contains(got, "Ontvangen") {
		t.Fatalf("after the PIN: %q", got)
	}
	if got := last(r.say("/status")).Text; got != e.engine.Content().Catalog.Format("nl", "ui.bot.status.line", map[string]any{"Ticket": rec.Ticket, "Status": "Ontvangen"}) {
		t.Fatalf("/status: %q", got)
	}
	r.say("Ik ben morgen thuis.")
	if thread, _ := e.a.store.Thread(ctx, rec.ID); len(thread) != 1 || thread[0].Body != "Ik ben morgen thuis." {
		t.Fatalf("the followed request's thread: %+v", thread)
	}
}

// TestForgetEverything: /vergeet says what it deletes, and after yes the
// chat's conversation and codes are gone, and staff replies no longer
// come to the chat.
func TestForgetEverything(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.resident(51, "nl")
	code, _ := r.ticket(t, "nl")
	msgs := r.say("/vergeet")
	if got := last(msgs).Text; got != e.engine.Content().Catalog.Text("nl", "ui.bot.forget.ask") {
		t.Fatalf("/vergeet: %q", got)
	}
	r.press(e.engine.Content().Catalog.Text("nl", "ui.bot.forget.yes"))
	if st := e.chatState(t, 51); len(st.Requests) != 0 || st.Session != nil {
		t.Fatalf("after forgetting: %+v", st)
	}
	req := e.request(t, code)
	if _, err := e.a.store.Reply(ctx, req.ID, "staff:1", "Hallo"); err != nil {
		t.Fatal(err)
	}
	before := len(e.fake.Messages(51))
	e.worker().RunOnce(ctx)
	if len(e.fake.Messages(51)) != before {
		t.Fatal("a staff reply came to a forgotten chat")
	}
	if thread, _ := e.a.store.Thread(ctx, req.ID); thread[0].Delivery != buurtloket.DeliveryHeld {
		t.Fatalf("the reply: %s, want held for the code", thread[0].Delivery)
	}
}

// TestARetriedSubmissionIsRemembered: when the answer to "send" does not
// go out (the Bot API away), the update is handled again; the request is
// stored once, and the chat knows it.
func TestARetriedSubmissionIsRemembered(t *testing.T) {
	e := newEnv(t)
	r := e.resident(52, "nl")
	r.say("/start")
	path := bottest.PathToTicket(e.engine, "nl", "other")
	for i, m := range path {
		if i == len(path)-1 {
			e.fake.Fail("sendMessage", 52, 502, "Bad Gateway", 0, 1)
		}
		switch m.Kind {
		case "choose":
			r.press(m.Label)
		case "text", "contact":
			r.say(m.Text)
		}
	}
	if !strings.Contains(last(e.fake.Messages(52)).Text, "Uw code is ") {
		t.Fatalf("no ticket after the retry:\n%s", transcript(e.fake.Messages(52)))
	}
	page, _ := e.a.store.Inbox(context.Background(), buurtloket.InboxQuery{})
	if len(page.Requests) != 1 {
		t.Fatalf("%d requests stored", len(page.Requests))
	}
	if st := e.chatState(t, 52); len(st.Requests) != 1 || st.Requests[0].ID != page.Requests[0].ID {
		t.Fatalf("the chat does not know its request: %+v", st.Requests)
	}
}

// TestAMessageJoinsTheThreadOnce: when the bot's confirmation of a
// resident's message does not go out, the message is still in the thread
// once, not twice.
func TestAMessageJoinsTheThreadOnce(t *testing.T) {
	e := newEnv(t)
	r := e.resident(53, "nl")
	code, _ := r.ticket(t, "nl")
	e.fake.Fail("sendMessage", 53, 502, "Bad Gateway", 0, 1)
	r.to.post(t, bottest.TextUpdate(r.id(), r.user, "Ik ben er morgen."))
	req := e.request(t, code)
	if !e.fake.WaitFor(5*time.Second, func() bool { th, _ := e.a.store.Thread(context.Background(), req.ID); return len(th) > 0 }) {
		t.Fatal("the message did not reach the thread")
	}
	time.Sleep(1500 * time.Millisecond) // a retry would come within a second
	if th, _ := e.a.store.Thread(context.Background(), req.ID); len(th) != 1 {
		t.Fatalf("the thread holds %d messages, want 1", len(th))
	}
}
