package dialogs

import "strings"

// render builds the view of step st. problem is the message ID of what was
// wrong with the last input, if anything.
func (e *Engine) render(s *Session, f *Flow, st *Step, problem string) View {
	cat := f.content.Catalog
	li, ok := cat.index[s.Lang]
	if !ok {
		li = cat.source
	}
	lang := cat.languages[li]
	if s.Emergency {
		return e.renderEmergency(s, f, st, lang)
	}
	lt := &st.texts[li]
	shared := &f.content.texts[li]
	v := View{
		Flow: f.ID, Step: st.ID, Kind: st.Kind, Lang: lang.Code, RTL: lang.RTL,
		Prompt: lt.prompt, Text: lt.text,
		Options: lt.options, Actions: lt.actions,
		UI:      shared.ui,
		Globals: GlobalRestart | GlobalStop | GlobalLanguage | GlobalEmergency,
	}
	if backAllowed(s, st) {
		v.Globals |= GlobalBack
	}
	if personAllowed(f, st) {
		v.Globals |= GlobalPerson
	}
	switch st.Kind {
	case KindChoice, KindConfirm:
		v.Expect = ExpectChoice
	case KindMulti:
		v.Expect, v.Optional = ExpectChoices, st.Optional
	case KindInfo:
		v.Expect = ExpectChoice
		if len(v.Options) == 0 {
			v.Expect = ExpectNothing
		}
	case KindText, KindPostcode, KindAddress, KindPhone, KindEmail:
		v.Expect, v.Optional, v.MaxLength = ExpectText, st.Optional, st.MaxLength
	case KindContact:
		v.Expect, v.Optional = ExpectContact, true
	case KindSubmit, KindHandoff:
		v.Expect = ExpectResult
		if s.Failed {
			v.Expect, v.Options = ExpectChoice, shared.retry
		}
	case KindEnd:
		v.Expect, v.Ticket = ExpectNothing, s.Ticket
		for i, r := range st.TextRules {
			if holds(s, f, r.If) {
				v.Text = lt.ruleTexts[i]
				break
			}
		}
	}
	if a := s.answer(f.ID, st.ID); a != nil && !a.Skipped {
		switch st.Kind {
		case KindChoice:
			v.Selected = a.Value
		case KindMulti:
			v.Chosen = strings.Split(a.Value, ",")
		case KindContact:
			c := *a.Contact
			v.Contact = &c
		default:
			v.Value = a.Value
		}
	}
	// A contact step not answered yet offers the details given earlier in
	// this conversation (another flow's form), to keep or change.
	if st.Kind == KindContact && v.Contact == nil {
		for i := len(s.Answers) - 1; i >= 0; i-- {
			if a := s.Answers[i]; a.Contact != nil && a.Flow != f.ID {
				c := *a.Contact
				v.Contact = &c
				break
			}
		}
	}
	if problem != "" {
		v.Error = cat.Text(lang.Code, problem)
	}
	switch {
	case s.Tries == 1:
		v.Help = lt.reprompt
	case s.Tries == 2:
		v.Help = lt.example
	case s.Tries >= 3:
		v.Help = cat.Text(lang.Code, msgOfferPerson)
		v.OfferPerson = personAllowed(f, st)
	}
	if st.Kind == KindConfirm {
		v.Summary = e.summary(s, f, li, lang.Code)
	}
	// Progress counts questions; pages that ask nothing show none.
	if f.ID != FlowStart && (st.Kind.asksAnswer() || st.Kind == KindConfirm) {
		done := 0
		for _, p := range s.History {
			if p.Flow == f.ID {
				if ps := f.byID[p.Step]; ps != nil && (ps.Kind.asksAnswer() || ps.Kind == KindConfirm) {
					done++
				}
			}
		}
		total := done + st.remaining
		// A branch that asks less never makes the total go backwards:
		// "question 2 of 2" after "question 1 of 3" reads as a step back.
		if s.MostIn == f.ID && s.Most > total {
			total = s.Most
		}
		s.Most, s.MostIn = total, f.ID
		v.Progress = Progress{Done: done, Total: total}
	}
	return v
}

// renderEmergency shows the first step of the emergency flow over the
// current step; closing it returns there.
func (e *Engine) renderEmergency(s *Session, f *Flow, st *Step, lang Language) View {
	ef := e.content.Flow(FlowEmergency)
	li := e.content.Catalog.index[lang.Code]
	lt := &ef.byID[ef.Start].texts[li]
	shared := &e.content.texts[li]
	return View{
		Flow: f.ID, Step: st.ID, Kind: KindInfo, Lang: lang.Code, RTL: lang.RTL,
		Prompt: lt.prompt, Text: lt.text, Actions: lt.actions,
		Expect: ExpectChoice, Options: shared.close,
		UI:        shared.ui,
		Globals:   GlobalStop | GlobalLanguage,
		Emergency: true,
	}
}

// summary lists the answers on the path in the current flow, for a confirm
// step, each named by its step's label (li: the language's index).
func (e *Engine) summary(s *Session, f *Flow, li int, lang string) []SummaryItem {
	var items []SummaryItem
	for _, p := range s.History {
		st := f.byID[p.Step]
		if p.Flow != f.ID || st == nil || !st.Kind.asksAnswer() {
			continue
		}
		a := s.answer(f.ID, st.ID)
		if a == nil {
			continue
		}
		items = append(items, SummaryItem{
			Step:     st.ID,
			Question: st.texts[li].label,
			Answer:   answerText(f.content.Catalog, lang, st, a),
		})
	}
	return items
}

// answerText shows an answer in lang: an option's label, the contact details,
// or the text as written.
func answerText(cat *Catalog, lang string, st *Step, a *Answer) string {
	switch {
	case a.Skipped && st.Kind == KindContact:
		return cat.Text(lang, msgAnonymous)
	case a.Skipped:
		return "–"
	case st.Kind == KindChoice:
		if o := option(st, a.Value); o != nil {
			return cat.Text(lang, o.Label)
		}
		return a.Value
	case st.Kind == KindMulti:
		var labels []string
		for _, id := range strings.Split(a.Value, ",") {
			if o := option(st, id); o != nil {
				labels = append(labels, cat.Text(lang, o.Label))
			}
		}
		return strings.Join(labels, ", ")
	case st.Kind == KindContact && a.Contact != nil:
		parts := []string{a.Contact.Name}
		if a.Contact.Phone != "" {
			parts = append(parts, a.Contact.Phone)
		}
		if a.Contact.Email != "" {
			parts = append(parts, a.Contact.Email)
		}
		return strings.Join(parts, ", ")
	}
	return a.Value
}
