package bot

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"buurtloket/bot/bottest"
)

// TestWebhookRefusesWhatIsNotTelegram: a wrong or missing secret gets 401
// (the library's own handler answers 200), a GET 405, an oversized body
// 413, a body that is not an update 400; none of them is kept or
// answered.
func TestWebhookRefusesWhatIsNotTelegram(t *testing.T) {
	e := newEnv(t)
	u := bottest.User{ID: 42, Lang: "nl"}
	start := bottest.TextUpdate(1, u, "/start")
	for _, tt := range []struct {
		name, method, secret string
		body                 []byte
		want                 int
	}{
		{"wrong secret", "POST", "wrong", start, http.StatusUnauthorized},
		{"no secret", "POST", "", start, http.StatusUnauthorized},
		{"almost the secret", "POST", secret[:len(secret)-1], start, http.StatusUnauthorized},
		{"GET", "GET", secret, nil, http.StatusMethodNotAllowed},
		{"oversized", "POST", secret, bytes.Repeat([]byte(" "), 65<<10), http.StatusRequestEntityTooLarge},
		{"not JSON", "POST", secret, []byte("hello"), http.StatusBadRequest},
		{"no update ID", "POST", secret, []byte(`{"message":{"chat":{"id":42}}}`), http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(tt.method, e.a.webhook.URL, bytes.NewReader(tt.body))
		if tt.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tt.secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %s, want %d", tt.name, resp.Status, tt.want)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if msgs := e.fake.Messages(42); len(msgs) != 0 {
		t.Fatalf("refused updates were answered:\n%s", transcript(msgs))
	}
	if waiting, _ := e.a.store.BotChatsWaiting(context.Background(), 10); len(waiting) != 0 {
		t.Fatalf("refused updates were kept: %v", waiting)
	}
	// The right secret works.
	r := e.resident(42, "nl")
	if msgs := r.say("/start"); !strings.Contains(last(msgs).Text, "Waar gaat uw vraag over?") {
		t.Fatalf("after /start:\n%s", transcript(msgs))
	}
}

// TestARepeatedUpdateIsHandledOnce: Telegram sends an update again when it
// is not sure it arrived; the resident gets one answer.
func TestARepeatedUpdateIsHandledOnce(t *testing.T) {
	e := newEnv(t)
	u := bottest.User{ID: 43, Lang: "nl"}
	update := bottest.TextUpdate(7, u, "/start")
	for range 3 {
		e.a.post(t, update)
	}
	e.fake.WaitFor(5*time.Second, func() bool { return len(e.fake.Messages(43)) > 0 })
	time.Sleep(500 * time.Millisecond)
	if msgs := e.fake.Messages(43); len(msgs) != 1 {
		t.Fatalf("one update sent three times got %d answers:\n%s", len(msgs), transcript(msgs))
	}
}

// TestAnOldButtonIsAnsweredGracefully: a press on a question that was
// answered already is told so, and changes nothing.
func TestAnOldButtonIsAnsweredGracefully(t *testing.T) {
	e := newEnv(t)
	r := e.resident(44, "nl")
	r.say("/start")
	menu := r.question()
	r.press("Geld en huur")
	before := len(e.fake.Messages(44))
	old := menu.Keyboard[1][0]
	id := r.id()
	r.to.post(t, bottest.PressUpdate(id, r.user, menu.ID, old.CallbackData))
	if !e.fake.WaitFor(5*time.Second, func() bool { _, ok := e.fake.Answer("q" + itoa(id)); return ok }) {
		t.Fatal("the press on an old button was not answered")
	}
	if text, _ := e.fake.Answer("q" + itoa(id)); text != e.engine.Content().Catalog.Text("nl", "ui.bot.old_button") {
		t.Fatalf("the old button was answered %q", text)
	}
	time.Sleep(200 * time.Millisecond)
	if after := e.fake.Messages(44); len(after) != before {
		t.Fatalf("an old button changed the chat:\n%s", transcript(after))
	}
}

// TestWhatTheBotCannotRead gets a friendly answer in the resident's
// language: photos, voice, stickers, locations, files; and in a group the
// bot asks to be written to alone.
func TestWhatTheBotCannotRead(t *testing.T) {
	e := newEnv(t)
	r := e.resident(45, "tr")
	r.say("/start")
	want := e.engine.Content().Catalog.Text("tr", "ui.bot.unsupported")
	for _, extra := range []map[string]any{
		{"photo": []map[string]any{{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}}},
		{"voice": map[string]any{"file_id": "v", "file_unique_id": "v", "duration": 3}},
		{"sticker": map[string]any{"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1}},
		{"location": map[string]any{"latitude": 51.9, "longitude": 4.4}},
		{"document": map[string]any{"file_id": "d", "file_unique_id": "d"}},
	} {
		if got := last(r.send(bottest.MessageUpdate(r.id(), r.user, extra))).Text; got != want {
			t.Errorf("%v: %q, want %q", extra, got, want)
		}
	}
	r.to.post(t, bottest.GroupUpdate(r.id(), r.user, -100123, "/start"))
	if !e.fake.WaitFor(5*time.Second, func() bool { return len(e.fake.Messages(-100123)) == 1 }) {
		t.Fatal("no answer in the group")
	}
	// A group has no language of its own: it is told in the language of
	// who wrote, Turkish here.
	if got := e.fake.Messages(-100123)[0].Text; got != e.engine.Content().Catalog.Text("tr", "ui.bot.group") {
		t.Fatalf("in a group: %q", got)
	}
	// Added to another group, the bot says so once, in the language of who
	// added it (Polish).
	e.a.post(t, []byte(`{"update_id":`+itoa(r.id())+`,"my_chat_member":{"chat":{"id":-100456,"type":"supergroup","title":"Buren"},"from":{"id":45,"is_bot":false,"first_name":"B","language_code":"pl"},"date":1,`+
		`"old_chat_member":{"status":"left","user":{"id":123456,"is_bot":true,"first_name":"Buurtloket"}},"new_chat_member":{"status":"member","user":{"id":123456,"is_bot":true,"first_name":"Buurtloket"}}}}`))
	if !e.fake.WaitFor(5*time.Second, func() bool { return len(e.fake.Messages(-100456)) == 1 }) {
		t.Fatal("nothing said when added to a group")
	}
	if got := e.fake.Messages(-100456)[0].Text; got != e.engine.Content().Catalog.Text("pl", "ui.bot.group") {
		t.Fatalf("added to a group: %q", got)
	}
}

// TestBotMessagesExist: every message the bot says is in every shipped
// language, and the Dutch ones are the bot's own (not a fallback).
func TestBotMessagesExist(t *testing.T) {
	cat := shippedEngine(t).Content().Catalog
	for _, l := range cat.Languages() {
		for _, id := range botMessages {
			data := map[string]any{"Ticket": "K7QM-3XHD", "PIN": "1234", "Max": 4000, "Status": "x"}
			if got := cat.Format(l.Code, id, data); !cat.Has(id) || got == "" || got == id {
				t.Errorf("%s: %s is missing", l.Code, id)
			} else if l.Code != "nl" && got == cat.Format("nl", id, data) {
				t.Errorf("%s: %s is the Dutch text", l.Code, id)
			}
		}
	}
}

// TestTelegramAsksToWait: a 429 while answering leaves the update waiting
// for Telegram's retry_after, then it is answered; nothing is lost.
func TestTelegramAsksToWait(t *testing.T) {
	e := newEnv(t)
	e.fake.Fail("sendMessage", 62, 429, "Too Many Requests: retry after 1", 1, 1)
	u := bottest.User{ID: 62, Lang: "nl"}
	start := time.Now()
	e.a.post(t, bottest.TextUpdate(900, u, "/start"))
	if !e.fake.WaitFor(10*time.Second, func() bool { return len(e.fake.Messages(62)) == 1 }) {
		t.Fatal("not answered after the 429")
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("answered after %v, before retry_after", waited)
	}
	if calls := e.fake.Calls("sendMessage"); len(calls) < 2 {
		t.Fatalf("%d sendMessage calls", len(calls))
	}
}
