// Package terminal is the terminal channel: it walks a flow on a text
// terminal for content editors (`buurtloket flows play`), and writes the
// transcripts that the golden tests compare.
package terminal

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"buurtloket"
	"buurtloket/dialogs"
)

// Player walks flows on a terminal.
type Player struct {
	Engine *dialogs.Engine
	In     io.Reader
	Out    io.Writer
	// Echo writes each input line after the prompt, so that a scripted run
	// reads like a conversation.
	Echo bool
	// Ticket is the ticket code shown after a submission. Nothing is
	// stored: the player prints what staff would see instead.
	Ticket string
}

// Play walks flow in lang until the input ends or the resident quits.
func (p *Player) Play(flow, lang string) error {
	s, v, err := p.Engine.StartFlow("play", lang, flow)
	if err != nil {
		return err
	}
	w := &errWriter{w: p.Out}
	p.show(w, v)
	sc := bufio.NewScanner(p.In)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		fmt.Fprint(w, "> ")
		if !sc.Scan() {
			fmt.Fprintln(w)
			break
		}
		line := sc.Text()
		if p.Echo {
			fmt.Fprintln(w, line)
		}
		if strings.TrimSpace(line) == ":quit" {
			break
		}
		in, ok := parse(line, v)
		if !ok {
			fmt.Fprintln(w, "(unknown command; try a number, text, or one of :back :restart :stop :lang CODE :emergency :close :person :skip :change STEP :contact NAME | PHONE | EMAIL :quit)")
			continue
		}
		var effects []dialogs.Effect
		s, v, effects, err = p.Engine.Step(s, in)
		if err != nil {
			fmt.Fprintf(w, "(refused: %s)\n", buurtloket.ErrorMessage(err))
			continue
		}
		for _, ef := range effects {
			switch ef.Kind {
			case dialogs.EffectSubmit, dialogs.EffectHandoff:
				fmt.Fprintln(w)
				fmt.Fprintln(w, "──── what staff would receive (nothing is stored) ────")
				fmt.Fprint(w, p.Engine.Summary(ef.Submission))
				fmt.Fprintln(w, "────")
				s, v, _, err = p.Engine.Step(s, dialogs.Input{Type: dialogs.InputResult, Ticket: p.ticket()})
				if err != nil {
					return err
				}
			case dialogs.EffectForget:
				fmt.Fprintln(w, "(everything is forgotten)")
			}
		}
		p.show(w, v)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return w.err
}

func (p *Player) ticket() string {
	if p.Ticket != "" {
		return p.Ticket
	}
	return "DEMO-CODE"
}

// parse turns a typed line into an input: a number picks an option (on a
// multi step, several numbers: "1 3"), a line starting with ':' is a
// command, anything else is text.
func parse(line string, v dialogs.View) (dialogs.Input, bool) {
	line = strings.TrimSpace(line)
	if v.Expect == dialogs.ExpectChoices && !strings.HasPrefix(line, ":") {
		in := dialogs.Input{Type: dialogs.InputChoose}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ',' }) {
			id := f
			if n, err := strconv.Atoi(f); err == nil && n >= 1 && n <= len(v.Options) {
				id = v.Options[n-1].ID
			}
			in.Choices = append(in.Choices, id)
		}
		return in, true
	}
	if !strings.HasPrefix(line, ":") {
		if n, err := strconv.Atoi(line); err == nil && v.Expect == dialogs.ExpectChoice {
			if n >= 1 && n <= len(v.Options) {
				return dialogs.Input{Type: dialogs.InputChoose, Choice: v.Options[n-1].ID}, true
			}
			return dialogs.Input{Type: dialogs.InputChoose, Choice: line}, true
		}
		if v.Expect == dialogs.ExpectChoice {
			return dialogs.Input{Type: dialogs.InputChoose, Choice: line}, true
		}
		return dialogs.Input{Type: dialogs.InputText, Text: line}, true
	}
	cmd, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	switch cmd {
	case "back":
		return dialogs.Input{Type: dialogs.InputBack}, true
	case "restart":
		return dialogs.Input{Type: dialogs.InputRestart}, true
	case "stop":
		return dialogs.Input{Type: dialogs.InputStop}, true
	case "lang":
		return dialogs.Input{Type: dialogs.InputLanguage, Lang: arg}, true
	case "emergency":
		return dialogs.Input{Type: dialogs.InputEmergency}, true
	case "close":
		return dialogs.Input{Type: dialogs.InputClose}, true
	case "person":
		return dialogs.Input{Type: dialogs.InputPerson}, true
	case "skip":
		return dialogs.Input{Type: dialogs.InputSkip}, true
	case "change":
		return dialogs.Input{Type: dialogs.InputChange, Step: arg}, true
	case "contact":
		parts := strings.Split(arg, "|")
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		return dialogs.Input{Type: dialogs.InputContact, Contact: dialogs.Contact{
			Name: strings.TrimSpace(parts[0]), Phone: strings.TrimSpace(parts[1]), Email: strings.TrimSpace(parts[2]),
		}}, true
	}
	return dialogs.Input{}, false
}

// show writes a view as plain text.
func (p *Player) show(w io.Writer, v dialogs.View) {
	cat := p.Engine.Content().Catalog
	fmt.Fprintln(w)
	head := fmt.Sprintf("[%s/%s · %s", v.Flow, v.Step, v.Lang)
	if v.RTL {
		head += " · rtl"
	}
	if v.Progress.Total > 0 {
		head += " · " + cat.Format(v.Lang, "ui.progress", map[string]any{"Done": v.Progress.Done + 1, "Total": v.Progress.Total})
	}
	fmt.Fprintln(w, head+"]")
	if v.Emergency {
		fmt.Fprintln(w, "!!! "+v.UI.Emergency+" !!!")
	}
	if v.Notice != "" {
		fmt.Fprintln(w, "(i) "+v.Notice)
	}
	fmt.Fprintln(w, v.Prompt)
	if v.Text != "" {
		for _, l := range strings.Split(v.Text, "\n") {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if v.Error != "" {
		fmt.Fprintln(w, "(!) "+v.Error)
	}
	if v.Help != "" {
		fmt.Fprintln(w, "(?) "+v.Help)
	}
	for _, item := range v.Summary {
		fmt.Fprintf(w, "  · %s: %s   [:change %s]\n", item.Question, item.Answer, item.Step)
	}
	for _, a := range v.Actions {
		if a.Phone != "" {
			fmt.Fprintf(w, "  tel %s: %s\n", a.Label, a.Phone)
		} else {
			fmt.Fprintf(w, "  web %s: %s\n", a.Label, a.Link)
		}
	}
	for i, o := range v.Options {
		mark := ""
		if o.ID == v.Selected || slices.Contains(v.Chosen, o.ID) {
			mark = "  *"
		}
		if o.Exclusive {
			mark += "  (alone)"
		}
		fmt.Fprintf(w, "  %d) %s (%s)%s\n", i+1, o.Label, o.Icon, mark)
	}
	switch v.Expect {
	case dialogs.ExpectChoices:
		hint := "  (one or more numbers, such as 1 3"
		if v.Optional {
			hint += "; :skip = " + v.UI.Skip
		}
		fmt.Fprintln(w, hint+")")
	case dialogs.ExpectText:
		hint := fmt.Sprintf("  (%s", v.Kind)
		if v.MaxLength > 0 {
			hint += fmt.Sprintf(", at most %d characters", v.MaxLength)
		}
		if v.Optional {
			hint += "; :skip = " + v.UI.Skip
		}
		fmt.Fprintln(w, hint+")")
		if v.Value != "" {
			fmt.Fprintln(w, "  = "+v.Value)
		}
	case dialogs.ExpectContact:
		fmt.Fprintf(w, "  (:contact %s | %s | %s; :skip = %s)\n", v.UI.Name, v.UI.Phone, v.UI.Email, v.UI.Anonymous)
		if v.Contact != nil {
			fmt.Fprintf(w, "  = %s | %s | %s\n", v.Contact.Name, v.Contact.Phone, v.Contact.Email)
		}
	}
	if v.Ticket != "" {
		fmt.Fprintln(w, "  >>> "+v.Ticket+" <<<")
	}
	var globals []string
	for _, g := range []struct {
		bit   dialogs.Globals
		cmd   string
		label string
	}{
		{dialogs.GlobalBack, ":back", v.UI.Back},
		{dialogs.GlobalRestart, ":restart", v.UI.Restart},
		{dialogs.GlobalStop, ":stop", v.UI.Stop},
		{dialogs.GlobalLanguage, ":lang", v.UI.Language},
		{dialogs.GlobalEmergency, ":emergency", v.UI.Emergency},
		{dialogs.GlobalPerson, ":person", v.UI.Person},
	} {
		if v.Globals.Has(g.bit) {
			globals = append(globals, g.cmd+" "+g.label)
		}
	}
	if v.OfferPerson {
		fmt.Fprintln(w, "  >> :person "+v.UI.Person)
	}
	fmt.Fprintln(w, "  ["+strings.Join(globals, " · ")+"]")
}

// errWriter remembers the first write error, so the loop stays readable.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return len(b), nil
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, nil
}
