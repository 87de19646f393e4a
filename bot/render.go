package bot

import (
	"slices"
	"strconv"
	"strings"

	"buurtloket/dialogs"
)

// Keyboards as the Bot API takes them. The library's own button type
// always sends an empty copy_text, which Telegram refuses
// (BUTTON_COPY_TEXT_INVALID); these send only what they hold.

type inlineKeyboard struct {
	Rows [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text string `json:"text"`
	Data string `json:"callback_data"`
}

type replyKeyboard struct {
	Keyboard [][]replyButton `json:"keyboard"`
	OneTime  bool            `json:"one_time_keyboard,omitempty"`
	Resize   bool            `json:"resize_keyboard,omitempty"`
}

// removeKeyboard takes a reply keyboard away.
type removeKeyboard struct {
	Remove bool `json:"remove_keyboard"`
}

type replyButton struct {
	Text           string `json:"text"`
	RequestContact bool   `json:"request_contact,omitempty"`
}

// Callback data is "token:kind:arg": the question's step token, what the
// button does, and an option's index, a global action's or a language's
// name. It never carries state: the chat's state is in the store.
func data(token, kind, arg string) string { return token + ":" + kind + ":" + arg }

func parseData(d string) (token, kind, arg string) {
	if len(d) > 64 {
		return "", "", ""
	}
	parts := strings.SplitN(d, ":", 3)
	if len(parts) != 3 {
		return "", "", ""
	}
	return parts[0], parts[1], parts[2]
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// spoken is a view as it is read aloud: its prompt, text, help and
// options, numbered; never the answers on a confirm step (what the
// resident wrote).
func spoken(v dialogs.View) string {
	var parts []string
	for _, s := range []string{v.Prompt, v.Text, v.Error, v.Help} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	for i, o := range v.Options {
		parts = append(parts, strconv.Itoa(i+1)+": "+o.Label)
	}
	return strings.Join(parts, ".\n")
}

// render makes a view into a message: the prompt, the text and what goes
// with it, as plain text (nothing a resident or an editor wrote becomes
// markup), and its buttons.
func (c *conv) render(v dialogs.View, token string) (string, inlineKeyboard) {
	ui := c.e.Content().UI(v.Lang)
	var b strings.Builder
	line := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(s)
		}
	}
	line(v.Notice)
	if v.Progress.Total > 0 {
		line(c.format("ui.progress", map[string]any{"Done": v.Progress.Done + 1, "Total": v.Progress.Total}))
	}
	line(v.Prompt)
	line(v.Text)
	line(v.Error)
	line(v.Help)
	var list []string
	for _, s := range v.Summary {
		list = append(list, "• "+s.Question+": "+shorten(s.Answer, 200))
	}
	line(strings.Join(list, "\n"))
	list = nil
	for _, a := range v.Actions {
		switch {
		case a.Phone != "":
			list = append(list, a.Label+": "+a.Phone)
		case a.Link != "":
			list = append(list, a.Label+": "+a.Link)
		}
	}
	line(strings.Join(list, "\n"))
	if slices.ContainsFunc(v.Options, func(o dialogs.ViewOption) bool { return o.ID == "anonymous" }) {
		// Honest about Telegram before an anonymous request.
		line(c.text("ui.bot.anonymous_note"))
	}
	if v.Expect == dialogs.ExpectContact {
		line(c.text("ui.bot.contact.type_hint"))
	}
	text := b.String()
	if text == "" {
		text = "…"
	}
	var rows [][]inlineButton
	switch v.Expect {
	case dialogs.ExpectChoice:
		for i, o := range v.Options {
			rows = append(rows, []inlineButton{{Text: o.Label, Data: data(token, "o", strconv.Itoa(i))}})
		}
	case dialogs.ExpectChoices:
		for i, o := range v.Options {
			label := o.Label
			if slices.Contains(v.Chosen, o.ID) {
				label = "✓ " + label
			}
			rows = append(rows, []inlineButton{{Text: label, Data: data(token, "m", strconv.Itoa(i))}})
		}
		rows = append(rows, []inlineButton{{Text: ui.Continue, Data: data(token, "c", "")}})
	default:
		// Options on a view that wants none (the emergency numbers' close).
		for i, o := range v.Options {
			rows = append(rows, []inlineButton{{Text: o.Label, Data: data(token, "o", strconv.Itoa(i))}})
		}
	}
	if v.Optional || v.Expect == dialogs.ExpectContact {
		rows = append(rows, []inlineButton{{Text: ui.Skip, Data: data(token, "s", "")}})
	}
	for i, s := range v.Summary {
		rows = append(rows, []inlineButton{{Text: ui.Change + ": " + s.Question, Data: data(token, "h", strconv.Itoa(i))}})
	}
	var globals []inlineButton
	if c.b.cfg.Speech != nil && c.b.cfg.Speech.Speaks(v.Lang) {
		// The question as a voice message, for a resident who cannot read it.
		globals = append(globals, inlineButton{Text: "🔊 " + c.e.Content().Catalog.Text(v.Lang, "ui.read_aloud"), Data: data(token, "v", "")})
	}
	for _, g := range globalButtons {
		if v.Globals.Has(g.bit) {
			globals = append(globals, inlineButton{Text: g.label(ui), Data: data(token, "g", g.name)})
		}
	}
	for len(globals) > 0 { // two to a row: they fit on a phone
		n := min(2, len(globals))
		rows = append(rows, globals[:n])
		globals = globals[n:]
	}
	if rows == nil {
		rows = [][]inlineButton{}
	}
	return text, inlineKeyboard{Rows: rows}
}

var globalButtons = []struct {
	bit   dialogs.Globals
	name  string
	label func(*dialogs.UIText) string
}{
	{dialogs.GlobalBack, "back", func(u *dialogs.UIText) string { return u.Back }},
	{dialogs.GlobalPerson, "person", func(u *dialogs.UIText) string { return u.Person }},
	{dialogs.GlobalEmergency, "emergency", func(u *dialogs.UIText) string { return u.Emergency }},
	{dialogs.GlobalLanguage, "language", func(u *dialogs.UIText) string { return u.Language }},
	{dialogs.GlobalRestart, "restart", func(u *dialogs.UIText) string { return u.Restart }},
	{dialogs.GlobalStop, "stop", func(u *dialogs.UIText) string { return u.Stop }},
}

func globalInput(name string) (dialogs.Input, bool) {
	switch name {
	case "back":
		return dialogs.Input{Type: dialogs.InputBack}, true
	case "person":
		return dialogs.Input{Type: dialogs.InputPerson}, true
	case "emergency":
		return dialogs.Input{Type: dialogs.InputEmergency}, true
	case "language":
		return dialogs.Input{Type: dialogs.InputLanguage}, true
	case "restart":
		return dialogs.Input{Type: dialogs.InputRestart}, true
	case "stop":
		return dialogs.Input{Type: dialogs.InputStop}, true
	}
	return dialogs.Input{}, false
}

func optionAt(v dialogs.View, arg string) (dialogs.ViewOption, bool) {
	i := atoi(arg)
	if i < 0 || i >= len(v.Options) {
		return dialogs.ViewOption{}, false
	}
	return v.Options[i], true
}

// toggle ticks or unticks an option of a multi step; an exclusive one
// ("none of these") stands alone.
func toggle(chosen []string, o dialogs.ViewOption, all []dialogs.ViewOption) []string {
	if i := slices.Index(chosen, o.ID); i >= 0 {
		return slices.Delete(slices.Clone(chosen), i, i+1)
	}
	if o.Exclusive {
		return []string{o.ID}
	}
	var out []string
	for _, id := range chosen {
		if j := slices.IndexFunc(all, func(x dialogs.ViewOption) bool { return x.ID == id }); j >= 0 && !all[j].Exclusive {
			out = append(out, id)
		}
	}
	return append(out, o.ID)
}

// labels names the options chosen, for the record under the question.
func labels(v dialogs.View, ids []string) string {
	var out []string
	for _, o := range v.Options {
		if slices.Contains(ids, o.ID) {
			out = append(out, o.Label)
		}
	}
	return strings.Join(out, ", ")
}
