package bottest

import (
	"slices"

	"buurtloket/dialogs"
)

// Move is one thing a resident does in the chat: press an option
// (choose), tick options and go on (choices), or type (text, contact).
type Move struct {
	Kind   string // choose, choices, text, contact
	Label  string
	Labels []string
	Text   string
}

// PathToTicket finds, with the engine alone, a way from the start menu's
// option first to a ticket (preferring the options prefer names): the
// moves a resident makes.
func PathToTicket(e *dialogs.Engine, lang, first string, prefer ...string) []Move {
	s, v := e.Start("path", lang)
	var found []Move
	var walk func(s dialogs.Session, v dialogs.View, path []Move, depth int) bool
	walk = func(s dialogs.Session, v dialogs.View, path []Move, depth int) bool {
		if depth > 25 {
			return false
		}
		try := func(in dialogs.Input, m Move) bool {
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
				if try(dialogs.Input{Type: dialogs.InputChoose, Choice: o.ID}, Move{Kind: "choose", Label: o.Label}) {
					return true
				}
			}
		case dialogs.ExpectChoices:
			for _, o := range v.Options {
				if !o.Exclusive && try(dialogs.Input{Type: dialogs.InputChoose, Choices: []string{o.ID}}, Move{Kind: "choices", Labels: []string{o.Label}}) {
					return true
				}
			}
		case dialogs.ExpectText:
			text := map[dialogs.Kind]string{dialogs.KindPostcode: "3117 AB", dialogs.KindAddress: "3117 AB 4", dialogs.KindPhone: "0612345678",
				dialogs.KindEmail: "fatima@example.nl"}[v.Kind]
			if text == "" {
				text = "Er is lekkage bij de buren <b>boven</b>."
			}
			return try(dialogs.Input{Type: dialogs.InputText, Text: text}, Move{Kind: "text", Text: text})
		case dialogs.ExpectContact:
			return try(dialogs.Input{Type: dialogs.InputContact, Contact: dialogs.Contact{Name: "Fatima Yilmaz", Phone: "0612345678"}},
				Move{Kind: "contact", Text: "Fatima Yilmaz 06 12345678"})
		}
		return false
	}
	walk(s, v, nil, 0)
	return found
}
