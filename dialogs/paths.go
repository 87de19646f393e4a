package dialogs

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"buurtloket"
)

// Tap limits. A resident who reads with trouble, at a kiosk with a child on
// one arm, gives up long before a form is done: from the start menu to a
// ticket takes at most DefaultMaxTaps taps, or the flow's max_taps. A
// named path may take NamedExtraTaps more (the contact details, and the
// resident's own story). docs/flows.md explains how taps are counted.
const (
	DefaultMaxTaps = 8
	MaxMaxTaps     = 12
	NamedExtraTaps = 2

	// maxWalkSteps bounds the work of walking every path of one flow.
	maxWalkSteps = 200000
)

// promisesContact finds a Dutch end text that says staff will call, mail,
// visit or get in touch: such a text may only show on a way where the
// resident gave contact details. It is a heuristic on the source language,
// which every translation follows: staff (wij, we, een medewerker) doing
// something to "u", in either word order, or "u wordt gebeld".
var promisesContact = regexp.MustCompile(`(?i)` +
	`\b(wij|we|een medewerker|de medewerker|medewerkers|iemand)\s+(bel(t|len)|mail(t|en)|sms(t|en)|neem(t|en)|zoek(t|en)|kom(t|en)|stuur(t)?|sturen)\b[^.!?]*\b(u|contact|langs)\b` +
	`|\b(bel(t|len)|mail(t|en)|sms(t|en)|neem(t|en)|zoek(t|en)|kom(t|en)|stuurt|sturen)\s+(wij|we|een medewerker|de medewerker|medewerkers|iemand)\s+(u|contact|langs)\b` +
	`|\bu\s+(wordt|hoort)\s+(gebeld|gemaild|van ons)\b|\bcontact met u\b`)

// pathWalk walks every way through one flow with the engine itself, as a
// resident would: every option that can lead somewhere else, skipping and
// answering where that changes the way, with and without contact details.
// Ways that reach a step in the same state (the answers that still decide
// something, contact given or not, the priority earned) go on alike, so
// each such state is walked once.
type pathWalk struct {
	e     *Engine
	f     *Flow
	probs *Problems
	steps int
	// Per step: the steps whose answers decide, from there on, the way,
	// the end text or the priority.
	decides map[string][]string
	tested  map[string]bool       // steps whose answers any condition tests
	values  map[string][][]string // per step: the value lists conditions test it with
	memo    map[string]rest
	// End texts already reported as false promises, and whether a dropped
	// priority was.
	reported map[string]bool
	dropped  bool
}

// rest is the most taps from a state to a ticket, anonymous and named (-1:
// no such way), and the steps of those ways.
type rest struct {
	anon, named       int
	anonWay, namedWay []string
}

// checkPaths checks, for every flow with a topic, the taps from the start
// menu to each submission, that no end text promises contact on a path
// without contact details, and that a hand-off ("talk to someone") from any
// question keeps the priority the answers so far earn.
func checkPaths(c *Content, probs *Problems) {
	e := NewEngine(c)
	for _, f := range c.Flows() {
		if f.ID == FlowStart || f.ID == FlowEmergency {
			continue
		}
		w := &pathWalk{e: e, f: f, probs: probs, decides: deciders(f), tested: map[string]bool{}, values: map[string][][]string{}, memo: map[string]rest{}, reported: map[string]bool{}}
		for _, st := range f.Steps {
			for _, c := range conditions(st) {
				w.tested[c.Step] = true
				w.values[c.Step] = append(w.values[c.Step], c.Values)
			}
		}
		s, v, err := e.StartFlow("check", c.Catalog.SourceLanguage(), f.ID)
		if err != nil {
			continue
		}
		r := w.walk(s, v, false)
		if w.steps >= maxWalkSteps {
			probs.errorf(f.File, f.lines["id"], "flow %q has too many ways through it to check them all (more than %d steps walked): make fewer answers decide the way", f.ID, maxWalkSteps)
			continue
		}
		// The tile on the start menu (or the "talk to someone" button) is
		// the first tap.
		f.tapsAnonymous, f.tapsNamed = max(r.anon+1, 0), max(r.named+1, 0)
		limit := f.MaxTaps
		if f.tapsAnonymous > limit {
			probs.errorf(f.File, f.lines["id"], "flow %q: an anonymous way from the start menu to a ticket takes %d taps (%s); at most %d (max_taps)", f.ID, f.tapsAnonymous, strings.Join(append([]string{"start"}, r.anonWay...), " → "), limit)
		}
		if f.tapsNamed > limit+NamedExtraTaps {
			probs.errorf(f.File, f.lines["id"], "flow %q: a named way from the start menu to a ticket takes %d taps (%s); at most %d (max_taps + %d)", f.ID, f.tapsNamed, strings.Join(append([]string{"start"}, r.namedWay...), " → "), limit+NamedExtraTaps, NamedExtraTaps)
		}
	}
}

// conditions returns every condition of a step: of its next, text and
// priority rules.
func conditions(st *Step) []Condition {
	var out []Condition
	for _, r := range st.Next {
		out = append(out, r.If...)
	}
	for _, r := range st.TextRules {
		out = append(out, r.If...)
	}
	for _, r := range st.PriorityRules {
		out = append(out, r.If...)
	}
	return out
}

// deciders returns, for each step, the steps whose answers the conditions
// of it and every step after it test: what decides the rest of a way from
// there (the steps, the end text, the priority).
func deciders(f *Flow) map[string][]string {
	out := map[string][]string{}
	var visit func(st *Step) []string
	visit = func(st *Step) []string {
		if d, ok := out[st.ID]; ok {
			return d
		}
		out[st.ID] = nil // flows do not loop (checkGraph); this only guards
		var d []string
		add := func(id string) {
			if !contains(d, id) {
				d = append(d, id)
			}
		}
		for _, c := range conditions(st) {
			add(c.Step)
		}
		for _, t := range successors(f, st) {
			for _, id := range visit(t) {
				add(id)
			}
		}
		sort.Strings(d)
		out[st.ID] = d
		return d
	}
	for _, st := range f.Steps {
		visit(st)
	}
	return out
}

// Sample answers for the walk.
var (
	sampleContact = Contact{Name: "Test", Phone: "0612345678"}
	sampleText    = map[Kind]string{KindText: "x", KindPostcode: "3112 AB", KindAddress: "3112 AB 14", KindPhone: "0612345678", KindEmail: "test@example.org"}
)

func (w *pathWalk) step(s Session, in Input) (Session, View, []Effect, bool) {
	w.steps++
	s2, v, effects, err := w.e.Step(s, in)
	return s2, v, effects, err == nil
}

// earned is the priority this flow's rules give the answers so far.
func (w *pathWalk) earned(s *Session) buurtloket.Priority {
	want := buurtloket.Priority("")
	for _, st := range w.f.Steps {
		for _, r := range st.PriorityRules {
			if holds(s, w.f, r.If) && r.Priority.Rank() > want.Rank() {
				want = r.Priority
			}
		}
	}
	return want
}

// walk returns the most taps from the session's step to a ticket.
func (w *pathWalk) walk(s Session, v View, named bool) rest {
	none := rest{anon: -1, named: -1}
	if w.steps >= maxWalkSteps || s.Flow != w.f.ID {
		return none
	}
	st := w.f.Step(s.Step)
	if st == nil {
		return none
	}
	want := w.earned(&s)
	var key strings.Builder
	key.WriteString(st.ID)
	fmt.Fprintf(&key, "|%v|%s", named, want)
	// What an answer is matters only as far as the conditions tell its
	// values apart: which of them it meets.
	for _, id := range w.decides[st.ID] {
		key.WriteString("|")
		a := s.answer(w.f.ID, id)
		if a == nil || !s.onPath(w.f.ID, id) {
			continue
		}
		for _, values := range w.values[id] {
			if meets(a, values) {
				key.WriteByte('1')
			} else {
				key.WriteByte('0')
			}
		}
	}
	if r, ok := w.memo[key.String()]; ok {
		return r
	}
	r := none
	next := func(in Input, cost int, named bool) {
		s2, v2, effects, ok := w.step(s, in)
		if !ok {
			return
		}
		var child rest
		if sub := submission(effects); sub != nil {
			// The tap that sends is the way's last; the end screen after
			// it is checked, but costs nothing.
			child = rest{anon: -1, named: -1}
			if sub.Contact != nil {
				child.named = 0
			} else {
				child.anon = 0
			}
			if s3, v3, _, ok := w.step(s2, Input{Type: InputResult, Ticket: "CHECK"}); ok {
				w.walk(s3, v3, sub.Contact != nil)
			}
		} else {
			child = w.walk(s2, v2, named)
		}
		if child.anon >= 0 && child.anon+cost > r.anon {
			r.anon, r.anonWay = child.anon+cost, append([]string{st.ID}, child.anonWay...)
		}
		if child.named >= 0 && child.named+cost > r.named {
			r.named, r.namedWay = child.named+cost, append([]string{st.ID}, child.namedWay...)
		}
	}
	if st.Kind.asksAnswer() || st.Kind == KindConfirm || st.Kind == KindInfo {
		w.checkHandoff(s, want)
	}
	switch st.Kind {
	case KindChoice, KindInfo:
		if v.Expect == ExpectNothing {
			w.checkEnd(s, v, named)
			break
		}
		seen := map[string]bool{}
		decides := w.tested[st.ID]
		for _, o := range v.Options {
			// Options that lead the same way cost the same: walk one,
			// unless the answer itself decides something later.
			route := o.ID
			if opt := option(st, o.ID); opt != nil && !decides {
				route = opt.Next + "|" + opt.Flow
			}
			if seen[route] {
				continue
			}
			seen[route] = true
			next(Input{Type: InputChoose, Choice: o.ID}, 1, named)
		}
	case KindMulti:
		// Choosing takes at least two taps: an option, and go on. When
		// conditions test the answer, every combination may go its own
		// way: each exclusive option alone, and every set of the others.
		for _, set := range combinations(st, w.tested[st.ID]) {
			next(Input{Type: InputChoose, Choices: set}, 2, named)
		}
		if st.Optional {
			next(Input{Type: InputSkip}, 1, named)
		}
	case KindText, KindPostcode, KindAddress, KindPhone, KindEmail:
		if st.Optional {
			next(Input{Type: InputSkip}, 1, named)
		}
		if !st.Optional || w.tested[st.ID] {
			next(Input{Type: InputText, Text: sampleText[st.Kind]}, 1, named)
		}
	case KindContact:
		next(Input{Type: InputSkip}, 1, named)
		next(Input{Type: InputContact, Contact: sampleContact}, 1, true)
	case KindConfirm:
		next(Input{Type: InputChoose, Choice: OptionSend}, 1, named)
	case KindEnd:
		w.checkEnd(s, v, named)
	}
	w.memo[key.String()] = r
	return r
}

// combinations returns the answers a multi step can take: all of them when
// all is set (at most 2^6), else one.
func combinations(st *Step, all bool) [][]string {
	var plain []string
	var out [][]string
	for _, o := range st.Options {
		if o.Exclusive {
			out = append(out, []string{o.ID})
		} else {
			plain = append(plain, o.ID)
		}
	}
	if !all {
		if len(plain) > 0 {
			return [][]string{{plain[0]}}
		}
		return out[:1]
	}
	for mask := 1; mask < 1<<len(plain); mask++ {
		var set []string
		for i, id := range plain {
			if mask&(1<<i) != 0 {
				set = append(set, id)
			}
		}
		out = append(out, set)
	}
	return out
}

func submission(effects []Effect) *Submission {
	for _, ef := range effects {
		if ef.Submission != nil {
			return ef.Submission
		}
	}
	return nil
}

// checkEnd reports an end text that promises contact to a resident who gave
// no contact details.
func (w *pathWalk) checkEnd(s Session, v View, named bool) {
	text := v.Prompt + "\n" + v.Text
	if named || !promisesContact.MatchString(text) {
		return
	}
	key := s.Step + "\x00" + text
	if w.reported[key] {
		return
	}
	w.reported[key] = true
	st := w.f.Step(s.Step)
	w.probs.errorf(w.f.File, st.Line, "end step %q shows %q to a resident who gave no contact details; a text that promises a call or mail needs a text_rules entry for {contact: skipped}", st.ID, strings.TrimSpace(text))
}

// checkHandoff presses "talk to someone" and walks the talk flow to its
// hand-off the shortest way: the request must carry at least the priority
// that this flow's rules give the answers so far.
func (w *pathWalk) checkHandoff(s Session, want buurtloket.Priority) {
	if want == "" || w.dropped || w.f.ID == FlowTalk || !personAllowed(w.f, w.f.Step(s.Step)) {
		return
	}
	s, v, _, ok := w.step(s, Input{Type: InputPerson})
	for i := 0; ok && i < MaxSteps; i++ {
		var effects []Effect
		var in Input
		switch {
		case v.Expect == ExpectResult:
			return
		case v.Optional || v.Expect == ExpectContact:
			in = Input{Type: InputSkip}
		case len(v.Options) > 0:
			in = Input{Type: InputChoose, Choice: v.Options[len(v.Options)-1].ID}
		default:
			return
		}
		s, v, effects, ok = w.step(s, in)
		for _, ef := range effects {
			if sub := ef.Submission; sub != nil && sub.Priority.Rank() < want.Rank() {
				w.dropped = true
				w.probs.errorf(w.f.File, w.f.lines["id"], "talk to someone from flow %q makes a request of priority %s, though the answers so far earn %s", w.f.ID, sub.Priority, want)
				return
			} else if sub != nil {
				return
			}
		}
	}
}
