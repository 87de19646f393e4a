package dialogs

import (
	"strings"
	"testing"

	"buurtloket"
	"buurtloket/dialogs/flows"
	"buurtloket/facts"
	"buurtloket/locales"
	"buurtloket/pictograms"
)

func shippedSource() Source {
	return Source{
		Flows: flows.FS, FlowsDir: "dialogs/flows",
		Locales: locales.FS, LocalesDir: "locales",
		Facts: facts.FS, FactsFile: facts.Shipped, FactsDir: "facts",
		Pictograms: pictograms.Names(),
	}
}

func shipped(t testing.TB) *Content {
	t.Helper()
	c, probs := Load(shippedSource())
	if c == nil {
		t.Fatalf("shipped content does not load:\n%v", probs)
	}
	return c
}

// driver walks a conversation and fails the test on any engine error.
type driver struct {
	t       *testing.T
	e       *Engine
	s       Session
	v       View
	effects []Effect
}

func start(t *testing.T, e *Engine, flow, lang string) *driver {
	t.Helper()
	s, v, err := e.StartFlow("test-session", lang, flow)
	if err != nil {
		t.Fatal(err)
	}
	return &driver{t: t, e: e, s: s, v: v}
}

func (d *driver) do(in Input) *driver {
	d.t.Helper()
	s, v, effects, err := d.e.Step(d.s, in)
	if err != nil {
		d.t.Fatalf("at %s/%s, %+v: %v", d.s.Flow, d.s.Step, in, err)
	}
	d.s, d.v, d.effects = s, v, effects
	return d
}

func (d *driver) choose(ids ...string) *driver {
	d.t.Helper()
	for _, id := range ids {
		d.do(Input{Type: InputChoose, Choice: id})
	}
	return d
}

func (d *driver) text(s string) *driver {
	d.t.Helper()
	return d.do(Input{Type: InputText, Text: s})
}

func (d *driver) at(step string) *driver {
	d.t.Helper()
	if d.v.Step != step || d.s.Step != step {
		d.t.Fatalf("at %s (view %s), want %s", d.s.Step, d.v.Step, step)
	}
	return d
}

func (d *driver) submission() *Submission {
	d.t.Helper()
	for _, ef := range d.effects {
		if ef.Submission != nil {
			return ef.Submission
		}
	}
	d.t.Fatalf("no submission at %s/%s (effects %v)", d.s.Flow, d.s.Step, d.effects)
	return nil
}

func TestBackBringsThePreviousQuestionWithItsAnswer(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "money", "nl").choose("energy").at("how_long")
	if !d.v.Globals.Has(GlobalBack) {
		t.Fatal("back must be offered after the first question")
	}
	d.do(Input{Type: InputBack}).at("bills")
	if d.v.Selected != "energy" {
		t.Fatalf("selected = %q, want the earlier answer energy", d.v.Selected)
	}
	if d.v.Globals.Has(GlobalBack) {
		t.Fatal("back at the first step of a flow started directly must not be offered")
	}
	// Back at the first step changes nothing.
	d.do(Input{Type: InputBack}).at("bills")
}

func TestLanguageChangeKeepsAnswers(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "money", "nl").choose("rent", "long").at("letters")
	d.do(Input{Type: InputLanguage, Lang: "ar"}).at("letters")
	if !d.v.RTL || d.v.Lang != "ar" {
		t.Fatalf("view lang %s rtl %v, want ar rtl", d.v.Lang, d.v.RTL)
	}
	if d.v.Prompt != e.Content().Catalog.Text("ar", "money.letters.prompt") {
		t.Fatalf("prompt %q is not the Arabic text", d.v.Prompt)
	}
	d.do(Input{Type: InputBack}).at("how_long")
	if d.v.Selected != "long" {
		t.Fatalf("answer lost on language change: selected %q", d.v.Selected)
	}
	if _, _, _, err := e.Step(d.s, Input{Type: InputLanguage, Lang: "xx"}); buurtloket.ErrorCode(err) != buurtloket.EINVALID {
		t.Fatalf("unknown language: err %v, want invalid", err)
	}
}

func TestWrongAnswersGetEscalatingHelp(t *testing.T) {
	e := NewEngine(shipped(t))
	cat := e.Content().Catalog
	d := start(t, e, "money", "nl").choose("rent", "long", "none", "none").at("selfhelp_rent").choose("help").at("contact")
	d.do(Input{Type: InputContact, Contact: Contact{Name: "A", Phone: "12"}}).at("contact")
	if d.v.Error != cat.Text("nl", msgErrPhone) || d.v.Help != cat.Text("nl", "help.contact.reprompt") {
		t.Fatalf("first wrong answer: error %q help %q", d.v.Error, d.v.Help)
	}
	d.do(Input{Type: InputContact, Contact: Contact{Name: "A"}})
	if d.v.Error != cat.Text("nl", msgErrReach) || d.v.Help != cat.Text("nl", "help.contact.example") {
		t.Fatalf("second wrong answer: error %q help %q", d.v.Error, d.v.Help)
	}
	d.do(Input{Type: InputContact})
	if d.v.Help != cat.Text("nl", msgOfferPerson) || !d.v.OfferPerson {
		t.Fatalf("third wrong answer must offer a person: help %q offer %v", d.v.Help, d.v.OfferPerson)
	}
	// A step's own reworded question wins over the generic one.
	d = start(t, e, "money", "ar").choose("nonsense")
	if d.v.Help != cat.Text("ar", "money.bills.reprompt") {
		t.Fatalf("reprompt %q, want the step's own", d.v.Help)
	}
	// A good answer resets the help.
	d.choose("rent").at("how_long")
	if d.v.Help != "" || d.v.Error != "" || d.s.Tries != 0 {
		t.Fatalf("help left over: %q %q %d", d.v.Help, d.v.Error, d.s.Tries)
	}
}

func TestMoneyPriority(t *testing.T) {
	tests := []struct {
		bill, howLong, letter, help string // help: "" where the urgent page comes first
		page                        string // the page the answers lead to
		want                        buurtloket.Priority
	}{
		{"rent", "one_month", "bailiff", "", "urgent_rent", buurtloket.PriorityUrgent},
		{"rent", "not_yet", "court", "", "urgent_rent", buurtloket.PriorityUrgent},
		{"energy", "one_month", "bailiff", "", "urgent", buurtloket.PriorityUrgent}, // another bill: whoever sent the letter
		{"rent", "long", "none", "none", "selfhelp_rent", buurtloket.PriorityHigh},
		{"rent", "few_months", "reminder", "none", "reminder", buurtloket.PriorityHigh}, // 2 or 3 months: an eviction procedure can start
		{"rent", "one_month", "none", "plan", "plan", buurtloket.PriorityHigh},          // a plan that fails
		{"rent", "one_month", "municipality", "none", "municipality", buurtloket.PriorityNormal},
		{"rent", "one_month", "unclear", "manager", "has_help", buurtloket.PriorityNormal},
		{"rent", "one_month", "unclear", "none", "unclear", buurtloket.PriorityNormal},
		{"water", "one_month", "none", "none", "selfhelp_water", buurtloket.PriorityNormal},
		{"rent", "one_month", "none", "none", "selfhelp_rent", buurtloket.PriorityNormal},
	}
	for _, tt := range tests {
		t.Run(tt.bill+"/"+tt.howLong+"/"+tt.letter+"/"+tt.help, func(t *testing.T) {
			d := start(t, NewEngine(shipped(t)), "money", "nl").choose(tt.bill, tt.howLong, tt.letter)
			if tt.help == "" {
				d.at(tt.page).choose(OptionContinue)
			} else {
				d.at("help_now").choose(tt.help).at(tt.page).choose("help")
			}
			d.at("contact").do(Input{Type: InputSkip}).at("check").choose(OptionSend).at("send")
			if got := d.submission().Priority; got != tt.want {
				t.Fatalf("priority %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAnonymousRequestCarriesNoContact(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "nuisance", "nl").choose("noise").at("living").choose("report").at("address")
	d.text("3117ab 4").at("since").choose("months", "daily").at("done_so_far")
	d.do(Input{Type: InputChoose, Choices: []string{"corporation", "afraid"}}).at("contact")
	// Anonymous goes straight to the check: an anonymous tip passes on
	// nothing that only the reporter could know, so no story is asked.
	d.do(Input{Type: InputSkip}).at("check").choose(OptionSend)
	sub := d.submission()
	if !sub.Anonymous || sub.Contact != nil {
		t.Fatalf("anonymous %v contact %v", sub.Anonymous, sub.Contact)
	}
	if sub.Topic != buurtloket.TopicNuisance || sub.Priority != buurtloket.PriorityHigh || sub.Postcode != "3117 AB" {
		t.Fatalf("topic %s priority %s postcode %q", sub.Topic, sub.Priority, sub.Postcode)
	}
	if len(sub.Answers) != 5 {
		t.Fatalf("%d answers, want 5: %+v", len(sub.Answers), sub.Answers)
	}
	address, last := sub.Answers[1], sub.Answers[len(sub.Answers)-1]
	if address.Step != "address" || address.Value != "3117 AB 4" || address.Kind != KindAddress {
		t.Fatalf("address answer %+v", address)
	}
	if last.Step != "done_so_far" || last.Value != "afraid,corporation" || last.Kind != KindMulti {
		t.Fatalf("multi answer %+v", last)
	}
	for _, a := range sub.Answers {
		if a.Kind == KindText {
			t.Fatalf("an anonymous report carries free text: %+v", a)
		}
	}
}

func TestNamedRequestKeepsContactOutOfAnswers(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "worry", "pl").
		choose("confused", "no", "unknown").at("options").choose("report").at("address")
	d.do(Input{Type: InputSkip}).at("contact")
	d.do(Input{Type: InputContact, Contact: Contact{Name: "  Anna Nowak ", Phone: "+31 6 1234 5678"}}).at("story")
	d.text("Sąsiad chodzi w nocy po klatce\n· Gevaar → ja").at("check")
	d.choose(OptionSend)
	sub := d.submission()
	if sub.Anonymous || sub.Contact == nil || sub.Contact.Name != "Anna Nowak" || sub.Contact.Phone != "0612345678" {
		t.Fatalf("contact %+v anonymous %v", sub.Contact, sub.Anonymous)
	}
	for _, a := range sub.Answers {
		if strings.Contains(a.Value, "Anna") || strings.Contains(a.Value, "0612345678") {
			t.Fatalf("contact details leaked into answer %+v", a)
		}
	}
	if sub.Priority != buurtloket.PriorityHigh || sub.Lang != "pl" {
		t.Fatalf("priority %s lang %s", sub.Priority, sub.Lang)
	}
	summary := NewEngine(shipped(t)).Summary(sub)
	// A line of free text is indented: it cannot pass for a line of the summary.
	for _, want := range []string{"Zorgen om een buur", "urgentie: hoog", "Pools", "met naam", "Mijn buur lijkt in de war", "\"Sąsiad chodzi w nocy po klatce\n  · Gevaar → ja\" (geschreven in het Pools)", "(overgeslagen)"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "Anna") || strings.Contains(summary, "0612345678") {
		t.Errorf("summary shows contact details:\n%s", summary)
	}
}

func TestSubmissionRetryAndResumeKeepTheKey(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "senior", "tr").choose("clustered", "alone", "low", "no", "register").at("contact")
	d.do(Input{Type: InputSkip}).do(Input{Type: InputSkip}).at("check").choose(OptionSend).at("send")
	key := d.submission().Key
	if d.v.Expect != ExpectResult || d.v.Globals.Has(GlobalBack) {
		t.Fatalf("while sending: expect %s, back %v", d.v.Expect, d.v.Globals.Has(GlobalBack))
	}
	// A crash here: the stored session resumes and asks for the same submission.
	_, _, effects := e.Resume(d.s)
	if len(effects) != 1 || effects[0].Submission.Key != key {
		t.Fatalf("resume effects %+v, want the same submission key %s", effects, key)
	}
	d.do(Input{Type: InputResult, Failed: true}).at("send")
	if d.v.Error == "" || len(d.v.Options) != 1 || d.v.Options[0].ID != OptionRetry {
		t.Fatalf("failed submission must show an error and a retry button: %+v", d.v)
	}
	d.choose(OptionRetry)
	if d.submission().Key != key {
		t.Fatalf("retry key %s, want %s", d.submission().Key, key)
	}
	d.do(Input{Type: InputResult, Ticket: "K7QM-3XHD"}).at("sent")
	if d.v.Ticket != "K7QM-3XHD" || d.v.Globals.Has(GlobalBack) {
		t.Fatalf("end view ticket %q back %v", d.v.Ticket, d.v.Globals.Has(GlobalBack))
	}
	if _, _, _, err := e.Step(d.s, Input{Type: InputResult, Ticket: "X"}); buurtloket.ErrorCode(err) != buurtloket.ECONFLICT {
		t.Fatalf("a second result must conflict, got %v", err)
	}
	// A new conversation in the same session gets a new key.
	d.do(Input{Type: InputRestart}).choose("senior").choose("clustered", "alone", "low", "no", "register")
	d.do(Input{Type: InputSkip}).do(Input{Type: InputSkip}).choose(OptionSend)
	if d.submission().Key == key {
		t.Fatal("after restart the submission key must change")
	}
}

// Two tabs with one cookie resume one stored session and reach the submit
// step at the same sequence number: different answers are two requests.
func TestTwoPagesOnOneSessionSubmitApart(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "repairs", "nl").choose("other").at("question")
	data, err := Encode(d.s)
	if err != nil {
		t.Fatal(err)
	}
	copied, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	other := &driver{t: t, e: e, s: copied, v: d.v}
	for _, p := range []struct {
		d    *driver
		text string
	}{{d, "Mijn deurbel doet het niet"}, {other, "De kraan lekt"}} {
		p.d.text(p.text).choose("anonymous").at("postcode").text("3112").at("check").choose(OptionSend)
	}
	a, b := d.submission(), other.submission()
	if a.Key == b.Key {
		t.Fatalf("two pages with different answers share the submission key %s: the second would be dropped", a.Key)
	}
	// The same answers again (a retry after a crash) keep one key.
	_, _, effects := e.Resume(d.s)
	if len(effects) != 1 || effects[0].Submission.Key != a.Key {
		t.Fatalf("resume: %+v, want key %s", effects, a.Key)
	}
}

// TestHandoffCarriesThePriority: "talk to someone" in the middle of the
// money flow makes a request with the priority those answers earn there.
func TestHandoffCarriesThePriority(t *testing.T) {
	e := NewEngine(shipped(t))
	for _, tt := range []struct {
		answers []string
		want    buurtloket.Priority
	}{
		{[]string{"rent", "long", "court"}, buurtloket.PriorityUrgent},
		{[]string{"rent", "long", "none"}, buurtloket.PriorityHigh},
		{[]string{"rent", "few_months", "none"}, buurtloket.PriorityHigh}, // 2 or 3 months behind
		{[]string{"rent", "one_month", "none", "plan"}, buurtloket.PriorityHigh},
		{[]string{"rent", "one_month", "none"}, buurtloket.PriorityNormal},
	} {
		d := start(t, e, "money", "nl").choose(tt.answers...)
		d.do(Input{Type: InputPerson}).at("how").choose("here").at("message").text("Help")
		if sub := d.submission(); sub == nil || !sub.Handoff || sub.Priority != tt.want || sub.Topic != buurtloket.TopicMoney {
			t.Errorf("%v then talk to someone: %+v, want a money hand-off, %s", tt.answers, sub, tt.want)
		}
	}
}

// TestProgressNeverGoesBack: choosing a branch that asks less keeps the
// total; "question 4 of 5" after "question 3 of 6" reads as a step back.
func TestProgressNeverGoesBack(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "repairs", "nl").choose("other").at("question")
	d.text("De deurbel doet het niet").at("identity")
	before := d.v.Progress
	d.choose("anonymous").at("postcode")
	if d.v.Progress.Total < before.Total || d.v.Progress.Done != before.Done+1 {
		t.Fatalf("progress %+v after %+v", d.v.Progress, before)
	}
}

// TestEndTextFollowsTheAnswers: an end never promises a call that the
// resident's choices ruled out.
func TestEndTextFollowsTheAnswers(t *testing.T) {
	e := NewEngine(shipped(t))
	cat := e.Content().Catalog
	senior := func(contact Input) *driver {
		d := start(t, e, "senior", "nl").choose("clustered", "alone", "low", "no", "register").at("contact")
		d.do(contact).do(Input{Type: InputSkip}).at("check").choose(OptionSend).at("send")
		return d.do(Input{Type: InputResult, Ticket: "K7QM-3XHD"}).at("sent")
	}
	named := senior(Input{Type: InputContact, Contact: Contact{Name: "Anna", Phone: "0612345678"}})
	if named.v.Text != cat.Text("nl", "senior.sent.text") {
		t.Errorf("named senior: %q", named.v.Text)
	}
	if anon := senior(Input{Type: InputSkip}); anon.v.Text != cat.Text("nl", "senior.sent.text_anonymous") {
		t.Errorf("senior without contact details: %q", anon.v.Text)
	}
	talk := start(t, e, "talk", "ar").choose("here").text("مرحبا")
	talk.do(Input{Type: InputResult, Ticket: "K7QM-3XHD"}).at("sent")
	if talk.v.Text != cat.Text("ar", "talk.sent.text_here") {
		t.Errorf("talk, answer here: %q", talk.v.Text)
	}
}

// TestConfirmNamesAnswersShortly: the confirm screen names each answer by
// its step's label, in the resident's language, not by the whole question.
func TestConfirmNamesAnswersShortly(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "repairs", "ar").choose("other").at("question").text("الباب لا يغلق")
	d.choose("anonymous").at("postcode").text("3112").at("check")
	cat := d.e.Content().Catalog
	got := map[string]string{}
	for _, item := range d.v.Summary {
		got[item.Step] = item.Question
	}
	if got["postcode"] != cat.Text("ar", "label.postcode") || got["question"] != cat.Text("ar", "repairs.question.label") {
		t.Fatalf("the confirm screen names the answers %q", got)
	}
}

func TestChangeFromConfirm(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "repairs", "nl").choose("other").at("question").text("Mijn deurbel doet het niet")
	d.choose("anonymous").at("postcode").text("3112").at("check")
	if len(d.v.Summary) != 4 {
		t.Fatalf("summary %+v, want 4 answers", d.v.Summary)
	}
	// Change the postcode: back to check at once.
	d.do(Input{Type: InputChange, Step: "postcode"}).at("postcode")
	if d.v.Value != "3112" {
		t.Fatalf("changed step must show the old answer, got %q", d.v.Value)
	}
	d.text("3115 CD").at("check")
	// Change to named: the new branch asks for contact, then returns.
	d.do(Input{Type: InputChange, Step: "identity"}).choose("named").at("contact")
	d.do(Input{Type: InputContact, Contact: Contact{Name: "Jan", Email: "jan@example.nl"}}).at("check")
	d.choose(OptionSend)
	sub := d.submission()
	if sub.Anonymous || sub.Contact.Email != "jan@example.nl" || sub.Postcode != "3115 CD" {
		t.Fatalf("submission after changes: %+v", sub)
	}
	if _, _, _, err := d.e.Step(d.s, Input{Type: InputChange, Step: "question"}); err == nil {
		t.Fatal("change outside a confirm step must be refused")
	}
}

func TestStopForgetsEverything(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "money", "ar").choose("rent", "long")
	seq := d.s.Seq
	d.do(Input{Type: InputStop})
	if len(d.effects) != 1 || d.effects[0].Kind != EffectForget {
		t.Fatalf("stop effects %+v", d.effects)
	}
	if d.s.Flow != FlowStart || len(d.s.Answers) != 0 || len(d.s.History) != 0 || d.s.Lang != "nl" || d.s.Seq != seq+1 {
		t.Fatalf("session after stop %+v", d.s)
	}
}

func TestEmergencyOverlay(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "worry", "bg").choose("lonely").at("danger")
	d.do(Input{Type: InputEmergency})
	if !d.v.Emergency || len(d.v.Actions) != 3 || d.v.Actions[0].Phone != "112" || len(d.effects) != 1 || d.effects[0].Kind != EffectEmergency {
		t.Fatalf("emergency view %+v effects %+v", d.v, d.effects)
	}
	d.do(Input{Type: InputBack}).at("danger")
	if d.v.Emergency || len(d.s.History) != 1 {
		t.Fatalf("back must only close the emergency numbers: %+v", d.s)
	}
	d.do(Input{Type: InputEmergency}).choose("no").at("has_help") // an answer closes it and counts
}

func TestTalkToAPersonCarriesTheTopic(t *testing.T) {
	d := start(t, NewEngine(shipped(t)), "money", "nl").choose("water", "one_month").at("letters")
	d.do(Input{Type: InputPerson})
	if d.s.Flow != FlowTalk || d.v.Globals.Has(GlobalPerson) {
		t.Fatalf("person: at %s/%s", d.s.Flow, d.s.Step)
	}
	d.do(Input{Type: InputBack}).at("letters") // back returns to where the resident was
	d.do(Input{Type: InputPerson}).choose("here").at("message").text("Kan iemand mij bellen?")
	sub := d.submission()
	if !sub.Handoff || sub.Topic != buurtloket.TopicMoney || !sub.Anonymous || len(sub.Answers) != 4 {
		t.Fatalf("handoff submission %+v", sub)
	}
}

func TestHostileInputChangesNothing(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "repairs", "nl").choose("other").at("question")
	tests := []struct {
		name string
		in   Input
		code string
	}{
		{"oversized text", Input{Type: InputText, Text: strings.Repeat("a", maxInputBytes+1)}, buurtloket.ETOOLARGE},
		{"invalid UTF-8", Input{Type: InputText, Text: "ab\xffcd"}, buurtloket.EINVALID},
		{"invalid UTF-8 in a name", Input{Type: InputContact, Contact: Contact{Name: "\xc3\x28"}}, buurtloket.EINVALID},
		{"long option id", Input{Type: InputChoose, Choice: strings.Repeat("x", 65)}, buurtloket.ETOOLARGE},
		{"result nobody waits for", Input{Type: InputResult, Ticket: "X"}, buurtloket.ECONFLICT},
		{"unknown language", Input{Type: InputLanguage, Lang: "zz"}, buurtloket.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, effects, err := e.Step(d.s, tt.in)
			if buurtloket.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want code %s", err, tt.code)
			}
			if effects != nil || s.Step != d.s.Step || len(s.Answers) != len(d.s.Answers) {
				t.Fatal("a refused input must change nothing")
			}
		})
	}
	// Too long for the step, but not hostile: a re-prompt, nothing stored.
	d.text(strings.Repeat("é", 1001)).at("question")
	if d.v.Error == "" || d.s.answer("repairs", "question") != nil {
		t.Fatalf("too long text: error %q", d.v.Error)
	}
	// Control characters, bidirectional overrides and invisible characters
	// are removed (the domain's one rule, buurtloket.CleanText); markup is
	// kept as text, never interpreted.
	d.text("<b>lek</b>\x00\x1b[31m\u202egnorw\u200b\u2028x").at("identity")
	if got := d.s.answer("repairs", "question").Value; got != "<b>lek</b>[31mgnorw\nx" {
		t.Fatalf("stored %q", got)
	}
}

func TestSessionEncoding(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "nuisance", "ar").choose("threat", "no").text("Broersvest 12")
	data, err := Encode(d.s)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 400 {
		t.Errorf("encoded session is %d bytes; expected a compact form: %s", len(data), data)
	}
	s, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	s, v, _ := e.Resume(s)
	if v.Step != "since" || v.Lang != "ar" || len(s.History) != 3 {
		t.Fatalf("resumed at %s in %s with %d steps behind", v.Step, v.Lang, len(s.History))
	}
	for _, bad := range []string{"", "{", `{"f":"start"}`, "\xff", `{"f":"a","s":"b","l":"nl","t":-1}`, strings.Repeat(" ", MaxSessionSize+1)} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%.20q) accepted junk", bad)
		}
	}
	// A session naming flows and steps that do not exist resumes at the start.
	s, v, _ = e.Resume(Session{ID: "x", Lang: "tr", Flow: "gone", Version: "0", Step: "nowhere"})
	if s.Flow != FlowStart || v.Notice == "" || v.Lang != "tr" {
		t.Fatalf("unknown flow resumed at %s/%s notice %q", s.Flow, s.Step, v.Notice)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		kind      Kind
		in, want  string
		wantError string
	}{
		{KindPostcode, "3112ab", "3112 AB", ""},
		{KindPostcode, " 3112 AB ", "3112 AB", ""},
		{KindPostcode, "3112", "3112", ""},
		{KindPostcode, "0112 AB", "", msgErrPostcode},
		{KindPostcode, "3112 SS", "", msgErrPostcode},
		{KindPostcode, "31121", "", msgErrPostcode},
		{KindPhone, "06-12345678", "0612345678", ""},
		{KindPhone, "+31 (0)10 1234567", "", msgErrPhone},
		{KindPhone, "+31 10 123 4567", "0101234567", ""},
		{KindPhone, "0031612345678", "0612345678", ""},
		{KindPhone, "+48 601 234 567", "+48601234567", ""},
		{KindPhone, "112", "", msgErrPhone},
		{KindPhone, "06 1234 567a", "", msgErrPhone},
		{KindEmail, "naam@voorbeeld.nl", "naam@voorbeeld.nl", ""},
		{KindEmail, "naam@voorbeeld", "", msgErrEmail},
		{KindEmail, "<script>@x.nl", "", msgErrEmail},
		{KindText, "   ", "", msgErrEmpty},
		{KindAddress, "3112ab 14", "3112 AB 14", ""},
		{KindAddress, "3112 AB, 14-2", "3112 AB 14-2", ""},
		{KindAddress, "3112 14 A", "3112 14a", ""},
		{KindAddress, "Hoofdstraat 14a", "Hoofdstraat 14a", ""},
		{KindAddress, "  lange   haven 1 B ", "lange haven 1b", ""},
		{KindAddress, "Groenelaan 3, 3114 AB", "Groenelaan 3, 3114 AB", ""},
		{KindAddress, "Ulica Długa 7", "Ulica Długa 7", ""},
		{KindAddress, "Hoofdstraat", "", msgErrAddress},
		{KindAddress, "3112 AB", "", msgErrAddress},
		{KindAddress, "0112 AB 4", "", msgErrAddress},
		{KindAddress, "Hoofdstraat 0", "", msgErrAddress},
		{KindAddress, "<b>x</b> 4", "", msgErrAddress},
		{KindAddress, "3112AB14", "3112 AB 14", ""},
		{KindAddress, "3112AB14-2", "3112 AB 14-2", ""},
		{KindAddress, "3112 AB14", "3112 AB 14", ""},
		{KindAddress, "'s-Gravelandseweg 120", "'s-Gravelandseweg 120", ""},
		{KindAddress, "'t Hoofd 3", "'t Hoofd 3", ""},
		{KindAddress, "1e Maasboulevard 3", "1e Maasboulevard 3", ""},
		{KindAddress, "Van 't Hoffstraat 2-B", "Van 't Hoffstraat 2b", ""},
		{KindAddress, "Hoofdstraat 14, Schiedam", "Hoofdstraat 14", ""},
		{KindAddress, "Hoofdstraat 14 3112", "Hoofdstraat 14, 3112", ""},
		{KindAddress, "Ik ben Fatima van nummer 3", "", msgErrAddress},
		{KindAddress, "Mijn buurman slaat zijn kinderen elke dag 2", "", msgErrAddress},
		{KindAddress, "Hoofdstraat 14 3", "", msgErrAddress},
		{KindAddress, "31121", "", msgErrAddress},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.in, func(t *testing.T) {
			got, problem := normalizeAnswer(&Step{Kind: tt.kind, MaxLength: 10}, tt.in)
			if got != tt.want || problem != tt.wantError {
				t.Fatalf("got %q %q, want %q %q", got, problem, tt.want, tt.wantError)
			}
		})
	}
}

func TestEveryMessageExistsInEveryLanguage(t *testing.T) {
	c := shipped(t)
	cat := c.Catalog
	if len(cat.Languages()) != 6 {
		t.Fatalf("%d languages, want the six of the first tier", len(cat.Languages()))
	}
	ids := sortedKeys(cat.messages[cat.source])
	if len(ids) < 200 {
		t.Fatalf("only %d messages in the source", len(ids))
	}
	for i, l := range cat.Languages() {
		for _, id := range ids {
			m, ok := cat.messages[i][id]
			if !ok || strings.TrimSpace(m.forms["other"]) == "" {
				t.Errorf("%s: message %q missing or empty", l.Code, id)
			}
		}
	}
}

func TestProblemsReadAsAnError(t *testing.T) {
	var ps Problems
	for i := 1; i <= 12; i++ {
		ps.errorf("f.yaml", i, "problem %d", i)
	}
	ps.warnf("f.yaml", 13, "only a warning")
	var err error = ps
	got := err.Error()
	if !strings.HasPrefix(got, "f.yaml:1: problem 1\n") || !strings.HasSuffix(got, "(and 2 more)") || strings.Contains(got, "warning") {
		t.Fatalf("Problems.Error() = %q", got)
	}
}

func TestSubmissionBecomesAValidRequest(t *testing.T) {
	e := NewEngine(shipped(t))
	d := start(t, e, "nuisance", "tr").choose("noise", "report").text("3117 AB 4").choose("months", "nightly")
	d.do(Input{Type: InputChoose, Choices: []string{"talked", "police"}}).at("contact")
	d.do(Input{Type: InputContact, Contact: Contact{Name: "Ayşe", Phone: "0612345678"}}).text("Her gece müzik").choose(OptionSend)
	sub := d.submission()
	r := e.Request(sub, buurtloket.ChannelWeb, "Nieuwland", "web:session-1")
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Key != sub.Key || r.Contact.Name != "Ayşe" || r.Postcode != "3117 AB" || r.Wijk != "Nieuwland" || r.Lang != "tr" ||
		len(r.Answers) != len(sub.Answers) || r.Answers[len(r.Answers)-1].Lang != "tr" || !strings.Contains(r.Summary, "Turks") {
		t.Fatalf("request %+v", r)
	}
}

// TestStatusWording: every status has its plain wording in every language.
func TestStatusWording(t *testing.T) {
	cat := shipped(t).Catalog
	for _, s := range buurtloket.Statuses {
		if !cat.Has(s.MessageID()) {
			t.Errorf("status %s has no message %s", s, s.MessageID())
		}
		for _, l := range cat.Languages() {
			if got := cat.Text(l.Code, s.MessageID()); got == s.MessageID() || got == "" {
				t.Errorf("%s: no wording for %s", l.Code, s)
			}
		}
	}
}

// TestHandoffHereStaysAnonymous: a resident who filled in the contact form
// and then asks to talk to someone, answered here anonymously, sends no
// contact details; "call me" offers the details given before.
func TestHandoffHereStaysAnonymous(t *testing.T) {
	e := NewEngine(shipped(t))
	named := func() *driver {
		d := start(t, e, "money", "nl").choose("rent", "one_month", "none", "none", "help").at("contact")
		return d.do(Input{Type: InputContact, Contact: Contact{Name: "Anna", Phone: "0612345678"}}).at("story")
	}
	d := named().do(Input{Type: InputPerson}).at("how").choose("here").at("message").text("Help")
	if sub := d.submission(); !sub.Anonymous || sub.Contact != nil {
		t.Fatalf("answer here, anonymously: anonymous %v contact %+v", sub.Anonymous, sub.Contact)
	}
	d = named().do(Input{Type: InputPerson}).at("how").choose("call").at("contact")
	if d.v.Contact == nil || d.v.Contact.Name != "Anna" {
		t.Fatalf("the talk flow's form does not offer the details given before: %+v", d.v.Contact)
	}
	d.do(Input{Type: InputContact, Contact: *d.v.Contact}).at("message").text("Bel mij")
	if sub := d.submission(); sub.Anonymous || sub.Contact == nil || sub.Contact.Phone != "0612345678" {
		t.Fatalf("call me: anonymous %v contact %+v", sub.Anonymous, sub.Contact)
	}
}
