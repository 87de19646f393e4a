package dialogs

import (
	"encoding/json"
	"unicode/utf8"

	"buurtloket"
)

// Session is where one resident is in the conversation. It is a plain value:
// the engine returns a new one for every step and never keeps it. The channel
// stores it (Encode) so the resident can continue after a reconnect.
type Session struct {
	ID        string     `json:"id"`           // given by the channel; opaque to the engine
	Seq       int        `json:"q,omitempty"`  // grows on restart, so a new submission gets a new key
	Lang      string     `json:"l"`            // language code
	Flow      string     `json:"f"`            // current flow
	Version   string     `json:"v"`            // the current flow's version (content hash)
	Step      string     `json:"s"`            // current step
	History   []Position `json:"h,omitempty"`  // the path so far, for back
	Answers   []Answer   `json:"a,omitempty"`  // all answers given, also those off the path (back keeps them)
	Tries     int        `json:"t,omitempty"`  // wrong answers at the current step
	ReturnTo  string     `json:"r,omitempty"`  // the confirm step to return to after a change
	Emergency bool       `json:"em,omitempty"` // the emergency numbers are open
	Failed    bool       `json:"x,omitempty"`  // the last submission failed
	Ticket    string     `json:"k,omitempty"`  // the ticket code of this conversation's submission
	// The largest number of questions the progress indicator has shown in
	// flow MostIn: a shorter branch never makes the total go backwards.
	Most   int    `json:"pm,omitempty"`
	MostIn string `json:"pf,omitempty"`
}

// Position is a step on the path, with the version of its flow.
type Position struct {
	Flow    string `json:"f"`
	Version string `json:"v"`
	Step    string `json:"s"`
}

// Answer is one answer. Value is an option ID for choices, or the text as
// written (postcode, phone and e-mail normalized); Lang is the language
// free text was written in.
type Answer struct {
	Flow    string   `json:"f"`
	Step    string   `json:"s"`
	Value   string   `json:"v,omitempty"`
	Lang    string   `json:"l,omitempty"`
	Skipped bool     `json:"x,omitempty"`
	Contact *Contact `json:"c,omitempty"`
}

// answer returns the answer to a step, or nil.
func (s *Session) answer(flow, step string) *Answer {
	for i := range s.Answers {
		if s.Answers[i].Flow == flow && s.Answers[i].Step == step {
			return &s.Answers[i]
		}
	}
	return nil
}

// setAnswer records a in a copy of the answers, so earlier session values
// stay as they were.
func (s *Session) setAnswer(a Answer) {
	answers := make([]Answer, 0, len(s.Answers)+1)
	for _, old := range s.Answers {
		if old.Flow != a.Flow || old.Step != a.Step {
			answers = append(answers, old)
		}
	}
	s.Answers = append(answers, a)
}

// onPath reports whether the step is on the current path.
func (s *Session) onPath(flow, step string) bool {
	if s.Flow == flow && s.Step == step {
		return true
	}
	for _, p := range s.History {
		if p.Flow == flow && p.Step == step {
			return true
		}
	}
	return false
}

// push adds the current position to a copy of the history.
func (s *Session) push() {
	h := make([]Position, len(s.History), len(s.History)+1)
	copy(h, s.History)
	s.History = append(h, Position{Flow: s.Flow, Version: s.Version, Step: s.Step})
}

// MaxSessionSize bounds an encoded session: an answer is at most a few KiB
// and a path at most MaxSteps long per flow.
const MaxSessionSize = 64 << 10

// Encode returns the compact form of a session for storage.
func Encode(s Session) ([]byte, error) {
	return json.Marshal(s)
}

// Decode reads a stored session. It checks the form only; the engine checks
// that its flow and step exist when the session is used.
func Decode(data []byte) (Session, error) {
	var s Session
	if len(data) > MaxSessionSize {
		return s, buurtloket.Errorf(buurtloket.ETOOLARGE, "session is %d bytes; at most %d", len(data), MaxSessionSize)
	}
	if !utf8.Valid(data) {
		return s, buurtloket.Errorf(buurtloket.EINVALID, "session is not valid UTF-8")
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return Session{}, buurtloket.Errorf(buurtloket.EINVALID, "session cannot be read: %v", err)
	}
	if s.Flow == "" || s.Step == "" || s.Lang == "" {
		return Session{}, buurtloket.Errorf(buurtloket.EINVALID, "session lacks its flow, step or language")
	}
	if s.Tries < 0 || s.Seq < 0 {
		return Session{}, buurtloket.Errorf(buurtloket.EINVALID, "session has negative counters")
	}
	return s, nil
}

// Submission is a help request as the flow produced it: language-neutral
// (answers are step and option IDs) but for free text, which is kept as
// written and marked with its language.
type Submission struct {
	Key         string // the same for a retried submission: use it to avoid duplicates
	Flow        string
	FlowVersion string
	Topic       buurtloket.Topic
	Priority    buurtloket.Priority
	Handoff     bool   // the resident asked to talk to a person
	Lang        string // the resident's language, for replies
	Anonymous   bool
	Contact     *Contact // only for named requests
	Postcode    string   // the answer to a postcode step, if any
	Answers     []SubmittedAnswer
}

// SubmittedAnswer is one answer in a submission.
type SubmittedAnswer struct {
	Flow    string
	Step    string
	Kind    Kind
	Value   string // option ID, or text as written
	Lang    string // the language of free text
	Skipped bool
}
