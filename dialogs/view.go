package dialogs

import "buurtloket"

// View is what a channel shows for one step, already in the resident's
// language. It says nothing about HTML, Telegram or terminals. Views share
// their Options, Actions and UI with the engine: treat them as read-only.
type View struct {
	Flow string
	Step string
	Kind Kind
	Lang string
	RTL  bool

	Prompt string // the question, or the title of a page
	Text   string // the body of an info or end page
	Help   string // after a wrong answer: the question reworded, then an example, then the offer of a person
	Error  string // what was wrong with the last answer
	Notice string // a one-time note, such as that the flow was changed

	Expect    Expect
	Options   []ViewOption
	Selected  string   // the option chosen earlier, when the resident came back
	Chosen    []string // a multi step's options chosen earlier
	Value     string   // the text given earlier
	Contact   *Contact
	MaxLength int  // for text
	Optional  bool // the step can be skipped (contact steps always can)
	Actions   []ViewAction
	Summary   []SummaryItem // confirm steps

	Progress    Progress
	Globals     Globals
	OfferPerson bool   // wrong answers piled up: show "talk to a person" prominently
	Emergency   bool   // the emergency numbers are shown over the step
	Ticket      string // end steps after a submission
	UI          *UIText
}

// Expect is the kind of input a view waits for.
type Expect string

const (
	ExpectChoice  Expect = "choice"  // one of Options
	ExpectChoices Expect = "choices" // one or more of Options (Exclusive ones alone), then continue; skip when Optional
	ExpectText    Expect = "text"    // typed text (Kind says text, postcode, phone or e-mail)
	ExpectContact Expect = "contact" // name plus phone or e-mail, or skip
	ExpectResult  Expect = "result"  // the channel must carry out a submission and report its result
	ExpectNothing Expect = "nothing" // only the global actions
)

// ViewOption is one button.
type ViewOption struct {
	ID        string
	Label     string
	Icon      string
	Exclusive bool // on a multi step: chosen alone
}

// ViewAction is a phone number or link.
type ViewAction struct {
	Label string
	Phone string
	Link  string
}

// SummaryItem is one answer on a confirm step; Step is what Change takes.
type SummaryItem struct {
	Step     string
	Question string
	Answer   string
}

// Progress is how far the resident is: question Done+1 of Total.
type Progress struct {
	Done  int
	Total int
}

// Globals is the set of global actions that apply to a view.
type Globals uint8

const (
	GlobalBack Globals = 1 << iota
	GlobalRestart
	GlobalStop
	GlobalLanguage
	GlobalEmergency
	GlobalPerson
)

// Has reports whether g includes every action in x.
func (g Globals) Has(x Globals) bool { return g&x == x }

// UIText holds the engine's own labels in one language.
type UIText struct {
	Back, Restart, Stop, Language, Emergency, Person string
	Continue, Skip, Send, Change, Retry, Close       string
	Name, Phone, Email, Anonymous                    string
}

// InputType says what an input does.
type InputType string

const (
	InputChoose    InputType = "choose"    // Choice: an option ID; on a multi step Choices, one or more
	InputText      InputType = "text"      // Text
	InputContact   InputType = "contact"   // Contact
	InputSkip      InputType = "skip"      // skip an optional step; on a contact step: stay anonymous
	InputBack      InputType = "back"      // the previous question, with its answer
	InputRestart   InputType = "restart"   // the start menu; answers cleared, language kept
	InputStop      InputType = "stop"      // everything forgotten
	InputLanguage  InputType = "language"  // Lang; answers kept
	InputEmergency InputType = "emergency" // show the emergency numbers
	InputClose     InputType = "close"     // close the emergency numbers
	InputPerson    InputType = "person"    // talk to a person
	InputChange    InputType = "change"    // on a confirm step: change the answer to Step
	InputResult    InputType = "result"    // the channel's report on a submission: Ticket, or Failed
)

// Input is one thing the resident (or the channel, for results) does.
type Input struct {
	Type    InputType
	Choice  string
	Choices []string
	Text    string
	Contact Contact
	Lang    string
	Step    string
	Ticket  string
	Failed  bool
}

// Contact is how a resident who gives their name can be reached.
type Contact = buurtloket.Contact

// EffectKind is what the outside world must do after a step.
type EffectKind string

const (
	EffectSubmit    EffectKind = "submit"    // store Submission; report back with InputResult
	EffectHandoff   EffectKind = "handoff"   // store Submission as a request to talk to a person; report back likewise
	EffectEmergency EffectKind = "emergency" // the emergency numbers are shown (for statistics; never queued)
	EffectForget    EffectKind = "forget"    // the resident stopped: delete the stored session and wipe the screen
	EffectDone      EffectKind = "done"      // the flow reached its end
)

// Effect is one thing to do; Submission is set for submit and hand-off.
type Effect struct {
	Kind       EffectKind
	Submission *Submission
}
