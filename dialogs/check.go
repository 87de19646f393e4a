package dialogs

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Text limits, in characters, so that every screen fits a kiosk without
// scrolling at the kiosk's type size. docs/flows.md explains them.
const (
	MaxPromptChars = 160 // a question, title, reworded question or example
	MaxLabelChars  = 40  // a button
	MaxBodyChars   = 700 // the body of an info or end page
)

// check validates everything that spans steps, flows and message files.
func check(c *Content, src Source, probs *Problems, broken bool) {
	for _, id := range []string{FlowStart, FlowEmergency, FlowTalk} {
		if c.flows[id] == nil && len(c.flows) > 0 {
			probs.errorf(src.FlowsDir, 0, "there is no %s flow (%s.yaml); every set of flows needs one", id, id)
		}
	}
	used, usedFacts := map[string]bool{}, map[string]bool{}
	for _, id := range engineMessages {
		used[id] = true
	}
	for _, id := range c.order {
		f := c.flows[id]
		checkFlow(c, f, src, probs, used, usedFacts)
	}
	checkReplies(c, probs, used, usedFacts)
	if c.Catalog == nil {
		return
	}
	c.Catalog.useFacts(c.Facts, usedFacts, probs)
	for _, id := range engineMessages {
		if !c.Catalog.Has(id) {
			probs.errorf(c.Catalog.files[c.Catalog.source], 0, "message %q is used by the program but missing", id)
		}
	}
	if broken {
		return // its messages would all look unused
	}
	checkUnusedFacts(c.Facts, usedFacts, probs)
	src0 := c.Catalog.messages[c.Catalog.source]
	for _, id := range sortedKeys(src0) {
		if !used[id] && !strings.HasPrefix(id, ChannelPrefix) {
			probs.errorf(c.Catalog.files[c.Catalog.source], src0[id].line, "message %q is not used by any flow", id)
		}
	}
}

func checkFlow(c *Content, f *Flow, src Source, probs *Problems, used, usedFacts map[string]bool) {
	file := f.File
	msg := func(id string, line int, limit int, what string) {
		if id == "" {
			return
		}
		used[id] = true
		checkMessage(c.Catalog, c.Facts, file, line, id, limit, what, probs)
	}
	icon := func(name string, line int) {
		if name != "" && src.Pictograms != nil && !contains(src.Pictograms, name) {
			probs.errorf(file, line, "unknown pictogram %q%s", name, suggest(name, src.Pictograms))
		}
	}
	msg(f.Title, f.lines["title"], MaxLabelChars, "a title")
	icon(f.Icon, f.lines["icon"])
	if f.Start != "" && f.byID[f.Start] == nil {
		probs.errorf(file, f.lines["start"], "the start step %q does not exist%s", f.Start, suggest(f.Start, stepIDs(f)))
	}
	if f.ID != FlowStart && f.ID != FlowEmergency && f.Topic == "" {
		probs.errorf(file, 1, "the flow needs a topic")
	}
	dangling := false // a reference to a missing step makes reachability reports mere echoes
	stepRef := func(id string, line int) {
		if id != "" && f.byID[id] == nil {
			probs.errorf(file, line, "step %q does not exist%s", id, suggest(id, stepIDs(f)))
			dangling = true
		}
	}
	for _, s := range f.Steps {
		msg(s.Prompt, s.Line, MaxPromptChars, "a question")
		msg(s.Reprompt, s.Line, MaxPromptChars, "a question")
		msg(s.Example, s.Line, MaxPromptChars, "an example")
		msg(s.Label, s.Line, MaxLabelChars, "a label")
		// The confirm screen names each answer: a short label, not the
		// whole question again.
		if s.Kind.asksAnswer() && s.Label == "" && hasConfirm(f) {
			probs.errorf(file, s.Line, "step %q needs a label: the confirm screen names its answer with it (such as \"Postcode\")", s.ID)
		}
		msg(s.Text, s.Line, MaxBodyChars, "a page text")
		switch s.Kind {
		case KindChoice, KindMulti:
			if n := len(s.Options); n < MinOptions || n > MaxOptions {
				probs.errorf(file, s.Line, "a %s step needs %d to %d options; %q has %d", s.Kind, MinOptions, MaxOptions, s.ID, n)
			}
		case KindInfo:
			if len(s.Options) > MaxOptions {
				probs.errorf(file, s.Line, "an info step may have at most %d options; %q has %d", MaxOptions, s.ID, len(s.Options))
			}
			if len(s.Actions) > MaxActions {
				probs.errorf(file, s.Line, "an info step may have at most %d actions; %q has %d", MaxActions, s.ID, len(s.Actions))
			}
		case KindText:
			// Many residents cannot type (one adult in three in Schiedam
			// reads and writes with trouble): no step may stop them.
			if !s.Optional {
				probs.errorf(file, s.Line, "text step %q must be optional: a resident who cannot type must be able to go on (optional: true)", s.ID)
			}
		case KindEnd:
			if s.Next != nil {
				probs.errorf(file, s.Line, "an end step has no next")
			}
		case KindSubmit, KindHandoff:
			if s.Next == nil {
				probs.errorf(file, s.Line, "a %s step needs a next step, usually an end step that shows the ticket code", s.Kind)
			}
			if s.Topic == "" && f.Topic == "" && s.Kind == KindSubmit {
				probs.errorf(file, s.Line, "a submit step needs a topic, here or on the flow")
			}
			for _, id := range s.Include {
				if t := f.byID[id]; t == nil || !t.Kind.asksAnswer() {
					probs.errorf(file, s.Line, "include names %q, which is not a step that asks something", id)
				}
			}
		}
		if s.Next == nil && s.Kind != KindEnd && s.Kind != KindInfo && !allOptionsLead(s) {
			probs.errorf(file, s.Line, "step %q has no next step", s.ID)
		}
		seen := map[string]bool{}
		for _, o := range s.Options {
			if seen[o.ID] {
				probs.errorf(file, o.Line, "option id %q is used twice in step %q", o.ID, s.ID)
			}
			seen[o.ID] = true
			msg(o.Label, o.Line, MaxLabelChars, "a button")
			if s.Kind == KindMulti && (o.Next != "" || o.Flow != "") {
				probs.errorf(file, o.Line, "option %q of multi step %q cannot have its own next or flow: several may be chosen; use the step's next with if", o.ID, s.ID)
			}
			if o.Exclusive && s.Kind != KindMulti {
				probs.errorf(file, o.Line, "option %q is exclusive, which only a multi step's options can be", o.ID)
			}
			if (s.Kind == KindChoice || s.Kind == KindMulti) && o.Icon == "" {
				probs.errorf(file, o.Line, "option %q needs an icon (a pictogram name)", o.ID)
			}
			icon(o.Icon, o.Line)
			stepRef(o.Next, o.Line)
			if o.Flow != "" {
				if c.flows[o.Flow] == nil {
					probs.errorf(file, o.Line, "flow %q does not exist", o.Flow)
				} else if f.ID != FlowStart {
					probs.errorf(file, o.Line, "only the start flow may open other flows")
				}
			}
		}
		for _, a := range s.Actions {
			msg(a.Label, a.Line, MaxLabelChars, "a button")
			resolveAction(c.Facts, file, a, usedFacts, probs)

		}
		for _, r := range s.Next {
			stepRef(r.Goto, r.Line)
			checkConditions(f, r.If, r.Line, probs)
		}
		for _, r := range s.PriorityRules {
			checkConditions(f, r.If, r.Line, probs)
		}
		for _, r := range s.TextRules {
			msg(r.Text, r.Line, MaxBodyChars, "a page text")
			checkConditions(f, r.If, r.Line, probs)
		}
	}
	checkGraph(f, probs, dangling)
}

func allOptionsLead(s *Step) bool {
	if len(s.Options) == 0 {
		return false
	}
	for _, o := range s.Options {
		if o.Next == "" && o.Flow == "" {
			return false
		}
	}
	return true
}

func stepIDs(f *Flow) []string {
	ids := make([]string, 0, len(f.Steps))
	for _, s := range f.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func checkMessage(cat *Catalog, facts *Facts, file string, line int, id string, limit int, what string, probs *Problems) {
	if cat == nil {
		return
	}
	if !cat.Has(id) {
		probs.errorf(file, line, "message %q does not exist in %s", id, cat.files[cat.source])
		return
	}
	for i, l := range cat.languages {
		m, ok := cat.messages[i][id]
		if !ok {
			continue // reported by the catalog check
		}
		if m.plural {
			probs.errorf(cat.files[i], m.line, "message %q is used in a flow, so it cannot have plural forms", id)
			continue
		}
		bad := false
		for _, h := range m.holders {
			if _, ok := facts.Get(h); !ok {
				bad = true // a broken fact is reported at its entry; an unknown one here
				if !facts.known(h) {
					probs.errorf(cat.files[i], m.line, "message %q is used in a flow, so its placeholders must be facts; {{.%s}} is not in the facts file%s", id, h, suggest(h, factNames(facts)))
				}
			}
		}
		if bad {
			continue
		}
		text := m.forms["other"]
		if n := phoneInText.FindString(text); n != "" {
			probs.errorf(cat.files[i], m.line, "message %q writes the phone number %q: put it in the facts file and write its name, such as {{.CorporationPhone}}", id, n)
		}
		// The length that counts is the one the resident sees.
		if len(m.holders) > 0 {
			text = cat.Format(l.Code, id, facts.data)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(text)); n > limit {
			probs.errorf(cat.files[i], m.line, "message %q is %d characters in %s; %s may have at most %d to fit one kiosk screen", id, n, l.Name, what, limit)
		}
	}
}

// phonePattern is a phone number as a facts file writes it.
var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 -]{1,18}[0-9]$`)

func checkConditions(f *Flow, conds []Condition, line int, probs *Problems) {
	for _, c := range conds {
		s := f.byID[c.Step]
		if s == nil {
			probs.errorf(f.File, line, "if names step %q, which does not exist%s", c.Step, suggest(c.Step, stepIDs(f)))
			continue
		}
		if !s.Kind.asksAnswer() {
			probs.errorf(f.File, line, "if names step %q, which asks nothing (a %s step)", c.Step, s.Kind)
			continue
		}
		for _, v := range c.Values {
			if v == Answered || v == Skipped {
				continue
			}
			if s.Kind != KindChoice && s.Kind != KindMulti {
				probs.errorf(f.File, line, "step %q is not a choice: test it with answered or skipped", c.Step)
				continue
			}
			found := false
			for _, o := range s.Options {
				found = found || o.ID == v
			}
			if !found {
				probs.errorf(f.File, line, "step %q has no option %q", c.Step, v)
			}
		}
	}
}

// successors returns the steps a step can lead to within its flow.
func successors(f *Flow, s *Step) []*Step {
	var out []*Step
	add := func(id string) {
		if t := f.byID[id]; t != nil && !contains(out, t) {
			out = append(out, t)
		}
	}
	for _, o := range s.Options {
		add(o.Next)
	}
	if !allOptionsLead(s) {
		for _, r := range s.Next {
			add(r.Goto)
		}
	}
	return out
}

// terminal reports whether a step ends the flow or leaves it.
func terminal(s *Step) bool {
	if s.Kind == KindEnd {
		return true
	}
	if s.Kind == KindInfo && s.Next == nil && len(s.Options) == 0 {
		return true
	}
	for _, o := range s.Options {
		if o.Flow != "" {
			return true
		}
	}
	return false
}

// checkGraph finds unreachable steps, loops and steps from which no end can
// be reached, and computes how many questions remain from each step. With
// dangling references it reports loops only: the rest would be their echo.
func checkGraph(f *Flow, probs *Problems, dangling bool) {
	start := f.byID[f.Start]
	if start == nil {
		return
	}
	reached := map[*Step]bool{}
	var walk func(*Step)
	walk = func(s *Step) {
		if reached[s] {
			return
		}
		reached[s] = true
		for _, t := range successors(f, s) {
			walk(t)
		}
	}
	walk(start)
	for _, s := range f.Steps {
		if !reached[s] && !dangling {
			probs.errorf(f.File, s.Line, "step %q can never be reached from the start step %q", s.ID, f.Start)
		}
	}

	// An end is reachable from a step when a terminal step is reachable:
	// found backwards from the terminal steps, so loops do not hide it.
	ends := map[*Step]bool{}
	for changed := true; changed; {
		changed = false
		for _, s := range f.Steps {
			if ends[s] {
				continue
			}
			if terminal(s) {
				ends[s], changed = true, true
				continue
			}
			for _, t := range successors(f, s) {
				if ends[t] {
					ends[s], changed = true, true
					break
				}
			}
		}
	}
	for _, s := range f.Steps {
		if reached[s] && !ends[s] && !dangling {
			probs.errorf(f.File, s.Line, "from step %q no end can be reached", s.ID)
		}
	}

	// Depth-first search with colours finds loops; on the way back it
	// computes the most questions left from each step (for progress).
	const (
		white = iota
		grey
		black
	)
	colour := map[*Step]int{}
	var visit func(*Step) bool
	visit = func(s *Step) bool {
		colour[s] = grey
		s.remaining = 0
		for _, t := range successors(f, s) {
			switch colour[t] {
			case grey:
				probs.errorf(f.File, t.Line, "step %q leads back to itself (through %q): flows must not loop; the resident has back for that", t.ID, s.ID)
				return false
			case white:
				if !visit(t) {
					return false
				}
			}
			s.remaining = max(s.remaining, t.remaining)
		}
		if s.Kind.asksAnswer() || s.Kind == KindConfirm {
			s.remaining++
		}
		colour[s] = black
		return true
	}
	for _, s := range f.Steps {
		if colour[s] == white && !visit(s) {
			return
		}
	}
}

func hasConfirm(f *Flow) bool {
	for _, s := range f.Steps {
		if s.Kind == KindConfirm {
			return true
		}
	}
	return false
}
