package dialogs

import "buurtloket"

// Kind is what a step asks of the resident, or does.
type Kind string

const (
	KindChoice   Kind = "choice"   // pick one of 2 to 6 options
	KindMulti    Kind = "multi"    // pick one or more of 2 to 6 options, then go on
	KindText     Kind = "text"     // free text up to a maximum length
	KindPostcode Kind = "postcode" // a Dutch postcode, or its four digits
	KindAddress  Kind = "address"  // a house: postcode and house number, or street and house number
	KindPhone    Kind = "phone"    // a Dutch phone number
	KindEmail    Kind = "email"    // an e-mail address
	KindContact  Kind = "contact"  // name plus phone or e-mail; skipping it makes the request anonymous
	KindInfo     Kind = "info"     // a self-help page, with phone numbers or links as actions
	KindConfirm  Kind = "confirm"  // a summary of the answers, each of which can be changed
	KindSubmit   Kind = "submit"   // creates a help request
	KindHandoff  Kind = "handoff"  // creates a request to be contacted by a person
	KindEnd      Kind = "end"      // the last screen
)

var kinds = []Kind{KindChoice, KindMulti, KindText, KindPostcode, KindAddress, KindPhone, KindEmail, KindContact, KindInfo, KindConfirm, KindSubmit, KindHandoff, KindEnd}

// asksAnswer reports whether a step of this kind stores an answer.
func (k Kind) asksAnswer() bool {
	switch k {
	case KindChoice, KindMulti, KindText, KindPostcode, KindAddress, KindPhone, KindEmail, KindContact:
		return true
	}
	return false
}

// Flow IDs with a role in the engine. Every content set must have them.
const (
	FlowStart     = "start"     // the start menu; its options open the other flows
	FlowEmergency = "emergency" // its first step is shown by the global emergency action
	FlowTalk      = "talk"      // opened by the global "talk to a person" action
)

// Flow is one guided conversation, loaded from one file. A Flow is never
// changed after loading: sessions in progress may keep using it.
type Flow struct {
	ID      string
	File    string
	Version string // content hash of the file: a session records it
	Title   string // message ID
	Icon    string
	Topic   buurtloket.Topic
	Start   string
	Steps   []*Step
	MaxTaps int // the most taps from the start menu to an anonymous ticket

	// The most taps from the start menu to a ticket, anonymous and named
	// (0: none), as the path check found them.
	tapsAnonymous, tapsNamed int

	byID    map[string]*Step
	lines   map[string]int // line of each top-level key, for problems
	content *Content       // the texts this version was loaded with
}

// Step returns the step with the given ID, or nil.
func (f *Flow) Step(id string) *Step { return f.byID[id] }

// Taps returns the most taps from the start menu to a ticket in this flow,
// anonymous and named; 0 where the flow makes no such ticket.
func (f *Flow) Taps() (anonymous, named int) { return f.tapsAnonymous, f.tapsNamed }

// Step is one screen of a flow.
type Step struct {
	ID   string
	Kind Kind
	Line int

	Prompt   string // message ID: the question, or the title of a page
	Text     string // message ID: the body of an info or end page
	Reprompt string // message ID: the question reworded, after a first wrong answer
	Example  string // message ID: an example answer, after a second wrong answer
	Label    string // message ID: the answer's short name on the confirm screen ("Postcode")

	Options   []*Option
	Actions   []*Action
	Next      []*Rule // the first rule whose condition holds decides; nil for end steps
	MaxLength int     // text steps
	Optional  bool    // multi, text, postcode, address, phone and e-mail steps may be skipped

	// Submit and hand-off steps.
	Topic         buurtloket.Topic
	Priority      buurtloket.Priority
	PriorityRules []*PriorityRule
	Include       []string // step IDs whose answers go in; empty means all on the path

	// End steps: another text where the resident's answers say so (the
	// first rule that holds), so that an end never promises what the
	// resident's choices ruled out.
	TextRules []*TextRule

	index     int
	remaining int             // the most question steps from here to an end, this one included
	texts     []localizedStep // by language index
}

// Option is one button of a choice or info step.
type Option struct {
	ID    string
	Label string // message ID
	Icon  string
	Next  string // a step ID; empty means the step's own next rules
	Flow  string // opens another flow instead (start menu)
	// On a multi step: this option stands alone ("not yet", "nobody"), so
	// it cannot be chosen together with others.
	Exclusive bool
	Line      int
}

// Action is a phone number or link on an info page.
type Action struct {
	Label string // message ID
	Phone string
	Link  string
	Line  int
}

// Rule sends the resident to Goto when every condition holds.
type Rule struct {
	If   []Condition
	Goto string
	Line int
}

// Condition holds when the answer to Step is one of Values (for a multi
// step: when one of the options chosen is). The values are option IDs, or
// "answered" and "skipped" for any step that asks.
type Condition struct {
	Step   string
	Values []string
}

// Special condition values.
const (
	Answered = "answered"
	Skipped  = "skipped"
)

// PriorityRule raises the priority of a request when its conditions hold.
type PriorityRule struct {
	If       []Condition
	Priority buurtloket.Priority
	Line     int
}

// TextRule gives an end step another text when its conditions hold.
type TextRule struct {
	If   []Condition
	Text string // message ID
	Line int
}
