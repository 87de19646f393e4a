// Package dialogs is the dialog engine: it loads and checks flow files and
// their texts, and steps a conversation: (session, input) -> (session', view,
// effects). It does no I/O, reads no clock and starts no goroutines, so every
// channel (kiosk, bot, terminal) gets the same behaviour and tests are exact.
package dialogs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"buurtloket"
)

// keptGenerations is how many content replacements an old flow version
// survives in memory, so conversations in progress finish on it.
const keptGenerations = 8

// Engine steps sessions through flows. It is immutable and safe for
// concurrent use; Replace returns a new engine for new content.
type Engine struct {
	content  *Content
	gen      int
	versions map[string]versioned // flow ID + "@" + version
}

type versioned struct {
	flow *Flow
	gen  int
}

// NewEngine returns an engine serving c.
func NewEngine(c *Content) *Engine { return (*Engine)(nil).Replace(c) }

// Replace returns an engine serving c that still knows the flow versions e
// served, so that a conversation finishes on the version it started.
func (e *Engine) Replace(c *Content) *Engine {
	n := &Engine{content: c, versions: map[string]versioned{}}
	if e != nil {
		n.gen = e.gen + 1
		for k, v := range e.versions {
			if v.gen > n.gen-keptGenerations {
				n.versions[k] = v
			}
		}
	}
	for _, f := range c.Flows() {
		n.versions[f.ID+"@"+f.Version] = versioned{flow: f, gen: n.gen}
	}
	return n
}

// Content returns the content the engine serves.
func (e *Engine) Content() *Content { return e.content }

// Start begins a conversation at the start menu. id is the channel's name
// for the session; lang falls back to the source language.
func (e *Engine) Start(id, lang string) (Session, View) {
	cat := e.content.Catalog
	if _, ok := cat.Language(lang); !ok {
		lang = cat.SourceLanguage()
	}
	f := e.content.Flow(FlowStart)
	s := Session{ID: id, Lang: lang, Flow: f.ID, Version: f.Version, Step: f.Start}
	return s, e.render(&s, f, f.byID[f.Start], "")
}

// Resume shows where a stored session is, moving it to the current flows if
// its version is gone. A submission that was under way is asked for again:
// the channel must carry it out (its Key makes that safe).
func (e *Engine) Resume(s Session) (Session, View, []Effect) {
	f, st, notice := e.locate(&s)
	v := e.render(&s, f, st, "")
	v.Notice = notice
	var effects []Effect
	if (st.Kind == KindSubmit || st.Kind == KindHandoff) && s.Ticket == "" && !s.Failed {
		effects = []Effect{e.submitEffect(&s, f, st)}
	}
	return s, v, effects
}

// Step applies one input. An input that no resident could have sent (too
// large, invalid UTF-8, a result nobody waited for) returns an error and the
// session unchanged; a wrong answer is not an error but a re-prompt.
func (e *Engine) Step(s Session, in Input) (Session, View, []Effect, error) {
	if err := checkInput(in); err != nil {
		return s, View{}, nil, err
	}
	orig := s
	f, st, notice := e.locate(&s)
	var (
		v       View
		effects []Effect
		err     error
	)
	switch in.Type {
	case InputStop:
		s, v = e.Start(s.ID, "")
		s.Seq = orig.Seq + 1
		return s, v, []Effect{{Kind: EffectForget}}, nil
	case InputRestart:
		s, v = e.Start(s.ID, s.Lang)
		s.Seq = orig.Seq + 1
		return s, v, nil, nil
	case InputLanguage:
		if _, ok := e.content.Catalog.Language(in.Lang); !ok {
			return orig, View{}, nil, buurtloket.Errorf(buurtloket.EINVALID, "unknown language %q", in.Lang)
		}
		s.Lang = in.Lang
		v = e.render(&s, f, st, "")
	case InputEmergency:
		s.Emergency = true
		v = e.render(&s, f, st, "")
		effects = []Effect{{Kind: EffectEmergency}}
	case InputClose:
		s.Emergency = false
		v = e.render(&s, f, st, "")
	default:
		if s.Emergency {
			// Whatever the resident does next closes the emergency numbers;
			// back and the close button do nothing else.
			s.Emergency = false
			if in.Type == InputBack || in.Type == InputChoose && in.Choice == OptionClose {
				v = e.render(&s, f, st, "")
				break
			}
		}
		v, effects, err = e.act(&s, f, st, in)
	}
	if err != nil {
		return orig, View{}, nil, err
	}
	if v.Notice == "" {
		v.Notice = notice
	}
	return s, v, effects, nil
}

// act handles the inputs that depend on the step.
func (e *Engine) act(s *Session, f *Flow, st *Step, in Input) (View, []Effect, error) {
	switch in.Type {
	case InputBack:
		if !backAllowed(s, st) {
			return e.render(s, f, st, ""), nil, nil
		}
		p := s.History[len(s.History)-1]
		s.History = s.History[: len(s.History)-1 : len(s.History)-1]
		s.Flow, s.Version, s.Step = p.Flow, p.Version, p.Step
		s.Tries, s.Failed = 0, false
		f, st, _ = e.locate(s)
		if st.ID == s.ReturnTo {
			s.ReturnTo = ""
		}
		return e.render(s, f, st, ""), nil, nil
	case InputPerson:
		if !personAllowed(f, st) {
			return e.render(s, f, st, ""), nil, nil
		}
		talk := e.content.Flow(FlowTalk)
		s.push()
		s.Flow, s.Version, s.Step = talk.ID, talk.Version, talk.Start
		s.Tries, s.ReturnTo = 0, ""
		return e.render(s, talk, talk.byID[talk.Start], ""), nil, nil
	case InputChange:
		target := f.byID[in.Step]
		if st.Kind != KindConfirm || target == nil || !target.Kind.asksAnswer() || !s.onPath(f.ID, target.ID) {
			return View{}, nil, buurtloket.Errorf(buurtloket.EINVALID, "there is no answer %q to change here", in.Step)
		}
		// Rewind the path to the step being changed; walking on passes the
		// steps that still have an answer and comes back here.
		for i := len(s.History) - 1; i >= 0; i-- {
			if p := s.History[i]; p.Flow == f.ID && p.Step == target.ID {
				s.History = s.History[:i:i]
				break
			}
		}
		s.Step, s.Tries, s.ReturnTo = target.ID, 0, st.ID
		return e.render(s, f, target, ""), nil, nil
	case InputResult:
		if st.Kind != KindSubmit && st.Kind != KindHandoff || s.Ticket != "" {
			return View{}, nil, buurtloket.Errorf(buurtloket.ECONFLICT, "no submission is waiting for a result")
		}
		if in.Failed {
			s.Failed = true
			return e.render(s, f, st, msgSubmitFailed), nil, nil
		}
		if in.Ticket == "" {
			return View{}, nil, buurtloket.Errorf(buurtloket.EINVALID, "a result needs a ticket code or failed")
		}
		s.Ticket = in.Ticket
		return e.advance(s, f, st, e.next(s, f, st))
	}
	return e.answer(s, f, st, in)
}

// answer handles an answer to the current step.
func (e *Engine) answer(s *Session, f *Flow, st *Step, in Input) (View, []Effect, error) {
	switch st.Kind {
	case KindChoice, KindInfo:
		if in.Type != InputChoose {
			break
		}
		if st.Kind == KindInfo && len(st.Options) == 0 {
			if in.Choice == OptionContinue && st.Next != nil {
				return e.advance(s, f, st, e.next(s, f, st))
			}
			break
		}
		o := option(st, in.Choice)
		if o == nil {
			break
		}
		// Info buttons are recorded too, so that a change from a confirm
		// step can walk the same way again; only questions are submitted.
		s.setAnswer(Answer{Flow: f.ID, Step: st.ID, Value: o.ID})
		if o.Flow != "" {
			to := e.content.Flow(o.Flow)
			s.push()
			s.Flow, s.Version, s.Step, s.Tries = to.ID, to.Version, to.Start, 0
			return e.render(s, to, to.byID[to.Start], ""), nil, nil
		}
		if o.Next != "" {
			return e.advance(s, f, st, o.Next)
		}
		return e.advance(s, f, st, e.next(s, f, st))
	case KindMulti:
		switch in.Type {
		case InputSkip:
			return e.skip(s, f, st, msgErrChoices)
		case InputChoose:
			value, ok := multiAnswer(st, in)
			if !ok {
				return e.invalid(s, f, st, msgErrChoices)
			}
			s.setAnswer(Answer{Flow: f.ID, Step: st.ID, Value: value})
			return e.advance(s, f, st, e.next(s, f, st))
		}
	case KindConfirm:
		if in.Type == InputChoose && in.Choice == OptionSend {
			return e.advance(s, f, st, e.next(s, f, st))
		}
	case KindText, KindPostcode, KindAddress, KindPhone, KindEmail:
		switch in.Type {
		case InputSkip:
			return e.skip(s, f, st, msgErrEmpty)
		case InputText:
			value, problem := normalizeAnswer(st, in.Text)
			if problem != "" {
				return e.invalid(s, f, st, problem)
			}
			a := Answer{Flow: f.ID, Step: st.ID, Value: value}
			if st.Kind == KindText {
				a.Lang = s.Lang
			}
			s.setAnswer(a)
			return e.advance(s, f, st, e.next(s, f, st))
		}
		return e.invalid(s, f, st, msgErrEmpty)
	case KindContact:
		switch in.Type {
		case InputSkip:
			s.setAnswer(Answer{Flow: f.ID, Step: st.ID, Skipped: true})
			return e.advance(s, f, st, e.next(s, f, st))
		case InputContact:
			c, problem := normalizeContact(in.Contact)
			if problem != "" {
				return e.invalid(s, f, st, problem)
			}
			s.setAnswer(Answer{Flow: f.ID, Step: st.ID, Contact: &c})
			return e.advance(s, f, st, e.next(s, f, st))
		}
		return e.invalid(s, f, st, msgErrName)
	case KindSubmit, KindHandoff:
		if in.Type == InputChoose && in.Choice == OptionRetry && s.Failed {
			s.Failed = false
			return e.render(s, f, st, ""), []Effect{e.submitEffect(s, f, st)}, nil
		}
		// Anything else while a submission is under way changes nothing.
		return e.render(s, f, st, ""), nil, nil
	case KindEnd:
		return e.render(s, f, st, ""), nil, nil
	}
	return e.invalid(s, f, st, msgErrChoice)
}

// skip records that an optional step was skipped and goes on; a step that
// is not optional is asked again with problem.
func (e *Engine) skip(s *Session, f *Flow, st *Step, problem string) (View, []Effect, error) {
	if !st.Optional {
		return e.invalid(s, f, st, problem)
	}
	s.setAnswer(Answer{Flow: f.ID, Step: st.ID, Skipped: true})
	return e.advance(s, f, st, e.next(s, f, st))
}

// invalid re-prompts with help that grows with each wrong answer.
func (e *Engine) invalid(s *Session, f *Flow, st *Step, problem string) (View, []Effect, error) {
	s.Tries++
	return e.render(s, f, st, problem), nil, nil
}

// advance moves to the step next and reports what entering it requires.
func (e *Engine) advance(s *Session, f *Flow, st *Step, next string) (View, []Effect, error) {
	s.push()
	s.Step, s.Tries, s.Failed = next, 0, false
	target := f.byID[next]
	// After a change from a confirm step, steps that still have a valid
	// answer are passed by until the confirm step; a changed branch stops at
	// its first unanswered step.
	for s.ReturnTo != "" {
		if target.ID == s.ReturnTo {
			s.ReturnTo = ""
			break
		}
		next, ok := e.passBy(s, f, target)
		if !ok {
			break
		}
		s.push()
		s.Step = next
		target = f.byID[next]
	}
	var effects []Effect
	switch target.Kind {
	case KindSubmit, KindHandoff:
		effects = []Effect{e.submitEffect(s, f, target)}
	case KindEnd:
		effects = []Effect{{Kind: EffectDone}}
	}
	return e.render(s, f, target, ""), effects, nil
}

// passBy returns where a step already walked leads, when the resident
// returns to a confirm step: questions with a valid answer, and info pages
// (with the button chosen before). Anything else stops the walk.
func (e *Engine) passBy(s *Session, f *Flow, st *Step) (string, bool) {
	if st.Kind == KindInfo && len(st.Options) == 0 {
		return e.next(s, f, st), st.Next != nil
	}
	if !st.Kind.asksAnswer() && st.Kind != KindInfo {
		return "", false
	}
	a := s.answer(f.ID, st.ID)
	if a == nil || !answerFits(st, a) {
		return "", false
	}
	if st.Kind == KindChoice || st.Kind == KindInfo {
		if o := option(st, a.Value); o.Next != "" {
			return o.Next, true
		} else if o.Flow != "" {
			return "", false
		}
	}
	return e.next(s, f, st), true
}

// next evaluates a step's next rules: the first whose conditions hold.
func (e *Engine) next(s *Session, f *Flow, st *Step) string {
	for _, r := range st.Next {
		if holds(s, f, r.If) {
			return r.Goto
		}
	}
	// Load guarantees a last rule without conditions; stay put otherwise.
	return st.ID
}

func holds(s *Session, f *Flow, conds []Condition) bool {
	for _, c := range conds {
		a := s.answer(f.ID, c.Step)
		if a == nil || !s.onPath(f.ID, c.Step) || !meets(a, c.Values) {
			return false
		}
	}
	return true
}

// meets reports whether an answer is one of a condition's values.
func meets(a *Answer, values []string) bool {
	for _, v := range values {
		switch v {
		case Answered:
			if !a.Skipped {
				return true
			}
		case Skipped:
			if a.Skipped {
				return true
			}
		default:
			if !a.Skipped && chose(a.Value, v) {
				return true
			}
		}
	}
	return false
}

// multiAnswer checks the options chosen on a multi step and returns them
// as the stored answer: their IDs in the step's order, joined by commas
// (option IDs are words, so a comma never occurs in one). At least one
// option, none twice, and an exclusive one only alone.
func multiAnswer(st *Step, in Input) (string, bool) {
	chosen := in.Choices
	if len(chosen) == 0 && in.Choice != "" {
		chosen = []string{in.Choice}
	}
	if len(chosen) == 0 {
		return "", false
	}
	picked := make(map[string]bool, len(chosen))
	for _, id := range chosen {
		o := option(st, id)
		if o == nil || picked[id] || o.Exclusive && len(chosen) > 1 {
			return "", false
		}
		picked[id] = true
	}
	ids := make([]string, 0, len(chosen))
	for _, o := range st.Options {
		if picked[o.ID] {
			ids = append(ids, o.ID)
		}
	}
	return strings.Join(ids, ","), true
}

// chose reports whether an answer is, or for a multi step includes, the
// option id.
func chose(value, id string) bool {
	if value == id {
		return true
	}
	for rest := value; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		if part == id {
			return true
		}
	}
	return false
}

func option(st *Step, id string) *Option {
	for _, o := range st.Options {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// answerFits reports whether a stored answer is still a valid answer to st.
func answerFits(st *Step, a *Answer) bool {
	switch {
	case st.Kind == KindInfo:
		return option(st, a.Value) != nil
	case !st.Kind.asksAnswer():
		return false
	case a.Skipped:
		return st.Optional || st.Kind == KindContact
	case st.Kind == KindChoice:
		return option(st, a.Value) != nil
	case st.Kind == KindMulti:
		_, ok := multiAnswer(st, Input{Choices: strings.Split(a.Value, ",")})
		return ok
	case st.Kind == KindContact:
		return a.Contact != nil
	}
	return a.Value != ""
}

func backAllowed(s *Session, st *Step) bool {
	if len(s.History) == 0 || s.Ticket != "" {
		return false
	}
	return st.Kind != KindSubmit && st.Kind != KindHandoff
}

func personAllowed(f *Flow, st *Step) bool {
	switch {
	case f.ID == FlowTalk || f.ID == FlowEmergency:
		return false
	case st.Kind == KindSubmit || st.Kind == KindHandoff || st.Kind == KindEnd:
		return false
	}
	return true
}

// locate finds the session's flow and step. When the session's flow version
// is no longer known (the content changed and the process restarted, or it
// was replaced more than keptGenerations times), the session moves to the
// current version if its step still exists, and otherwise starts that flow
// again with its answers kept; notice then tells the resident.
func (e *Engine) locate(s *Session) (*Flow, *Step, string) {
	cat := e.content.Catalog
	if _, ok := cat.Language(s.Lang); !ok {
		s.Lang = cat.SourceLanguage()
	}
	if v, ok := e.versions[s.Flow+"@"+s.Version]; ok {
		if st := v.flow.byID[s.Step]; st != nil {
			return v.flow, st, ""
		}
	}
	// Keep what still fits the current flows.
	history := make([]Position, 0, len(s.History))
	for _, p := range s.History {
		if _, ok := e.versions[p.Flow+"@"+p.Version]; ok {
			history = append(history, p)
		} else if cur := e.content.Flow(p.Flow); cur != nil && cur.byID[p.Step] != nil {
			history = append(history, Position{Flow: p.Flow, Version: cur.Version, Step: p.Step})
		}
	}
	answers := make([]Answer, 0, len(s.Answers))
	for _, a := range s.Answers {
		if cur := e.content.Flow(a.Flow); cur != nil {
			if st := cur.byID[a.Step]; st != nil && answerFits(st, &a) {
				answers = append(answers, a)
			}
		}
	}
	s.History, s.Answers = history, answers
	s.Tries, s.Emergency, s.Failed = 0, false, false
	if cur := e.content.Flow(s.Flow); cur != nil {
		if st := cur.byID[s.Step]; st != nil {
			s.Version = cur.Version
			return cur, st, ""
		}
	}
	notice := cat.Text(s.Lang, msgFlowChanged)
	cur := e.content.Flow(s.Flow)
	if cur == nil {
		cur = e.content.Flow(FlowStart)
	}
	// Start the flow again, keeping the way in (the start menu).
	kept := s.History[:0]
	for _, p := range s.History {
		if p.Flow == cur.ID {
			break
		}
		kept = append(kept, p)
	}
	s.History = kept
	s.Flow, s.Version, s.Step, s.ReturnTo = cur.ID, cur.Version, cur.Start, ""
	return cur, cur.byID[cur.Start], notice
}

// submitEffect builds the submission for a submit or hand-off step.
func (e *Engine) submitEffect(s *Session, f *Flow, st *Step) Effect {
	sub := &Submission{
		Key:         fmt.Sprintf("%s/%d/%s/%s", s.ID, s.Seq, f.ID, st.ID),
		Flow:        f.ID,
		FlowVersion: f.Version,
		Topic:       st.Topic,
		Priority:    st.Priority,
		Handoff:     st.Kind == KindHandoff,
		Lang:        s.Lang,
	}
	for _, p := range append(s.History, Position{Flow: s.Flow, Version: s.Version, Step: s.Step}) {
		if p.Flow == FlowStart {
			continue
		}
		pf := e.flowAt(p)
		if sub.Topic == "" && pf != nil && pf.Topic != "" && p.Flow != FlowTalk {
			sub.Topic = pf.Topic
		}
		a := s.answer(p.Flow, p.Step)
		if a == nil || pf == nil || pf.byID[p.Step] == nil {
			continue
		}
		if p.Flow == f.ID && len(st.Include) > 0 && !contains(st.Include, p.Step) {
			continue
		}
		kind := pf.byID[p.Step].Kind
		if !kind.asksAnswer() {
			continue
		}
		if kind == KindContact {
			// Contact details come only from the flow that submits: a
			// hand-off's "answer here, anonymously" after a form filled in
			// earlier must stay anonymous. (The talk flow's contact step
			// shows the earlier details, so "call me" costs no typing.)
			if a.Contact != nil && p.Flow == f.ID {
				c := *a.Contact
				sub.Contact = &c
			}
			continue
		}
		if kind == KindPostcode && !a.Skipped {
			sub.Postcode = a.Value
		}
		if kind == KindAddress && !a.Skipped {
			if _, pc, ok := normalizeAddress(a.Value); ok && pc != "" {
				sub.Postcode = pc
			}
		}
		sub.Answers = append(sub.Answers, SubmittedAnswer{Flow: p.Flow, Step: p.Step, Kind: kind, Value: a.Value, Lang: a.Lang, Skipped: a.Skipped})
	}
	if sub.Topic == "" {
		sub.Topic = f.Topic
	}
	if sub.Topic == "" {
		sub.Topic = buurtloket.TopicOther
	}
	sub.Anonymous = sub.Contact == nil
	for _, r := range st.PriorityRules {
		if holds(s, f, r.If) && r.Priority.Rank() > sub.Priority.Rank() {
			sub.Priority = r.Priority
		}
	}
	// A hand-off ("talk to someone") carries the priority that the answers
	// so far earn in the flows the resident came from: their submit steps'
	// rules, evaluated on those answers. A frightened resident presses
	// "talk to someone" exactly where a bailiff's letter made it urgent.
	seen := map[string]bool{f.ID: true, FlowStart: true}
	for _, p := range s.History {
		pf := e.flowAt(p)
		if seen[p.Flow] || pf == nil {
			continue
		}
		seen[p.Flow] = true
		for _, other := range pf.Steps {
			for _, r := range other.PriorityRules {
				if holds(s, pf, r.If) && r.Priority.Rank() > sub.Priority.Rank() {
					sub.Priority = r.Priority
				}
			}
		}
	}
	sub.Key += "/" + contentKey(sub)
	kind := EffectSubmit
	if sub.Handoff {
		kind = EffectHandoff
	}
	return Effect{Kind: kind, Submission: sub}
}

// contentKey sums up what a submission says. Two pages on one stored
// session (two tabs with one cookie) reach the same step with the same
// session ID and sequence number; with different answers they must make
// two requests, never one that drops what the second page typed. A retry
// of the same submission sums up the same, and stays one request.
func contentKey(sub *Submission) string {
	data, _ := json.Marshal(struct {
		A []SubmittedAnswer
		C *Contact
		T buurtloket.Topic
		P buurtloket.Priority
		L string
	}{sub.Answers, sub.Contact, sub.Topic, sub.Priority, sub.Lang})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// flowAt returns the flow version of a position, or the current flow.
func (e *Engine) flowAt(p Position) *Flow {
	if v, ok := e.versions[p.Flow+"@"+p.Version]; ok {
		return v.flow
	}
	return e.content.Flow(p.Flow)
}

// StartFlow begins a conversation directly in a flow, as `flows play` and
// tests do; back at its first step leads nowhere.
func (e *Engine) StartFlow(id, lang, flow string) (Session, View, error) {
	f := e.content.Flow(flow)
	if f == nil {
		return Session{}, View{}, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no flow %q", flow)
	}
	s, _ := e.Start(id, lang)
	s.Flow, s.Version, s.Step = f.ID, f.Version, f.Start
	return s, e.render(&s, f, f.byID[f.Start], ""), nil
}
