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
//	{"type":"input","input":{"type":"choose","choices":["police","corporation"]}}  (a multi step)
//	{"type":"follow","ticket":"K7QM-3XHD","pin":"1234"}   (I have a ticket code)
//	{"type":"reply","text":"..."}                         (answer staff, while following)
//	{"type":"more","before":123}                          (older messages, while following)
//	{"type":"leave"}                                      (back from the follow-up screen)
//	{"type":"seen","messages":[123,124]}                  (the staff messages the page drew)
//	{"type":"still"}                                      (the resident is still there)
//
// with an input of the engine's types (choose, text, contact, skip, back,
// restart, stop, language, emergency, close, person, change). The server
// sends views, and errors:
//
//	{"type":"view","view":{...},"ui":{...},"strip":[...],"langs":[...],"wipe":true}
//
// (ui, strip and langs only when the language changed since the last view)
//	{"type":"follow","ticket":"K7QM-3XHD","status":"...","messages":[...],"canReply":true}
//
// (also pushed when staff reply or the status changes, with "update":true:
// the newest messages, for the page to put in place)
//	{"type":"error","code":"invalid","message":"..."}

// maxFrame bounds one frame from the page: far above a full contact form.
const maxFrame = 16 << 10

type clientFrame struct {
	Type   string      `json:"type"`
	Input  clientInput `json:"input"`
	Ticket string      `json:"ticket,omitempty"`   // follow
	PIN    string      `json:"pin,omitempty"`      // follow
	Text   string      `json:"text,omitempty"`     // reply
	Before int64       `json:"before,omitempty"`   // more
	Seen   []int64     `json:"messages,omitempty"` // seen
}

// request is what a frame asks: an input for the dialog, following a
// request with its code and PIN, or answering staff on it.
type request struct {
	kind   string // "input", "follow", "reply", "more", "leave", "seen" or "still"
	input  dialogs.Input
	ticket string
	pin    string
	text   string
	before int64
	seen   []int64
}

type clientInput struct {
	Type    string         `json:"type"`
	Choice  string         `json:"choice,omitempty"`
	Choices []string       `json:"choices,omitempty"`
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
func parseFrame(data []byte) (request, error) {
	if len(data) > maxFrame {
		return request{}, buurtloket.Errorf(buurtloket.ETOOLARGE, "a frame may be at most %d bytes", maxFrame)
	}
	if !utf8.Valid(data) {
		return request{}, buurtloket.Errorf(buurtloket.EINVALID, "the frame is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f clientFrame
	if err := dec.Decode(&f); err != nil {
		return request{}, buurtloket.Errorf(buurtloket.EINVALID, "the frame is not a valid message")
	}
	if dec.More() {
		return request{}, buurtloket.Errorf(buurtloket.EINVALID, "one message per frame")
	}
	switch f.Type {
	case "follow":
		if len(f.Ticket) > 32 || len(f.PIN) > 16 {
			return request{}, buurtloket.Errorf(buurtloket.EINVALID, "a ticket code or PIN is too long")
		}
		return request{kind: "follow", ticket: f.Ticket, pin: f.PIN}, nil
	case "reply":
		return request{kind: "reply", text: f.Text}, nil
	case "more":
		if f.Before <= 0 {
			return request{}, buurtloket.Errorf(buurtloket.EINVALID, "more needs the ID of the oldest message shown")
		}
		return request{kind: "more", before: f.Before}, nil
	case "still", "leave":
		return request{kind: f.Type}, nil
	case "seen":
		if len(f.Seen) == 0 || len(f.Seen) > threadPage {
			return request{}, buurtloket.Errorf(buurtloket.EINVALID, "seen names 1 to %d messages", threadPage)
		}
		for _, id := range f.Seen {
			if id <= 0 {
				return request{}, buurtloket.Errorf(buurtloket.EINVALID, "seen names messages by their IDs")
			}
		}
		return request{kind: "seen", seen: f.Seen}, nil
	case "input":
	default:
		return request{}, buurtloket.Errorf(buurtloket.EINVALID, "unknown frame type")
	}
	t, ok := pageInputs[f.Input.Type]
	if !ok {
		return request{}, buurtloket.Errorf(buurtloket.EINVALID, "unknown input type")
	}
	if len(f.Input.Choices) > dialogs.MaxOptions {
		return request{}, buurtloket.Errorf(buurtloket.EINVALID, "at most %d choices", dialogs.MaxOptions)
	}
	in := dialogs.Input{Type: t, Choice: f.Input.Choice, Choices: f.Input.Choices, Text: f.Input.Text, Lang: f.Input.Lang, Step: f.Input.Step}
	if c := f.Input.Contact; c != nil {
		in.Contact = dialogs.Contact{Name: c.Name, Phone: c.Phone, Email: c.Email}
	}
	return request{kind: "input", input: in}, nil
}

// followFrame shows a followed request: its status in plain words and a
// page of the thread (staff names never shown), in the resident's language.
// Older says that older messages remain; Before, that these messages come
// before the ones the page shows (an answer to "more"); Update, that the
// server pushed it (a staff reply, a new status).
type followFrame struct {
	Type     string       `json:"type"`
	Ticket   string       `json:"ticket"`
	Status   string       `json:"status"`
	Messages []messageDTO `json:"messages"`
	Older    bool         `json:"older,omitempty"`
	Before   bool         `json:"before,omitempty"`
	Update   bool         `json:"update,omitempty"`
	CanReply bool         `json:"canReply"`
	UI       *followTexts `json:"ui"`
}

type messageDTO struct {
	ID        int64  `json:"id"`
	FromStaff bool   `json:"fromStaff"`
	Body      string `json:"body"`
	When      string `json:"when"` // 2026-03-02
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
	Say     string `json:"say,omitempty"` // words for the resident, when there are
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
	Chosen      []string     `json:"chosen,omitempty"`
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
	// Speech is the screen read aloud: the addresses of the audio of its
	// prompt, text, error or help, options and actions, in that order;
	// none when read-aloud is off or the language has no voice. Only the
	// flow's own texts: never an answer the resident typed.
	Speech []string `json:"speech,omitempty"`
}

type optionDTO struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Icon      string `json:"icon"`
	Exclusive bool   `json:"exclusive,omitempty"`
	Speech    string `json:"speech,omitempty"` // its label read aloud (a kiosk reads it on a long touch)
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
	QR     string `json:"qr,omitempty"` // an image (data URL) of the follow-up address
}

type languageDTO struct {
	Code string `json:"code"`
	Name string `json:"name"`
	RTL  bool   `json:"rtl"`
}
