package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"buurtloket"
	"buurtloket/dialogs"
)

// move is one thing a resident does in the chat.
type move struct {
	kind   string // choose, choices, text, contact
	label  string
	labels []string
	text   string
}

// pathToTicket finds, with the engine alone, a way from the start menu's
// option first to a ticket: the moves a resident makes.
func pathToTicket(e *dialogs.Engine, lang, first string, prefer ...string) []move {
	s, v := e.Start("path", lang)
	var found []move
	var walk func(s dialogs.Session, v dialogs.View, path []move, depth int) bool
	walk = func(s dialogs.Session, v dialogs.View, path []move, depth int) bool {
		if depth > 25 {
			return false
		}
		try := func(in dialogs.Input, m move) bool {
			next, nv, effects, err := e.Step(s, in)
			if err != nil {
				return false
			}
			for _, ef := range effects {
				if ef.Kind == dialogs.EffectSubmit || ef.Kind == dialogs.EffectHandoff {
					found = append(slices.Clone(path), m)
					return true
				}
			}
			return walk(next, nv, append(slices.Clone(path), m), depth+1)
		}
		switch v.Expect {
		case dialogs.ExpectChoice:
			opts := slices.Clone(v.Options)
			if depth == 0 {
				opts = slices.DeleteFunc(opts, func(o dialogs.ViewOption) bool { return o.ID != first })
			}
			// Sending comes first on a confirm step, then the options asked for.
			rank := func(o dialogs.ViewOption) int {
				if o.ID == dialogs.OptionSend {
					return 0
				}
				if slices.Contains(prefer, o.ID) {
					return 1
				}
				return 2
			}
			slices.SortStableFunc(opts, func(a, b dialogs.ViewOption) int { return rank(a) - rank(b) })
			for _, o := range opts {
				if try(dialogs.Input{Type: dialogs.InputChoose, Choice: o.ID}, move{kind: "choose", label: o.Label}) {
					return true
				}
			}
		case dialogs.ExpectChoices:
			for _, o := range v.Options {
				if !o.Exclusive && try(dialogs.Input{Type: dialogs.InputChoose, Choices: []string{o.ID}}, move{kind: "choices", labels: []string{o.Label}}) {
					return true
				}
			}
		case dialogs.ExpectText:
			text := map[dialogs.Kind]string{dialogs.KindPostcode: "3117 AB", dialogs.KindAddress: "3117 AB 4", dialogs.KindPhone: "0612345678",
				dialogs.KindEmail: "fatima@example.nl"}[v.Kind]
			if text == "" {
				text = "Er is lekkage bij de buren <b>boven</b>."
			}
			return try(dialogs.Input{Type: dialogs.InputText, Text: text}, move{kind: "text", text: text})
		case dialogs.ExpectContact:
			return try(dialogs.Input{Type: dialogs.InputContact, Contact: dialogs.Contact{Name: "Fatima Yilmaz", Phone: "0612345678"}},
				move{kind: "contact", text: "Fatima Yilmaz 06 12345678"})
		}
		return false
	}
	walk(s, v, nil, 0)
	return found
}

// TestEveryFlowToATicket walks every topic of the start menu to a ticket
// in the chat: buttons pressed, texts and contact typed. The request is
// stored for the Telegram channel with the chat as its sealed way back,
// and the chat shows the code and PIN.
func TestEveryFlowToATicket(t *testing.T) {
	e := newEnv(t)
	_, menu := e.engine.Start("x", "nl")
	for i, o := range menu.Options {
		path := pathToTicket(e.engine, "nl", o.ID)
		if path == nil {
			continue // an option that leads to information only
		}
		t.Run(o.ID, func(t *testing.T) {
			r := e.resident(int64(5000+i), "nl")
			r.e.t = t
			r.say("/start")
			for _, m := range path {
				switch m.kind {
				case "choose":
					r.press(m.label)
				case "choices":
					for _, l := range m.labels {
						r.tick(l)
					}
					r.press(e.engine.Content().UI("nl").Continue)
				case "text", "contact":
					r.say(m.text)
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
	path := pathToTicket(e.engine, "nl", "repairs", "anonymous")
	r.say("/start")
	for _, m := range path {
		switch m.kind {
		case "choose":
			r.press(m.label)
		case "text", "contact":
			r.say(m.text)
		}
	}
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
