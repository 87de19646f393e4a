package bot

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"buurtloket"
	"buurtloket/bot/bottest"
	"buurtloket/speech/speechtest"
)

// TestEveryFlowToATicket walks every topic of the start menu to a ticket
// in the chat: buttons pressed, texts and contact typed. The request is
// stored for the Telegram channel with the chat as its sealed way back,
// and the chat shows the code and PIN.
func TestEveryFlowToATicket(t *testing.T) {
	e := newEnv(t)
	_, menu := e.engine.Start("x", "nl")
	for i, o := range menu.Options {
		path := bottest.PathToTicket(e.engine, "nl", o.ID)
		if path == nil {
			continue // an option that leads to information only
		}
		t.Run(o.ID, func(t *testing.T) {
			r := e.resident(int64(5000+i), "nl")
			r.e.t = t
			r.say("/start")
			for _, m := range path {
				switch m.Kind {
				case "choose":
					r.press(m.Label)
				case "choices":
					for _, l := range m.Labels {
						r.tick(l)
					}
					r.press(e.engine.Content().UI("nl").Continue)
				case "text", "contact":
					r.say(m.Text)
				}
			}
			msgs := r.e.fake.Messages(r.user.ID)
			end := msgs[len(msgs)-1].Text
			if !strings.Contains(end, "Uw code is ") {
				t.Fatalf("no ticket at the end:\n%s", transcript(msgs))
			}
			code := strings.Fields(strings.SplitN(end, "Uw code is ", 2)[1])[0]
			pin := strings.TrimRight(strings.Fields(strings.SplitN(end, "pincode is ", 2)[1])[0], ".")
			req, err := e.a.store.RequestByTicket(context.Background(), code, pin)
			if err != nil || req.Channel != buurtloket.ChannelTelegram || req.Lang != "nl" {
				t.Fatalf("the stored request %s: %v %+v", code, err, req)
			}
			// Every answered question lost its buttons and shows the answer.
			for _, m := range msgs[:len(msgs)-1] {
				if len(m.Keyboard) > 0 {
					t.Fatalf("an old question kept its buttons:\n%s", transcript(msgs))
				}
			}
			if !strings.Contains(transcript(msgs), "✓ ") {
				t.Fatalf("no question shows the chosen answer:\n%s", transcript(msgs))
			}
		})
	}
}

// TestAnonymousMeansAnonymous: an anonymous request made in the chat
// holds nothing of who wrote (no name, username or user ID, which
// Telegram gives the bot with every message), only the sealed way back;
// and the log shows no chat ID, name or text.
func TestAnonymousMeansAnonymous(t *testing.T) {
	var logs syncBuffer
	e := newEnvLogged(t, &logs)
	r := e.resident(987654321, "nl")
	path := bottest.PathToTicket(e.engine, "nl", "repairs", "anonymous")
	r.say("/start")
	r.walk(path)
	st := e.chatState(t, 987654321)
	if len(st.Requests) != 1 {
		t.Fatalf("requests in the chat: %+v", st.Requests)
	}
	req, err := e.a.store.Request(context.Background(), st.Requests[0].ID)
	if err != nil || !req.Anonymous {
		t.Fatalf("the request: %v %+v", err, req)
	}
	if _, err := e.a.store.Contact(context.Background(), req.ID, "staff:1"); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an anonymous request has contact details: %v", err)
	}
	shown := fmt.Sprintf("%+v", req)
	for _, secret := range []string{"Bewoner", "987654321"} { // Telegram's first name and the chat's ID
		if strings.Contains(shown, secret) {
			t.Errorf("the request shows %q: %s", secret, shown)
		}
	}
	for _, secret := range []string{"987654321", "Bewoner", "lekkage"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(transcript(e.fake.Messages(987654321)), e.engine.Content().Catalog.Text("nl", "ui.bot.anonymous_note")) {
		t.Error("the bot did not say what Telegram shows before the anonymous request")
	}
}

// TestSharedContact: the contact step offers Telegram's share-contact
// button; someone else's contact is refused and changes nothing; the
// resident's own is taken as the answer and is on the request; and the
// button goes once the step is over.
func TestSharedContact(t *testing.T) {
	e := newEnv(t)
	r := e.resident(5550001, "nl")
	texts := e.engine.Content().Catalog
	r.say("/start")
	path := bottest.PathToTicket(e.engine, "nl", "repairs")
	at := slices.IndexFunc(path, func(m bottest.Move) bool { return m.Kind == "contact" })
	if at < 0 {
		t.Fatal("the repairs flow asks no contact")
	}
	r.walk(path[:at])
	keys := e.fake.ReplyKeyboard(r.user.ID)
	if len(keys) != 1 || len(keys[0]) != 1 || !keys[0][0].RequestContact || keys[0][0].Text != texts.Text("nl", "ui.bot.contact.share") {
		t.Fatalf("the contact step's reply keyboard: %+v\n%s", keys, transcript(e.fake.Messages(r.user.ID)))
	}
	asked := r.question()

	if got := last(r.send(bottest.ContactUpdate(r.id(), r.user, 777, "Buurman", "0612000000"))).Text; got != texts.Text("nl", "ui.bot.contact.not_yours") {
		t.Fatalf("someone else's contact: %q", got)
	}
	if q := r.question(); q.ID != asked.ID || e.fake.ReplyKeyboard(r.user.ID) == nil {
		t.Fatal("someone else's contact moved the chat on")
	}

	r.send(bottest.ContactUpdate(r.id(), r.user, r.user.ID, "Fatima", "+31612345678"))
	if e.fake.ReplyKeyboard(r.user.ID) != nil {
		t.Fatalf("the share-contact button stays after the step:\n%s", transcript(e.fake.Messages(r.user.ID)))
	}
	for _, m := range e.fake.Messages(r.user.ID) {
		if m.ID == asked.ID && !strings.Contains(m.Text, "✓ Fatima") {
			t.Fatalf("the contact question does not show the answer: %q", m.Text)
		}
	}
	// On to the ticket; the request holds the shared contact.
	r.walk(path[at+1:])
	st := e.chatState(t, r.user.ID)
	if len(st.Requests) != 1 {
		t.Fatalf("requests in the chat: %+v\n%s", st.Requests, transcript(e.fake.Messages(r.user.ID)))
	}
	c, err := e.a.store.Contact(context.Background(), st.Requests[0].ID, "staff:1")
	// The flows keep a Dutch number as it is dialled here.
	if err != nil || c.Name != "Fatima" || c.Phone != "0612345678" {
		t.Fatalf("the request's contact: %v %+v", err, c)
	}
}

// TestQuestionReadAloud: with read-aloud on, every question has a button
// that sends it as a voice message in the resident's language (MP3, as
// Telegram takes voice messages), and the question stays to answer;
// without it there is no such button.
func TestQuestionReadAloud(t *testing.T) {
	e := newEnv(t)
	label := "🔊 " + e.engine.Content().Catalog.Text("pl", "ui.read_aloud")
	plain := e.resident(5550010, "pl")
	plain.say("/start")
	for _, row := range plain.question().Keyboard {
		for _, b := range row {
			if b.Text == label {
				t.Fatal("a read-aloud button without read-aloud")
			}
		}
	}

	cfg := e.a.bot.cfg
	cfg.Speech = speechtest.New(t, e.engine.Content().Catalog, e.sealer, "")
	speaking := run(t, cfg)
	hook := httptest.NewServer(speaking.WebhookHandler())
	t.Cleanup(hook.Close)
	r := e.resident(5550011, "pl")
	r.to = &instance{bot: speaking, store: e.a.store, webhook: hook}
	r.say("/start")
	asked := r.question()
	r.press(label)
	msgs := e.fake.Messages(r.user.ID)
	if v := last(msgs); v.Voice < 1000 {
		t.Fatalf("no voice message after the button, but %+v", v)
	}
	if q := r.question(); q.ID != asked.ID || q.Edits != asked.Edits {
		t.Fatal("reading aloud changed the question")
	}
	// The question is still the one to answer.
	path := bottest.PathToTicket(e.engine, "pl", "repairs")
	r.press(path[0].Label)
	if r.question().ID == asked.ID {
		t.Fatal("the question did not take its answer after the voice message")
	}
}
