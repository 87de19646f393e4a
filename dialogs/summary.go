package dialogs

import (
	"fmt"
	"strings"

	"buurtloket"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Staff read Dutch; these words are for them, not for residents.
var priorityNL = map[buurtloket.Priority]string{
	buurtloket.PriorityNormal: "normaal",
	buurtloket.PriorityHigh:   "hoog",
	buurtloket.PriorityUrgent: "urgent",
}

// Summary renders a submission as readable Dutch for staff: the topic,
// priority, the resident's language, and every answer as question and
// answer in Dutch. Free text stays as written, marked with its language.
// Contact details are left out: the console shows them apart, and logs
// viewing them.
func (e *Engine) Summary(sub *Submission) string {
	cat := e.content.Catalog
	nl := cat.SourceLanguage()
	var b strings.Builder
	title := string(sub.Topic)
	if f := e.flowAt(Position{Flow: sub.Flow, Version: sub.FlowVersion}); f != nil {
		title = f.content.Catalog.Text(nl, f.Title)
	}
	fmt.Fprintf(&b, "%s · urgentie: %s\n", title, priorityNL[sub.Priority])
	who := "anoniem"
	if !sub.Anonymous {
		who = "met naam (contactgegevens apart)"
	}
	fmt.Fprintf(&b, "Taal van de bewoner: %s · %s", languageNL(sub.Lang), who)
	if sub.Handoff {
		b.WriteString(" · wil praten met een medewerker")
	}
	b.WriteString("\n")
	for _, a := range sub.Answers {
		f := e.flowAt(Position{Flow: a.Flow, Version: sub.FlowVersion})
		var st *Step
		if f != nil {
			st = f.byID[a.Step]
		}
		if st == nil {
			fmt.Fprintf(&b, "· %s/%s → %s\n", a.Flow, a.Step, a.Value)
			continue
		}
		// The answer's short name ("Brief"), as on the confirm screen; the
		// question where a step has none.
		q := f.content.Catalog.Text(nl, st.Prompt)
		if st.Label != "" {
			q = f.content.Catalog.Text(nl, st.Label)
		}
		var ans string
		switch {
		case a.Skipped:
			ans = "(overgeslagen)"
		case st.Kind == KindChoice || st.Kind == KindMulti:
			ans = answerText(f.content.Catalog, nl, st, &Answer{Value: a.Value})
		case st.Kind == KindText:
			// A line of free text is indented, so that no text the resident
			// wrote can look like a line of the summary ("· Gevaar → ja").
			ans = `"` + strings.ReplaceAll(a.Value, "\n", "\n  ") + `"`
			if a.Lang != "" && a.Lang != nl {
				ans += " (geschreven in het " + languageNL(a.Lang) + ")"
			}
		default:
			ans = a.Value
		}
		fmt.Fprintf(&b, "· %s → %s\n", q, ans)
	}
	return b.String()
}

// languageNL names a language in Dutch: "Arabisch".
func languageNL(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.Dutch.Languages().Name(tag); name != "" {
		return name
	}
	return code
}

// Request turns a submission into a new help request for the store. The
// channel adds what only it knows: where the request came from, the
// neighbourhood (a kiosk's own, or from the postcode) and how to reach the
// resident again (a chat id), which the store keeps sealed.
func (e *Engine) Request(sub *Submission, channel buurtloket.Channel, wijk, route string) buurtloket.NewRequest {
	answers := make([]buurtloket.Answer, len(sub.Answers))
	for i, a := range sub.Answers {
		answers[i] = buurtloket.Answer{Flow: a.Flow, Step: a.Step, Kind: string(a.Kind), Value: a.Value, Lang: a.Lang, Skipped: a.Skipped}
	}
	return buurtloket.NewRequest{
		Key: sub.Key, Topic: sub.Topic, Priority: sub.Priority, Handoff: sub.Handoff,
		Channel: channel, Lang: sub.Lang, Wijk: wijk, Postcode: sub.Postcode,
		Contact: sub.Contact, Route: route, Answers: answers,
		Summary: e.Summary(sub), FlowVersion: sub.FlowVersion,
	}
}
