package kiosk

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"buurtloket"
	"buurtloket/dialogs"
)

// The WebSocket protocol. The page sends one kind of frame:
//
//	{"type":"input","input":{"type":"choose","choice":"rent"}}
//
// with an input of the engine's types (choose, text, contact, skip, back,
// restart, stop, language, emergency, close, person, change). The server
// sends views, and errors:
//
//	{"type":"view","view":{...},"ui":{...},"strip":[...],"langs":[...],"wipe":true}
//
// (ui, strip and langs only when the language changed since the last view)
//	{"type":"error","code":"invalid","message":"..."}

// maxFrame bounds one frame from the page: far above a full contact form.
const maxFrame = 16 << 10

type clientFrame struct {
	Type  string      `json:"type"`
	Input clientInput `json:"input"`
}

type clientInput struct {
	Type    string         `json:"type"`
	Choice  string         `json:"choice,omitempty"`
	Text    string         `json:"text,omitempty"`
	Contact *clientContact `json:"contact,omitempty"`
	Lang    string         `json:"lang,omitempty"`
	Step    string         `json:"step,omitempty"`
}

type clientContact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// pageInputs are the inputs the page may send; InputResult is the
// channel's own report on a submission, never the page's.
var pageInputs = map[string]dialogs.InputType{
	"choose": dialogs.InputChoose, "text": dialogs.InputText, "contact": dialogs.InputContact,
	"skip": dialogs.InputSkip, "back": dialogs.InputBack, "restart": dialogs.InputRestart,
	"stop": dialogs.InputStop, "language": dialogs.InputLanguage, "emergency": dialogs.InputEmergency,
	"close": dialogs.InputClose, "person": dialogs.InputPerson, "change": dialogs.InputChange,
}

// parseFrame reads one frame from the page. It refuses, with a message for
// the log and the error frame, anything the page would not send.
func parseFrame(data []byte) (dialogs.Input, error) {
	if len(data) > maxFrame {
		return dialogs.Input{}, buurtloket.Errorf(buurtloket.ETOOLARGE, "a frame may be at most %d bytes", maxFrame)
	}
	if !utf8.Valid(data) {
		return dialogs.Input{}, buurtloket.Errorf(buurtloket.EINVALID, "the frame is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f clientFrame
	if err := dec.Decode(&f); err != nil {
		return dialogs.Input{}, buurtloket.Errorf(buurtloket.EINVALID, "the frame is not a valid message")
	}
	if dec.More() {
		return dialogs.Input{}, buurtloket.Errorf(buurtloket.EINVALID, "one message per frame")
	}
	if f.Type != "input" {
		return dialogs.Input{}, buurtloket.Errorf(buurtloket.EINVALID, "unknown frame type")
	}
	t, ok := pageInputs[f.Input.Type]
	if !ok {
		return dialogs.Input{}, buurtloket.Errorf(buurtloket.EINVALID, "unknown input type")
	}
	in := dialogs.Input{Type: t, Choice: f.Input.Choice, Text: f.Input.Text, Lang: f.Input.Lang, Step: f.Input.Step}
	if c := f.Input.Contact; c != nil {
		in.Contact = dialogs.Contact{Name: c.Name, Phone: c.Phone, Email: c.Email}
	}
	return in, nil
}

// Frames to the page.

type viewFrame struct {
	Type    string        `json:"type"`
	View    viewDTO       `json:"view"`
	UI      *pageTexts    `json:"ui,omitempty"`
	Strip   []actionDTO   `json:"strip,omitempty"`
	Langs   []languageDTO `json:"langs,omitempty"`
	Receipt *receiptDTO   `json:"receipt,omitempty"`
	Wipe    bool          `json:"wipe,omitempty"`
}

type errorFrame struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type viewDTO struct {
	Flow        string       `json:"flow"`
	Step        string       `json:"step"`
	Kind        string       `json:"kind"`
	Lang        string       `json:"lang"`
	RTL         bool         `json:"rtl"`
	Prompt      string       `json:"prompt"`
	Text        string       `json:"text,omitempty"`
	Help        string       `json:"help,omitempty"`
	Error       string       `json:"error,omitempty"`
	Notice      string       `json:"notice,omitempty"`
	Expect      string       `json:"expect"`
	Options     []optionDTO  `json:"options,omitempty"`
	Selected    string       `json:"selected,omitempty"`
	Value       string       `json:"value,omitempty"`
	Contact     *contactDTO  `json:"contact,omitempty"`
	MaxLength   int          `json:"maxLength,omitempty"`
	Optional    bool         `json:"optional,omitempty"`
	Actions     []actionDTO  `json:"actions,omitempty"`
	Summary     []summaryDTO `json:"summary,omitempty"`
	Progress    string       `json:"progress,omitempty"`
	Globals     []string     `json:"globals"`
	OfferPerson bool         `json:"offerPerson,omitempty"`
	Emergency   bool         `json:"emergency,omitempty"`
	Ticket      string       `json:"ticket,omitempty"`
}

type optionDTO struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Icon  string `json:"icon"`
}

type actionDTO struct {
	Label string `json:"label"`
	Phone string `json:"phone,omitempty"`
	Link  string `json:"link,omitempty"`
}

type summaryDTO struct {
	Step     string `json:"step"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

type contactDTO struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

type receiptDTO struct {
	Ticket string `json:"ticket"`
	PIN    string `json:"pin,omitempty"`
}

type languageDTO struct {
	Code string `json:"code"`
	Name string `json:"name"`
	RTL  bool   `json:"rtl"`
}
