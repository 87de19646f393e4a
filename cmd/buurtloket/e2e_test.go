package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/bot/bottest"
	"buurtloket/dialogs"
	"buurtloket/internal/browsertest"
	stafftexts "buurtloket/locales/staff"

	"github.com/chromedp/chromedp"
)

// TestEndToEnd runs buurtloket as serve does, with a kiosk and a staff
// member each in their own Chromium: a resident asks for help at the
// kiosk in Arabic; the request shows in the open inbox without a reload;
// the staff member claims it and sends a canned reply, which the
// resident's open follow-up page shows at once in Arabic, without losing
// what the resident was typing, and which the console then shows as
// delivered; the resident answers, and the staff member sees it without a
// reload; closed, the request takes no more answers from the page.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	code, out, stderr := runCmd(t, "", append([]string{"staff", "add", "--email", "anna@woonplus.nl", "--name", "Anna de Vries", "--role", "staff"}, db...)...)
	once := oneTime.FindStringSubmatch(out)
	if code != 0 || once == nil {
		t.Fatalf("staff add: exit %d %q %q", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "", append([]string{"kiosk", "add", "--name", "Buurthuis De Erker", "--wijk", "Oost"}, db...)...)
	link := pairingLink.FindStringSubmatch(out)
	if code != 0 || link == nil {
		t.Fatalf("kiosk add: exit %d %q %q", code, out, stderr)
	}
	s := &Server{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "b.db"), KeyFile: filepath.Join(dir, "b.key")}
	stop := startServer(t, s)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	base := s.URL()
	staffTab := browsertest.New(t, 1280, 900, chromedp.Flag("accept-lang", "nl-NL,nl"))
	kioskTab := browsertest.New(t, 1080, 1920)
	run := func(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	// until waits for a JavaScript condition; a page that is navigating
	// fails to evaluate for a moment, which counts as not yet.
	until := func(ctx context.Context, what, js string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); ok {
				return
			}
		}
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("%s: not within 15 seconds; the page says:\n%s", what, text)
	}
	text := func(ctx context.Context, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	step := func(name string) string { return `document.querySelector('main[data-step="` + name + `"]') !== null` }
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	click := func(ctx context.Context, sel string) {
		t.Helper()
		run(ctx, chromedp.Click(css(sel), chromedp.NodeVisible))
	}
	texts := s.engine.Load().Content().Catalog

	// The staff member's first login: the one-time password, a new one,
	// then the inbox, listening.
	run(staffTab, chromedp.Navigate(base+"/staff/"), chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), "anna@woonplus.nl"), chromedp.SendKeys(css("#password"), once[1]),
		chromedp.Click(css("main button[type=submit]")), chromedp.WaitVisible(css("#new")),
		chromedp.SendKeys(css("#new"), "drie lange woorden hier"), chromedp.SendKeys(css("#again"), "drie lange woorden hier"),
		chromedp.Click(css("main button[type=submit]")))
	until(staffTab, "the inbox listens", `document.body.dataset.page === "inbox" && document.body.dataset.listening === "yes"`)

	// The resident, at the kiosk, in Arabic, with their name and number.
	run(kioskTab, chromedp.Navigate(base+"/kiosk/pair?token="+link[2]), chromedp.Click(css("#pair"), chromedp.NodeVisible))
	until(kioskTab, "the kiosk's menu", step("start/menu"))
	run(kioskTab, chromedp.Click(css(`main button[lang="ar"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[dir="rtl"]`)))
	for _, c := range [][2]string{{"repairs", "repairs/what"}, {"urgent", "repairs/urgent"}, {"help", "repairs/question"}} {
		click(kioskTab, `main button[data-option="`+c[0]+`"]`)
		until(kioskTab, c[1], step(c[1]))
	}
	run(kioskTab, chromedp.SendKeys(css("#answer"), "الماء يتسرب من السقف"), chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	until(kioskTab, "repairs/identity", step("repairs/identity"))
	click(kioskTab, `main button[data-option="named"]`)
	until(kioskTab, "repairs/contact", step("repairs/contact"))
	run(kioskTab, chromedp.SendKeys(css("#c-name"), "Fatima"), chromedp.SendKeys(css("#c-phone"), "06 12345678"),
		chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	until(kioskTab, "repairs/postcode", step("repairs/postcode"))
	click(kioskTab, `form.answer button[type="button"]`) // skip
	until(kioskTab, "repairs/check", step("repairs/check"))
	click(kioskTab, `main button[data-option="send"]`)
	until(kioskTab, "repairs/sent", step("repairs/sent"))
	ticket, pin := text(kioskTab, `document.getElementById("ticket-code").textContent`), text(kioskTab, `document.getElementById("ticket-pin").textContent`)
	r, err := s.store.RequestByTicket(context.Background(), ticket, pin)
	if err != nil || r.Lang != "ar" || r.Channel != buurtloket.ChannelKiosk {
		t.Fatalf("the kiosk's request %s: %v %+v", ticket, err, r)
	}

	// It shows in the open inbox, without a reload.
	row := `a[href="/staff/requests/` + strconv.FormatInt(r.ID, 10) + `"]`
	until(staffTab, "the new request in the open inbox", `document.querySelector('`+row+`') !== null`)

	// The resident opens the request with code and PIN, and starts typing.
	click(kioskTab, `[data-global="restart"]`)
	until(kioskTab, "the menu again", step("start/menu"))
	click(kioskTab, "#follow")
	until(kioskTab, "the code form", step("follow/form"))
	run(kioskTab, chromedp.SendKeys(css("#f-code"), ticket), chromedp.SendKeys(css("#f-pin"), pin),
		chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	until(kioskTab, "the thread", step("follow/thread"))
	typing := "شكرا، أنا في البيت"
	run(kioskTab, chromedp.SendKeys(css("#f-reply"), typing))

	// The staff member claims it and sends a canned reply.
	click(staffTab, row)
	until(staffTab, "the request page", `document.body.dataset.page === "request"`)
	click(staffTab, `form[action$="/claim"] button`)
	until(staffTab, "claimed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/claim"]') === null`)
	click(staffTab, "#canned-thanks")
	click(staffTab, `form[action$="/canned"] button[type=submit]`)
	until(staffTab, "the canned reply in the thread", `document.querySelectorAll("#thread-items li.message.staff").length === 1`)
	thread, err := s.store.Thread(context.Background(), r.ID)
	if err != nil || len(thread) != 1 || thread[0].Canned != "thanks" {
		t.Fatalf("the stored thread: %v %+v", err, thread)
	}
	arabic := thread[0].Body
	if !strings.ContainsRune(arabic, 'ا') || arabic == texts.Text("nl", "reply.general.thanks.text") {
		t.Fatalf("the resident gets %q, want Arabic", arabic)
	}

	// The open follow-up page shows it at once, in Arabic, right to left,
	// and what the resident typed is still there.
	until(kioskTab, "the staff reply on the open follow-up page", `[...document.querySelectorAll("#follow-thread li.staff .body")].some(p => p.textContent === `+jsString(arabic)+`)`)
	if got := text(kioskTab, `document.getElementById("f-reply").value`); got != typing {
		t.Fatalf("the reply box holds %q after the push, want %q", got, typing)
	}
	if dir := text(kioskTab, `document.documentElement.dir`); dir != "rtl" {
		t.Fatalf("the follow-up page is %q", dir)
	}
	// The console tells the truth: the page was sent it.
	consoleTexts, probs := dialogs.LoadCatalog(stafftexts.FS, "locales/staff")
	if consoleTexts == nil {
		t.Fatal(probs)
	}
	until(staffTab, "the reply shown as delivered", `document.querySelector("#thread-items li.message.staff .meta").textContent.includes(`+jsString(consoleTexts.Text("nl", "staff.delivery.sent"))+`)`)

	// The resident answers; the staff member sees it without a reload.
	click(kioskTab, `#follow-answer button[type="submit"]`)
	until(staffTab, "the resident's answer on the open request page", `document.querySelector("#thread-items").textContent.includes(`+jsString(typing)+`)`)

	// Closed: the page says so and takes no more answers.
	run(staffTab, chromedp.SetValue(css("#status"), string(buurtloket.StatusClosed)))
	click(staffTab, `form[action$="/status"] button[type=submit]`)
	until(staffTab, "closed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/canned"]') === null`)
	until(kioskTab, "the closed request on the follow-up page", `document.getElementById("follow-answer") === null && document.getElementById("follow-status").textContent === `+
		jsString(texts.Text("ar", buurtloket.StatusClosed.MessageID())))
	if _, err := s.store.ResidentReply(context.Background(), ticket, pin, "x"); buurtloket.ErrorCode(err) != buurtloket.ECONFLICT {
		t.Fatalf("a closed request took an answer: %v", err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestEndToEndThroughTheBot: the same, with the request made in a Telegram
// chat in Turkish (the bot against a fake Bot API server): it shows in the
// open inbox; the canned reply reaches the chat in Turkish; the resident's
// answer in the chat shows on the open request page; closed, the chat's
// next message joins nothing (the menu comes).
func TestEndToEndThroughTheBot(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	code, out, stderr := runCmd(t, "", append([]string{"staff", "add", "--email", "anna@woonplus.nl", "--name", "Anna de Vries", "--role", "staff"}, db...)...)
	once := oneTime.FindStringSubmatch(out)
	if code != 0 || once == nil {
		t.Fatalf("staff add: exit %d %q %q", code, out, stderr)
	}
	fake := bottest.New(t)
	s := &Server{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "b.db"), KeyFile: filepath.Join(dir, "b.key"),
		Telegram: Telegram{Token: bottest.Token, APIURL: fake.URL}}
	stop := startServer(t, s)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	staffTab := browsertest.New(t, 1280, 900, chromedp.Flag("accept-lang", "nl-NL,nl"))
	until := func(what, js string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok, _ := chromedp.Run(staffTab, chromedp.Evaluate[bool](js)); ok {
				return
			}
		}
		text, _ := chromedp.Run(staffTab, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("%s: not within 15 seconds; the page says:\n%s", what, text)
	}
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(staffTab, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(staffTab, chromedp.Navigate(s.URL()+"/staff/"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "anna@woonplus.nl"), chromedp.SendKeys(chromedp.CSS("#password"), once[1]),
		chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#new")),
		chromedp.SendKeys(chromedp.CSS("#new"), "drie lange woorden hier"), chromedp.SendKeys(chromedp.CSS("#again"), "drie lange woorden hier"),
		chromedp.Click(chromedp.CSS("main button[type=submit]"))); err != nil {
		t.Fatal(err)
	}
	until("the inbox listens", `document.body.dataset.page === "inbox" && document.body.dataset.listening === "yes"`)

	// The resident, in a Telegram chat in Turkish.
	const chat = 424242
	user := bottest.User{ID: chat, Lang: "tr"}
	var update int64 = 1
	seen := 0
	waitNew := func() []bottest.Message {
		t.Helper()
		if !fake.WaitFor(15*time.Second, func() bool { return len(fake.Messages(chat)) > seen }) {
			t.Fatalf("the bot does not answer; the chat:\n%v", fake.Messages(chat))
		}
		time.Sleep(50 * time.Millisecond)
		msgs := fake.Messages(chat)
		seen = len(msgs)
		return msgs
	}
	say := func(text string) []bottest.Message {
		update++
		fake.Queue(bottest.TextUpdate(update, user, text))
		return waitNew()
	}
	press := func(label string) {
		t.Helper()
		msgs := fake.Messages(chat)
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, row := range msgs[i].Keyboard {
				for _, b := range row {
					if b.Text == label {
						update++
						fake.Queue(bottest.PressUpdate(update, user, msgs[i].ID, b.CallbackData))
						waitNew()
						return
					}
				}
			}
			if len(msgs[i].Keyboard) > 0 {
				break
			}
		}
		t.Fatalf("no button %q on the question", label)
	}
	engine := s.engine.Load()
	say("/start")
	for _, m := range bottest.PathToTicket(engine, "tr", "repairs") {
		switch m.Kind {
		case "choose":
			press(m.Label)
		case "text", "contact":
			say(m.Text)
		}
	}
	var ticket string
	for _, w := range strings.Fields(fake.Messages(chat)[seen-1].Text) {
		if c, ok := buurtloket.NormalizeTicket(strings.Trim(w, ".,:")); ok && len(w) >= 9 {
			ticket = c
		}
	}
	r, err := s.store.RequestByCode(context.Background(), ticket)
	if err != nil || r.Channel != buurtloket.ChannelTelegram || r.Lang != "tr" {
		t.Fatalf("the bot's request %q: %v %+v", ticket, err, r)
	}
	row := `a[href="/staff/requests/` + strconv.FormatInt(r.ID, 10) + `"]`
	until("the bot's request in the open inbox", `document.querySelector('`+row+`') !== null`)

	// Claimed, answered with a canned reply: it reaches the chat in Turkish.
	click(row)
	until("the request page", `document.body.dataset.page === "request"`)
	click(`form[action$="/claim"] button`)
	until("claimed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/claim"]') === null`)
	click("#canned-thanks")
	click(`form[action$="/canned"] button[type=submit]`)
	texts := engine.Content().Catalog
	want := texts.Format("tr", "ui.bot.staff_reply", map[string]any{"Ticket": ticket}) + "\n\n" + texts.Text("tr", "reply.general.thanks.text")
	if !fake.WaitFor(15*time.Second, func() bool { m := fake.Messages(chat); return len(m) > 0 && m[len(m)-1].Text == want }) {
		t.Fatalf("the chat did not get the Turkish reply %q; it has:\n%v", want, fake.Messages(chat))
	}
	seen = len(fake.Messages(chat))
	consoleTexts, probs := dialogs.LoadCatalog(stafftexts.FS, "locales/staff")
	if consoleTexts == nil {
		t.Fatal(probs)
	}
	until("the reply shown as delivered", `document.querySelector("#thread-items li.message.staff .meta").textContent.includes(`+jsString(consoleTexts.Text("nl", "staff.delivery.sent"))+`)`)

	// The resident answers in the chat; the open request page shows it.
	answer := "Teşekkürler, yarın evdeyim."
	say(answer)
	until("the chat's answer on the open request page", `document.querySelector("#thread-items").textContent.includes(`+jsString(answer)+`)`)

	// Closed: the chat's next message joins nothing; the menu comes.
	if err := chromedp.Do(staffTab, chromedp.SetValue(chromedp.CSS("#status"), string(buurtloket.StatusClosed))); err != nil {
		t.Fatal(err)
	}
	click(`form[action$="/status"] button[type=submit]`)
	until("closed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/canned"]') === null`)
	_, menu := engine.Start("x", "tr")
	if msgs := say("Nog iets?"); msgs[len(msgs)-1].Text != menu.Prompt {
		t.Fatalf("after closing, the chat says %q", msgs[len(msgs)-1].Text)
	}
	thread, _ := s.store.Thread(context.Background(), r.ID)
	for _, m := range thread {
		if m.Body == "Nog iets?" {
			t.Fatal("a message after closing joined the thread")
		}
	}
}
