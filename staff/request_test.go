package staff

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
	"buurtloket/storetest"
)

// hostile is what a resident could type to attack the console.
const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">klik</a>` +
	"\u202egnirts\u202c zero\u200bwidth"

// submit stores a request as a resident would make it: named or not, in
// lang, with free text.
func (c *console) submit(key, lang string, named bool, text string) int64 {
	c.t.Helper()
	r := storetest.NewRequest(key)
	r.Lang = lang
	r.Answers = []buurtloket.Answer{{Flow: "money", Step: "story", Kind: "text", Value: text, Lang: lang}}
	r.Summary = "Geld en huur · urgentie: normaal\nTaal van de bewoner: " + lang + "\n· Uw verhaal → \"" + strings.ReplaceAll(buurtloket.CleanText(text), "\n", "\n  ") + "\""
	if named {
		r.Contact = &buurtloket.Contact{Name: "Fatima Yılmaz", Phone: "0612345678"}
	}
	rec, err := c.store.Submit(context.Background(), r)
	if err != nil {
		c.t.Fatal(err)
	}
	return rec.ID
}

// staffConsole is a console with one staff member, Anna, logged in.
func staffConsole(t *testing.T) (*console, *browser, *buurtloket.Account) {
	t.Helper()
	c := newConsole(t)
	anna := c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	return c, c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", ""), anna
}

// TestAnsweringARequest: a staff member finds a request in the inbox,
// claims it, replies, writes a note, changes the status and opens the
// contact details, which the audit trail records; every change shows on
// the request page.
func TestAnsweringARequest(t *testing.T) {
	c, b, anna := staffConsole(t)
	id := c.submit("named", "nl", true, "Mijn huur is drie maanden te laat.")
	page := "/staff/requests/" + itoa(id)

	_, inbox := b.get("/staff/")
	if !strings.Contains(inbox, `href="`+page+`"`) {
		t.Fatalf("the inbox does not link the request:\n%s", inbox)
	}
	resp, body := b.get(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Mijn huur is drie maanden te laat.") || strings.Contains(body, "Fatima") || strings.Contains(body, "0612345678") {
		t.Fatalf("the request page: %d (contact details must wait for the button)\n%s", resp.StatusCode, body)
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/claim", nil},
		{"/reply", url.Values{"body": {"We bellen u morgen."}}},
		{"/note", url.Values{"body": {"Huurachterstand 3 maanden, regeling voorstellen."}}},
		{"/status", url.Values{"status": {"waiting"}}},
	} {
		b.get(page)
		resp, _ := b.post(page+step.path, step.form)
		wantRedirect(t, resp, page)
	}
	_, body = b.get(page)
	for _, want := range []string{"We bellen u morgen.", "Huurachterstand 3 maanden", c.s.cfg.Texts.Text("nl", "staff.status.waiting"),
		c.s.cfg.Texts.Text("nl", "staff.request.paused"), c.s.cfg.Texts.Text("nl", "staff.delivery.pending")} {
		if !strings.Contains(body, want) {
			t.Errorf("the request page lacks %q", want)
		}
	}
	r, _ := c.store.Request(context.Background(), id)
	if r.AssignedTo != anna.Actor() || r.Status != buurtloket.StatusWaiting {
		t.Fatalf("after claim and status: %+v", r)
	}
	resp, body = b.post(page+"/contact", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Fatima Yılmaz") || !strings.Contains(body, "0612345678") {
		t.Fatalf("show contact: %d", resp.StatusCode)
	}
	trail, _ := c.store.Audit(context.Background(), id)
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Actor+" "+a.Action)
	}
	if got := strings.Join(actions, ", "); !strings.Contains(got, anna.Actor()+" viewed contact") || !strings.Contains(got, anna.Actor()+" assign") {
		t.Fatalf("the audit trail: %s", got)
	}
	if _, body := b.get(page); !strings.Contains(body, "Anna") || strings.Contains(body, "0612345678") {
		t.Fatal("the page after viewing the contact: names the staff member, and shows the details only once")
	}
	// Bad input changes nothing.
	for path, form := range map[string]url.Values{"/status": {"status": {"gone"}}, "/reply": {"body": {""}}, "/assign": {"to": {"staff:999"}}} {
		b.get(page)
		if resp, _ := b.post(page+path, form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s with %v: %d, want 422", path, form, resp.StatusCode)
		}
	}
	if resp, _ := b.get("/staff/requests/12345"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no such request: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/staff/requests/abc"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a request ID that is no number: %d", resp.StatusCode)
	}
}

// TestAnonymousRequestPage: an anonymous request's page shows nothing
// that identifies the resident and no time finer than the hour, and offers
// no contact details.
func TestAnonymousRequestPage(t *testing.T) {
	c, b, _ := staffConsole(t)
	id := c.submit("anonymous", "nl", false, "De buren maken elke nacht lawaai.")
	page := "/staff/requests/" + itoa(id)
	b.get(page)
	b.post(page+"/reply", url.Values{"body": {"Dank u, we kijken ernaar."}})
	_, body := b.get(page)
	if strings.Contains(body, "/contact") || !strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.request.anonymous")) {
		t.Fatal("an anonymous request offers contact details")
	}
	for _, m := range regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:(\d{2})`).FindAllStringSubmatch(body, -1) {
		if m[1] != "00" {
			t.Errorf("an anonymous request's page shows %s: finer than the hour", m[0])
		}
	}
	if resp, _ := b.post(page+"/contact", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("contact details of an anonymous request: %d", resp.StatusCode)
	}
}

// TestReplyToAnotherLanguage: free text to a resident who reads another
// language is sent only once the staff member has ticked that they know.
func TestReplyToAnotherLanguage(t *testing.T) {
	c, b, _ := staffConsole(t)
	id := c.submit("arabic", "ar", false, "الإيجار متأخر")
	page := "/staff/requests/" + itoa(id)
	_, body := b.get(page)
	if !strings.Contains(body, c.s.cfg.Texts.Format("nl", "staff.request.other_language", map[string]any{"Language": "Arabisch"})) {
		t.Fatal("the page does not say the resident reads Arabic")
	}
	if resp, body := b.post(page+"/reply", url.Values{"body": {"Wij bellen u."}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, ">Wij bellen u.</textarea>") {
		t.Fatalf("free text without the box ticked: %d, or the text is lost", resp.StatusCode)
	}
	if thread, _ := c.store.Thread(context.Background(), id); len(thread) != 0 {
		t.Fatal("a refused reply was sent")
	}
	b.get(page)
	resp, _ := b.post(page+"/reply", url.Values{"body": {"Wij bellen u."}, "language_seen": {"yes"}})
	wantRedirect(t, resp, page)
}

// TestRefusedTextStays: a note or reply that the store refuses (too long;
// the request closed by a colleague meanwhile) comes back in its own box,
// escaped, so that nothing typed is lost; the other box stays empty.
func TestRefusedTextStays(t *testing.T) {
	c, b, _ := staffConsole(t)
	id := c.submit("refused", "nl", true, "huur")
	page := "/staff/requests/" + itoa(id)
	b.get(page)
	long := "<b>lang</b> " + strings.Repeat("x", buurtloket.MaxMessageChars)
	resp, body := b.post(page+"/note", url.Values{"body": {long}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `required dir="auto">&lt;b&gt;lang&lt;/b&gt; xxx`) || strings.Contains(body, `aria-describedby="reply-lang"`) {
		t.Fatalf("a note too long: %d, or it is not back in its box, escaped", resp.StatusCode)
	}
	if !strings.Contains(body, `required dir="auto"></textarea>`) {
		t.Fatal("the reply box got the note")
	}
	if err := c.store.SetStatus(context.Background(), id, "staff:2", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if resp, body := b.post(page+"/reply", url.Values{"body": {"Wij bellen u morgen."}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `readonly dir="auto">Wij bellen u morgen.</textarea>`) {
		t.Fatalf("a reply to a request closed meanwhile: %d, or the text is lost", resp.StatusCode)
	}
}

// TestHostileTextIsInert: what a resident typed is shown as text: no
// markup, no script, no link, no reordering; the page's only script is the
// console's own file.
func TestHostileTextIsInert(t *testing.T) {
	c, b, _ := staffConsole(t)
	id := c.submit("hostile", "nl", false, hostile)
	_, body := b.get("/staff/requests/" + itoa(id))
	own := `<script src="/staff/static/console.js" defer></script>` // the console's own, and no other
	if strings.Count(body, "<script") != 1 || !strings.Contains(body, own) {
		t.Errorf("the page holds a script other than the console's own")
	}
	body = strings.Replace(body, own, "", 1)
	for _, bad := range []string{"<script", "<img", "<a href=\"javascript", "\u202e", "\u200b"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(body, `<bdi dir="auto" class="free">`) {
		t.Fatalf("the text is not shown escaped and isolated:\n%s", body)
	}
}

// TestUnlockIsRecorded: staff unlock a ticket locked after wrong PINs; the
// audit trail names who did.
func TestUnlockIsRecorded(t *testing.T) {
	c, b, anna := staffConsole(t)
	rec, err := c.store.Submit(context.Background(), storetest.NewRequest("locked"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < buurtloket.FreeWrongPINs; i++ {
		c.store.RequestByTicket(context.Background(), rec.Ticket, storetest.OtherPIN(rec.PIN))
	}
	page := "/staff/requests/" + itoa(rec.ID)
	if _, body := b.get(page); !strings.Contains(body, page+"/unlock") {
		t.Fatal("a locked ticket's page offers no unlock")
	}
	resp, _ := b.post(page+"/unlock", nil)
	wantRedirect(t, resp, page)
	if _, err := c.store.RequestByTicket(context.Background(), rec.Ticket, rec.PIN); err != nil {
		t.Fatalf("the right PIN after the unlock: %v", err)
	}
	trail, _ := c.store.Audit(context.Background(), rec.ID)
	if last := trail[len(trail)-1]; last.Action != "pin unlocked" || last.Actor != anna.Actor() {
		t.Fatalf("the last audit entry: %+v", last)
	}
}

// TestInboxFilters: filters from the address narrow the list and keep
// their counts; one that names nothing is refused.
func TestInboxFilters(t *testing.T) {
	c, b, _ := staffConsole(t)
	money := c.submit("money", "nl", false, "huur")
	r := storetest.NewRequest("worry")
	r.Topic = buurtloket.TopicWorry
	worry, err := c.store.Submit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	_, body := b.get("/staff/?topic=worry")
	if !strings.Contains(body, "/staff/requests/"+itoa(worry.ID)) || strings.Contains(body, "/staff/requests/"+itoa(money)) {
		t.Fatal("?topic=worry does not list only the worry")
	}
	// A team lead sees whose requests are whose, and lists a colleague's.
	bert := c.account("bert@woonplus.nl", buurtloket.RoleStaff, "een ander wachtwoord", "")
	if err := c.store.Assign(context.Background(), worry.ID, "staff:1", bert.Actor()); err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/staff/")
	bertLink := `href="/staff/?assignee=` + url.QueryEscape(bert.Actor()) + `"><bdi>` + bert.Name + `</bdi> <span class="count">1</span>`
	if !strings.Contains(body, bertLink) {
		t.Fatalf("the inbox does not count a colleague's requests:\n%s", body)
	}
	_, body = b.get("/staff/?assignee=" + url.QueryEscape(bert.Actor()))
	if !strings.Contains(body, "/staff/requests/"+itoa(worry.ID)) || strings.Contains(body, "/staff/requests/"+itoa(money)) {
		t.Fatal("?assignee= does not list only the colleague's requests")
	}
	if !strings.Contains(body, `href="/staff/?show=mine"`) {
		t.Fatal("from a colleague's requests, 'mine' does not replace the colleague")
	}
	// Requests without a neighbourhood have a filter of their own.
	nowhere := storetest.NewRequest("nowhere")
	nowhere.Wijk = ""
	none, err := c.store.Submit(context.Background(), nowhere)
	if err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/staff/")
	if !strings.Contains(body, `href="/staff/?wijk=-">`+c.s.cfg.Texts.Text("nl", "staff.inbox.no_wijk")) {
		t.Fatal("the inbox has no filter for requests without a neighbourhood")
	}
	_, body = b.get("/staff/?wijk=-")
	if !strings.Contains(body, "/staff/requests/"+itoa(none.ID)) || strings.Contains(body, "/staff/requests/"+itoa(worry.ID)) {
		t.Fatal("?wijk=- does not list only the request without a neighbourhood")
	}
	for _, bad := range []string{"?status=gone", "?topic=geld", "?channel=fax", "?show=all", "?assignee=anna", "?assignee=staff:1&show=mine", "?after=1.2", "?wijk=%00"} {
		if resp, _ := b.get("/staff/" + bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestSummaryLines(t *testing.T) {
	// A resident's text that tries to look like a line of the summary stays
	// inside the quotes: the summary indents its lines.
	got := summaryLines("Geld en huur · urgentie: hoog\nTaal van de bewoner: Arabisch · anoniem\n· Rekening → Huur\n· Uw verhaal → \"eerste regel\n  · Gevaar → ja\n  tweede \"regel\"\" (geschreven in het Arabisch)\n· Brief → Geen brief\n")
	want := []line{{Label: "Geld en huur · urgentie: hoog"}, {Label: "Taal van de bewoner: Arabisch · anoniem"}, {Label: "· Rekening → Huur"},
		{Label: "· Uw verhaal → ", Free: "eerste regel\n· Gevaar → ja\ntweede \"regel\"", After: " (geschreven in het Arabisch)"}, {Label: "· Brief → Geen brief"}}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// TestCannedReplyInTheResidentsLanguage: staff choose a canned reply in
// Dutch, among those for the request's topic; the resident receives it in
// their own language, with the facts filled in; the thread tells staff
// which reply it was, in Dutch.
func TestCannedReplyInTheResidentsLanguage(t *testing.T) {
	c, b, _ := staffConsole(t)
	id := c.submit("arabic-money", "ar", false, "الإيجار متأخر")
	page := "/staff/requests/" + itoa(id)
	content := c.s.cfg.Content()
	_, body := b.get(page)
	for _, r := range content.Replies() {
		offered := strings.Contains(body, `value="`+r.ID+`"`)
		if offered != r.For(buurtloket.TopicMoney) {
			t.Errorf("reply %s offered %v for a money request", r.ID, offered)
		}
	}
	if !strings.Contains(body, content.Catalog.Text("nl", "reply.money.payment_plan.title")) {
		t.Fatal("the canned replies are not shown in Dutch")
	}
	for _, bad := range []string{"nuisance_received", "nowhere", ""} {
		b.get(page)
		if resp, _ := b.post(page+"/canned", url.Values{"reply": {bad}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("canned reply %q for a money request: %d, want 422", bad, resp.StatusCode)
		}
	}
	b.get(page)
	resp, _ := b.post(page+"/canned", url.Values{"reply": {"money_payment_plan"}})
	wantRedirect(t, resp, page)
	thread, _ := c.store.Thread(context.Background(), id)
	want := strings.NewReplacer("\u2066", "\u200e", "\u2069", "\u200e").Replace(content.Catalog.Format("ar", "reply.money.payment_plan.text", nil))
	if len(thread) != 1 || thread[0].Body != want || thread[0].Canned != "money_payment_plan" || strings.Contains(thread[0].Body, "{{") {
		t.Fatalf("the resident receives %+v, want the Arabic text %q", thread, want)
	}
	// The phone number keeps its groups in order in the Arabic text.
	fact, _ := content.Facts.Get("CorporationPhone")
	if phone := fact.Value; !strings.Contains(thread[0].Body, "\u200e"+phone+"\u200e") {
		t.Fatalf("the phone number %q is not kept left to right in %q", phone, thread[0].Body)
	}
	_, body = b.get(page)
	if !strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.request.canned_was")) || !strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.request.in_dutch")) {
		t.Fatal("the thread does not say which canned reply was sent, in Dutch")
	}
}

// TestFindByCode: a resident reads their code out, as people do (lower
// case, without the dash, with spaces); staff type it and land on the
// request. A code that names nothing says so, with the code, escaped.
func TestFindByCode(t *testing.T) {
	c, b, _ := staffConsole(t)
	rec, err := c.store.Submit(context.Background(), storetest.NewRequest("find"))
	if err != nil {
		t.Fatal(err)
	}
	typed := " " + strings.ToLower(strings.ReplaceAll(rec.Ticket, "-", " ")) + " "
	b.get("/staff/")
	resp, _ := b.post("/staff/find", url.Values{"code": {typed}})
	wantRedirect(t, resp, "/staff/requests/"+itoa(rec.ID))
	if _, body := b.get("/staff/"); !strings.Contains(body, `action="/staff/find"`) {
		t.Fatal("the inbox has no search by code")
	}
	other := buurtloket.NewTicket()
	for other == rec.Ticket {
		other = buurtloket.NewTicket()
	}
	for code, want := range map[string]string{
		other:                   other,
		"<b>K7QM</b>":           "&lt;b&gt;K7QM&lt;/b&gt;",
		"":                      c.s.cfg.Texts.Text("nl", "staff.find.empty"),
		strings.Repeat("A", 33): c.s.cfg.Texts.Text("nl", "staff.find.empty"),
	} {
		resp, body := b.post("/staff/find", url.Values{"code": {code}})
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, want) || strings.Contains(body, "<b>K7QM") {
			t.Errorf("code %q: %d, want 404 saying %q:\n%s", code, resp.StatusCode, want, problem(body))
		}
	}
}

// TestInboxPages: the inbox shows 50 requests a page; the next page goes
// on where the first stopped, keeps the filter, and links back to the
// first.
func TestInboxPages(t *testing.T) {
	c, b, _ := staffConsole(t)
	ids := map[string]bool{}
	for i := 0; i < 53; i++ {
		rec, err := c.store.Submit(context.Background(), storetest.NewRequest("page-"+itoa(int64(i))))
		if err != nil {
			t.Fatal(err)
		}
		ids["/staff/requests/"+itoa(rec.ID)] = true
	}
	rows := regexp.MustCompile(`href="(/staff/requests/\d+)"`)
	next := regexp.MustCompile(`<a href="(/staff/\?[^"]*after=[^"]+)">`)
	_, body := b.get("/staff/?topic=money")
	seen := map[string]bool{}
	first := rows.FindAllStringSubmatch(body, -1)
	link := next.FindStringSubmatch(body)
	if len(first) != 50 || link == nil || strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.inbox.first_page")) {
		t.Fatalf("the first page: %d requests, next %v", len(first), link)
	}
	_, body = b.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	second := rows.FindAllStringSubmatch(body, -1)
	if len(second) != 3 || next.MatchString(body) || !strings.Contains(body, `<a href="/staff/?topic=money">`+c.s.cfg.Texts.Text("nl", "staff.inbox.first_page")) {
		t.Fatalf("the second page: %d requests, or its links are wrong:\n%s", len(second), body)
	}
	for _, m := range append(first, second...) {
		if seen[m[1]] || !ids[m[1]] {
			t.Fatalf("%s twice, or not one of the requests", m[1])
		}
		seen[m[1]] = true
	}
}

// TestSentTwiceReachesOnce: the same reply form sent twice (a double
// click, a reload that posts again) reaches the resident once, free text
// and canned; the same text sent again from a page drawn later (after
// another message, or days later, deliberately) is sent.
func TestSentTwiceReachesOnce(t *testing.T) {
	c, b, _ := staffConsole(t)
	r := storetest.NewRequest("twice")
	r.Lang = "nl"
	r.Contact = &buurtloket.Contact{Name: "Fatima", Phone: "0612345678"}
	rec, err := c.store.Submit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	page := "/staff/requests/" + itoa(rec.ID)
	newest := regexp.MustCompile(`name="newest" value="(\d*)"`)
	// send draws the page, then posts its form times times, as a browser
	// that sends it again would: with what the page said then.
	send := func(path string, form url.Values, times int) {
		t.Helper()
		_, body := b.get(page)
		m := newest.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the reply form does not say which message was the newest")
		}
		form.Set("newest", m[1])
		for i := 0; i < times; i++ {
			resp, _ := b.post(page+path, form)
			wantRedirect(t, resp, page)
		}
	}
	count := func(want int, after string) {
		t.Helper()
		if thread, _ := c.store.Thread(context.Background(), rec.ID); len(thread) != want {
			t.Fatalf("after %s: %d messages, want %d", after, len(thread), want)
		}
	}
	send("/reply", url.Values{"body": {"Wij bellen u morgen."}}, 2)
	count(1, "a reply sent twice")
	send("/canned", url.Values{"reply": {"thanks"}}, 2)
	count(2, "a canned reply sent twice")
	c.clock.Add(5 * 24 * time.Hour)
	b = c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "") // the session ended meanwhile
	send("/canned", url.Values{"reply": {"thanks"}}, 1)
	count(3, "the same canned reply again, days later, from a page drawn then")
	if _, err := c.store.ResidentReply(context.Background(), rec.Ticket, rec.PIN, "Goed."); err != nil {
		t.Fatal(err)
	}
	send("/reply", url.Values{"body": {"Wij bellen u morgen."}}, 1)
	count(5, "the first text again after the resident wrote")
}

// TestLanguageWithoutAStaffName: a resident language the console's texts
// do not name yet (added to the content later) is named by its code, not
// shown as a message ID.
func TestLanguageWithoutAStaffName(t *testing.T) {
	c, b, _ := staffConsole(t)
	id := c.submit("ukrainian", "uk", false, "Орендна плата")
	_, body := b.get("/staff/requests/" + itoa(id))
	if strings.Contains(body, "staff.lang.") || !strings.Contains(body, "<dd>uk</dd>") {
		t.Fatal("a language without a name in the console's texts shows as a message ID")
	}
}

// TestPrivacyLog: an admin (a privacy officer) reads who viewed which
// resident's contact details and who lifted a lock, across requests, and
// one person's alone; other actions are not in it.
func TestPrivacyLog(t *testing.T) {
	c, anna, annaAccount := staffConsole(t)
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	admin := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	id := c.submit("privacy", "nl", true, "huur")
	page := "/staff/requests/" + itoa(id)
	anna.get(page)
	anna.post(page+"/contact", nil)
	anna.get(page)
	anna.post(page+"/note", url.Values{"body": {"Gebeld."}})
	r, _ := c.store.Request(context.Background(), id)
	resp, body := admin.get("/staff/log")
	viewed := c.s.cfg.Texts.Text("nl", "staff.audit.viewed_contact")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, viewed) || !strings.Contains(body, `<a href="/staff/requests/`+itoa(id)+`"><code>`+r.Ticket+`</code></a>`) ||
		strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.audit.note")) {
		t.Fatalf("the privacy log: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `href="/staff/log"`) {
		t.Fatal("the admin's menu has no link to the privacy log")
	}
	_, body = admin.get("/staff/log?who=" + url.QueryEscape(annaAccount.Actor()))
	if !strings.Contains(body, viewed) {
		t.Fatal("Anna's own log lacks her view of the contact details")
	}
	_, body = admin.get("/staff/log?who=" + url.QueryEscape(buurtloket.ActorOf(annaAccount.ID+1)))
	if strings.Contains(body, viewed) {
		t.Fatal("someone else's log shows Anna's view")
	}
	if resp, _ := admin.get("/staff/log?who=anna"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a log of no account: %d, want 400", resp.StatusCode)
	}
	// 200 a page; the older ones a link away, for that person too.
	for i := 0; i < logPage; i++ {
		if _, err := c.store.Contact(context.Background(), id, annaAccount.Actor()); err != nil {
			t.Fatal(err)
		}
	}
	rows := regexp.MustCompile(`<tr><td>`)
	older := regexp.MustCompile(`<a href="(/staff/log\?[^"]*before=[^"]+)">`)
	for _, who := range []string{"", "?who=" + url.QueryEscape(annaAccount.Actor())} {
		_, body = admin.get("/staff/log" + who)
		link := older.FindStringSubmatch(body)
		if n := len(rows.FindAllString(body, -1)); n != logPage || link == nil {
			t.Fatalf("the first page of %q: %d entries, older %v", who, n, link)
		}
		_, body = admin.get(strings.ReplaceAll(link[1], "&amp;", "&"))
		if n := len(rows.FindAllString(body, -1)); n != 1 || older.MatchString(body) {
			t.Fatalf("the second page of %q: %d entries, want the 201st alone", who, n)
		}
	}
	if resp, _ := admin.get("/staff/log?before=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a page after nothing: %d, want 400", resp.StatusCode)
	}
}

// TestPrivacyLogPeriodAndExport: the privacy log shows a period of whole
// days in Amsterdam time, and downloads it (or all of it) as CSV that a
// Dutch spreadsheet opens, every entry and no more, read exportRead at a
// time; a name a spreadsheet would run as a formula is text in the file;
// a wrong period is refused.
func TestPrivacyLogPeriodAndExport(t *testing.T) {
	c, _, anna := staffConsole(t)
	if _, err := c.store.UpdateAccount(context.Background(), anna.ID, func(a *buurtloket.Account) error {
		a.Name = `=HYPERLINK("http://x.example")`
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	id := c.submit("privacy", "nl", true, "huur")
	view := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := c.store.Contact(context.Background(), id, anna.Actor()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The clock starts at 2 March 10:17 UTC (11:17 in Amsterdam).
	view(1) // 2 March
	c.clock.Add(13*time.Hour + 13*time.Minute)
	view(1) // 2 March 23:30 UTC: 3 March 00:30 in Amsterdam
	c.clock.Add(34*time.Hour + 47*time.Minute)
	view(2) // 4 March
	c.clock.Add(37*time.Hour + 13*time.Minute)
	view(1) // 5 March 23:30 UTC: 6 March 00:30 in Amsterdam
	c.clock.Add(10*time.Hour + 47*time.Minute)
	view(1002) // 6 March: more than one read of the export
	admin := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	rows := regexp.MustCompile(`<tr><td>`)

	_, body := admin.get("/staff/log?from=2026-03-03&to=2026-03-05")
	if n := len(rows.FindAllString(body, -1)); n != 3 || strings.Contains(body, "before=") || !strings.Contains(body, `value="2026-03-03"`) {
		t.Fatalf("3 to 5 March: %d entries, want the 3 of those days in Amsterdam\n%s", n, body)
	}
	if !strings.Contains(body, `href="/staff/log.csv?from=2026-03-03&amp;to=2026-03-05"`) {
		t.Fatalf("the download does not keep the period:\n%s", body)
	}
	_, body = admin.get("/staff/log?to=2026-03-02")
	if n := len(rows.FindAllString(body, -1)); n != 1 {
		t.Fatalf("up to 2 March: %d entries, want 1", n)
	}
	// The older page of a period keeps the period.
	older := regexp.MustCompile(`<a href="(/staff/log\?[^"]*before=[^"]+)">`)
	_, body = admin.get("/staff/log?from=2026-03-04")
	link := older.FindStringSubmatch(body)
	if link == nil || !strings.Contains(link[1], "from=2026-03-04") {
		t.Fatalf("the older page of a period: %v", link)
	}
	for n := 1; link != nil; n++ {
		if n > 10 {
			t.Fatal("the pages of a period do not end")
		}
		_, body = admin.get(strings.ReplaceAll(link[1], "&amp;", "&"))
		link = older.FindStringSubmatch(body)
		if link == nil && !strings.Contains(body, "<td>2026-03-04 ") {
			t.Fatal("the last page of the period lacks 4 March")
		}
	}

	csvOf := func(b *browser, query string) [][]string {
		t.Helper()
		resp, body := b.get("/staff/log.csv" + query)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("the export %q: %d %v", query, resp.StatusCode, resp.Header)
		}
		text, ok := strings.CutPrefix(body, "\ufeff")
		if !ok {
			t.Fatal("the export has no byte order mark: a spreadsheet would not read it as UTF-8")
		}
		r := csv.NewReader(strings.NewReader(text))
		r.Comma, r.FieldsPerRecord = ';', -1
		records, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return records
	}
	all := csvOf(admin, "")
	if len(all) != 1+1007 {
		t.Fatalf("the whole export: %d lines, want a header and 1007", len(all))
	}
	first, last := all[1], all[len(all)-1]
	if !strings.HasPrefix(first[0], "2026-03-06T") || !strings.HasPrefix(last[0], "2026-03-02T11:17:42+01:00") {
		t.Fatalf("not newest first, in Amsterdam time: %v … %v", first, last)
	}
	r, _ := c.store.Request(context.Background(), id)
	viewed := c.s.cfg.Texts.Text("nl", "staff.audit.viewed_contact")
	if len(first) != 5 || first[1] != `'=HYPERLINK("http://x.example")` || first[2] != anna.Actor() || first[3] != viewed || first[4] != r.Ticket {
		t.Fatalf("an exported entry: %q", first)
	}
	part := csvOf(admin, "?from=2026-03-03&to=2026-03-05&who="+url.QueryEscape(anna.Actor()))
	if len(part) != 1+3 || !strings.HasPrefix(part[1][0], "2026-03-04T") || part[3][0] != "2026-03-03T00:30:42+01:00" {
		t.Fatalf("3 to 5 March in the export: %q, want a header and 3", part)
	}
	if none := csvOf(admin, "?who="+url.QueryEscape(buurtloket.ActorOf(anna.ID+1))); len(none) != 1 {
		t.Fatalf("someone else's export: %d lines, want the header alone", len(none))
	}

	for _, bad := range []string{"/staff/log?from=2026-13-01", "/staff/log?from=2026-03-05&to=2026-03-03", "/staff/log.csv?to=gisteren",
		"/staff/log.csv?before=1.1", "/staff/log.csv?who=anna", "/staff/log?who=staff:0" + itoa(anna.ID), "/staff/log?before=99999999999999999.1"} {
		if resp, body := admin.get(bad); resp.StatusCode != http.StatusBadRequest || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("%s: %d %s, want a page that says what is wrong", bad, resp.StatusCode, resp.Header.Get("Content-Type"))
		} else if !strings.Contains(body, "<h1") {
			t.Errorf("%s: no error page", bad)
		}
	}
	anna2 := c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	if resp, _ := anna2.get("/staff/log.csv"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff download the privacy log: %d, want 403", resp.StatusCode)
	}
}

// failingLog is a store whose privacy log fails from its second read on.
type failingLog struct {
	*requests.Store
	reads atomic.Int32
}

func (f *failingLog) SensitiveActions(ctx context.Context, actor string, before *buurtloket.AuditEntry, limit int) ([]*buurtloket.AuditEntry, error) {
	if f.reads.Add(1) > 1 {
		return nil, errors.New("the database is away")
	}
	return f.Store.SensitiveActions(ctx, actor, before, limit)
}

// TestPrivacyLogExportSaysItIsIncomplete: a database that fails halfway
// through an export (too late for an error page) leaves a file whose last
// line says it is incomplete, not a file that looks whole.
func TestPrivacyLogExportSaysItIsIncomplete(t *testing.T) {
	failing := &failingLog{}
	c := newConsoleOver(t, func(s *requests.Store) buurtloket.RequestStore { failing.Store = s; return failing })
	anna := c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	id := c.submit("privacy", "nl", true, "huur")
	for i := 0; i < exportRead+1; i++ {
		if _, err := c.store.Contact(context.Background(), id, anna.Actor()); err != nil {
			t.Fatal(err)
		}
	}
	admin := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	resp, body := admin.get("/staff/log.csv")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	incomplete := c.s.cfg.Texts.Text("nl", "staff.log.incomplete")
	if resp.StatusCode != http.StatusOK || len(lines) != 1+exportRead+1 || strings.Trim(lines[len(lines)-1], `"`) != incomplete {
		t.Fatalf("a failed export: %d, %d lines, ending %q", resp.StatusCode, len(lines), lines[len(lines)-1])
	}
	// Failing at the first read, it is an error page, not an empty file.
	failing.reads.Store(1)
	if resp, _ := admin.get("/staff/log.csv"); resp.StatusCode != http.StatusInternalServerError || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("an export that could not start: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestInertCell: a cell a spreadsheet would run as a formula is text.
func TestInertCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+31612345678": "'+31612345678", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"＝1+1": "'＝1+1", "Anna": "Anna", "Élodie": "Élodie", "": "", "a=b": "a=b", "فاطمة": "فاطمة",
	} {
		if got := inertCell(in); got != want {
			t.Errorf("inertCell(%q) = %q, want %q", in, got, want)
		}
	}
}
