package kiosk

import (
	"net/http"
	"strings"

	"buurtloket"
	"buurtloket/dialogs"
)

// pageTexts are the page's own words, in the resident's language. Their
// message IDs start with ui. (see locales/).
type pageTexts struct {
	Title        string   `json:"title"`
	Reconnecting string   `json:"reconnecting"`
	StillThere   string   `json:"stillThere"`
	StillHere    string   `json:"stillHere"`
	SecondsLeft  []string `json:"secondsLeft"` // index: seconds
	Leave        string   `json:"leave"`
	Code         string   `json:"code"`
	PIN          string   `json:"pin"`
	Keep         string   `json:"keep"`
	Error        string   `json:"error"`
	Send         string   `json:"send"`
	Languages    string   `json:"languages"`
	FollowStart  string   `json:"followStart"`
	FollowCode   string   `json:"followCode"`
	FollowPIN    string   `json:"followPin"`
	FollowOpen   string   `json:"followOpen"`
	QR           string   `json:"qr"`
	NoPhone      string   `json:"noPhone,omitempty"` // a kiosk cannot dial: what to do without a phone
	ReadAloud    string   `json:"readAloud"`

	Back      string `json:"back"`
	Restart   string `json:"restart"`
	Stop      string `json:"stop"`
	Language  string `json:"language"`
	Emergency string `json:"emergency"`
	Person    string `json:"person"`
	Skip      string `json:"skip"`
	Continue  string `json:"continue"`
	Change    string `json:"change"`
	Close     string `json:"close"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Anonymous string `json:"anonymous"`

	IdleSeconds    int `json:"idleSeconds"`
	WarningSeconds int `json:"warningSeconds"`
}

// Message IDs of the page's words; TestPageMessagesExist checks them.
var pageMessages = []string{
	"ui.page.title", "ui.page.reconnecting", "ui.idle.question", "ui.idle.still_here", "ui.seconds_left",
	"ui.leave", "ui.kiosk.no_phone", "ui.read_aloud", "ui.ticket.code", "ui.ticket.pin", "ui.ticket.keep", "ui.ticket.qr", "ui.error.generic", "ui.text.send", "ui.languages",
}

func texts(e *dialogs.Engine, lang string, mode Mode) *pageTexts {
	cat := e.Content().Catalog
	t := func(id string) string { return cat.Text(lang, id) }
	ui := e.Content().UI(lang)
	p := &pageTexts{
		Title: t("ui.page.title"), Reconnecting: t("ui.page.reconnecting"),
		StillThere: t("ui.idle.question"), StillHere: t("ui.idle.still_here"),
		Leave: t("ui.leave"), Code: t("ui.ticket.code"), PIN: t("ui.ticket.pin"), Keep: t("ui.ticket.keep"),
		Error: t("ui.error.generic"), ReadAloud: t("ui.read_aloud"), Send: t("ui.text.send"), Languages: t("ui.languages"),
		FollowStart: t("ui.follow.start"), FollowCode: t("ui.follow.code"), FollowPIN: t("ui.follow.pin"), FollowOpen: t("ui.follow.open"), QR: t("ui.ticket.qr"),
		Back: ui.Back, Restart: ui.Restart, Stop: ui.Stop, Language: ui.Language, Emergency: ui.Emergency,
		Person: ui.Person, Skip: ui.Skip, Continue: ui.Continue, Change: ui.Change, Close: ui.Close,
		Name: ui.Name, Phone: ui.Phone, Email: ui.Email, Anonymous: ui.Anonymous,
		IdleSeconds: int(mode.Idle.Seconds()), WarningSeconds: int(mode.Warning.Seconds()),
	}
	if mode.Channel == buurtloket.ChannelKiosk {
		p.NoPhone = t("ui.kiosk.no_phone")
	}
	for n := 0; n <= p.WarningSeconds; n++ {
		p.SecondsLeft = append(p.SecondsLeft, cat.Plural(lang, "ui.seconds_left", n, nil))
	}
	return p
}

// strip is the emergency numbers shown on every screen: the actions of the
// emergency flow's first step, so editors keep one list.
func strip(e *dialogs.Engine, lang string) []actionDTO {
	f := e.Content().Flow(dialogs.FlowEmergency)
	var out []actionDTO
	for _, a := range f.Step(f.Start).Actions {
		out = append(out, actionDTO{Label: e.Content().Catalog.Text(lang, a.Label), Phone: a.Phone, Link: a.Link})
	}
	return out
}

func languages(e *dialogs.Engine) []languageDTO {
	var out []languageDTO
	for _, l := range e.Content().Catalog.Languages() {
		out = append(out, languageDTO{Code: l.Code, Name: l.Name, RTL: l.RTL})
	}
	return out
}

var globalNames = []struct {
	bit  dialogs.Globals
	name string
}{
	{dialogs.GlobalBack, "back"}, {dialogs.GlobalRestart, "restart"}, {dialogs.GlobalStop, "stop"},
	{dialogs.GlobalLanguage, "language"}, {dialogs.GlobalEmergency, "emergency"}, {dialogs.GlobalPerson, "person"},
}

// Speaker gives the address of a text read aloud ("" when it cannot be),
// and serves the audio at /speech/ (package speech).
type Speaker interface {
	URL(lang, text string) string
	http.Handler
}

// speak lists the addresses of the screen's texts read aloud, and each
// option's: the prompt, the text, what was wrong, the help, the options
// and the actions. The summary of answers is never read: it holds what
// the resident typed.
func speak(sp Speaker, v dialogs.View, d *viewDTO) {
	if sp == nil {
		return
	}
	add := func(text string) string {
		u := sp.URL(v.Lang, text)
		if u != "" {
			d.Speech = append(d.Speech, u)
		}
		return u
	}
	add(v.Prompt)
	for _, p := range strings.Split(v.Text, "\n") {
		add(p)
	}
	add(v.Error)
	add(v.Help)
	if v.Expect == dialogs.ExpectChoice || v.Expect == dialogs.ExpectChoices {
		for i := range d.Options {
			d.Options[i].Speech = add(d.Options[i].Label)
		}
	}
	for _, a := range d.Actions {
		add(a.Label)
	}
}

func toDTO(e *dialogs.Engine, v dialogs.View, sp Speaker) viewDTO {
	d := viewDTO{
		Flow: v.Flow, Step: v.Step, Kind: string(v.Kind), Lang: v.Lang, RTL: v.RTL,
		Prompt: v.Prompt, Text: v.Text, Help: v.Help, Error: v.Error, Notice: v.Notice,
		Expect: string(v.Expect), Selected: v.Selected, Chosen: v.Chosen, Value: v.Value, MaxLength: v.MaxLength, Optional: v.Optional,
		OfferPerson: v.OfferPerson, Emergency: v.Emergency, Ticket: v.Ticket, Globals: []string{},
	}
	for _, o := range v.Options {
		d.Options = append(d.Options, optionDTO{ID: o.ID, Label: o.Label, Icon: o.Icon, Exclusive: o.Exclusive})
	}
	for _, a := range v.Actions {
		d.Actions = append(d.Actions, actionDTO{Label: a.Label, Phone: a.Phone, Link: a.Link})
	}
	for _, s := range v.Summary {
		d.Summary = append(d.Summary, summaryDTO{Step: s.Step, Question: s.Question, Answer: s.Answer})
	}
	if v.Contact != nil {
		d.Contact = &contactDTO{Name: v.Contact.Name, Phone: v.Contact.Phone, Email: v.Contact.Email}
	}
	if v.Progress.Total > 0 {
		d.Progress = e.Content().Catalog.Format(v.Lang, "ui.progress", map[string]any{"Done": v.Progress.Done + 1, "Total": v.Progress.Total})
	}
	for _, g := range globalNames {
		if v.Globals.Has(g.bit) {
			d.Globals = append(d.Globals, g.name)
		}
	}
	speak(sp, v, &d)
	return d
}
