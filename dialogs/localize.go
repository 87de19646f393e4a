package dialogs

// Option IDs the engine adds itself.
const (
	OptionContinue = "next"  // an info page without options of its own
	OptionSend     = "send"  // a confirm step
	OptionRetry    = "retry" // a submission that failed
	OptionClose    = "close" // the emergency numbers
)

// localizedStep is a step's texts in one language, resolved at load time so
// that rendering a view costs no lookups or allocations.
type localizedStep struct {
	prompt, text, reprompt, example string
	label                           string   // the answer's name on the confirm screen: the label, else the question
	ruleTexts                       []string // an end step's text rules, in order
	options                         []ViewOption
	actions                         []ViewAction
}

// localized holds what the engine shows that belongs to no single step.
type localized struct {
	ui    *UIText
	retry []ViewOption
	close []ViewOption
}

// UI returns the engine's own labels in a language (the source language's
// for an unknown one).
func (c *Content) UI(lang string) *UIText {
	i, ok := c.Catalog.index[lang]
	if !ok {
		i = c.Catalog.source
	}
	return c.texts[i].ui
}

// localize resolves every step's texts in every language.
func (c *Content) localize() {
	cat := c.Catalog
	c.texts = make([]localized, len(cat.languages))
	for i, l := range cat.languages {
		t := func(id string) string { return cat.Text(l.Code, id) }
		ui := &UIText{
			Back: t(msgBack), Restart: t(msgRestart), Stop: t(msgStop), Language: t(msgLanguage),
			Emergency: t(msgEmergency), Person: t(msgPerson), Continue: t(msgContinue), Skip: t(msgSkip),
			Send: t(msgSend), Change: t(msgChange), Retry: t(msgRetry), Close: t(msgClose),
			Name: t(msgContactName), Phone: t(msgContactPhone), Email: t(msgContactEmail), Anonymous: t(msgAnonymous),
		}
		c.texts[i] = localized{
			ui:    ui,
			retry: []ViewOption{{ID: OptionRetry, Label: ui.Retry, Icon: "retry"}},
			close: []ViewOption{{ID: OptionClose, Label: ui.Close, Icon: "close"}},
		}
	}
	for _, f := range c.flows {
		for _, s := range f.Steps {
			s.texts = make([]localizedStep, len(cat.languages))
			for i, l := range cat.languages {
				s.texts[i] = localizeStep(cat, l.Code, s, c.texts[i].ui)
			}
		}
	}
}

func localizeStep(cat *Catalog, lang string, s *Step, ui *UIText) localizedStep {
	text := func(id string) string {
		if id == "" {
			return ""
		}
		return cat.Text(lang, id)
	}
	prompt := text(s.Prompt)
	if prompt == "" && (s.Kind == KindSubmit || s.Kind == KindHandoff) {
		prompt = cat.Text(lang, msgSending)
	}
	ls := localizedStep{
		prompt:   prompt,
		text:     text(s.Text),
		reprompt: cat.Text(lang, helpMessage(s.Kind, 1)),
		example:  cat.Text(lang, helpMessage(s.Kind, 2)),
	}
	if s.Reprompt != "" {
		ls.reprompt = text(s.Reprompt)
	}
	ls.label = prompt
	if s.Label != "" {
		ls.label = text(s.Label)
	}
	for _, r := range s.TextRules {
		ls.ruleTexts = append(ls.ruleTexts, text(r.Text))
	}
	if s.Example != "" {
		ls.example = text(s.Example)
	}
	for _, o := range s.Options {
		ls.options = append(ls.options, ViewOption{ID: o.ID, Label: text(o.Label), Icon: o.Icon, Exclusive: o.Exclusive})
	}
	switch {
	case s.Kind == KindInfo && len(s.Options) == 0 && s.Next != nil:
		ls.options = []ViewOption{{ID: OptionContinue, Label: ui.Continue, Icon: "next"}}
	case s.Kind == KindConfirm:
		ls.options = []ViewOption{{ID: OptionSend, Label: ui.Send, Icon: "send"}}
	}
	for _, a := range s.Actions {
		ls.actions = append(ls.actions, ViewAction{Label: text(a.Label), Phone: a.Phone, Link: a.Link})
	}
	return ls
}
