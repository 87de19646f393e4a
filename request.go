package buurtloket

import (
	"context"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channel is where a request came from, and where replies go back to.
type Channel string

const (
	ChannelKiosk    Channel = "kiosk"
	ChannelWeb      Channel = "web"
	ChannelTelegram Channel = "telegram"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	return c == ChannelKiosk || c == ChannelWeb || c == ChannelTelegram
}

// Contact is how a resident who gives their name can be reached. It is
// stored sealed, and only for named requests.
type Contact struct {
	Name  string `json:"n,omitempty"`
	Phone string `json:"p,omitempty"`
	Email string `json:"e,omitempty"`
}

// Answer is one answer of the flow: language-neutral (step and option IDs),
// except free text, which is kept as written with its language.
type Answer struct {
	Flow    string `json:"f"`
	Step    string `json:"s"`
	Kind    string `json:"k"`
	Value   string `json:"v,omitempty"`
	Lang    string `json:"l,omitempty"`
	Skipped bool   `json:"x,omitempty"`
}

// NewRequest is what a channel hands the store when a flow submits.
type NewRequest struct {
	Key         string // the same for a retried submission: never a duplicate
	Topic       Topic
	Priority    Priority
	Handoff     bool // the resident asked to talk to a person
	Channel     Channel
	Lang        string // the resident's language, for replies
	Wijk        string // neighbourhood: the kiosk's, or from the postcode
	Postcode    string // only the four digits are kept
	Contact     *Contact
	Route       string // how to reach the resident on their channel (a chat id); sealed
	Answers     []Answer
	Summary     string // the Dutch summary for staff
	FlowVersion string
}

// Bounds on a new request, far above what a flow produces.
const (
	MaxAnswers     = 200
	MaxAnswerBytes = 8 << 10
	MaxSummary     = 64 << 10
	maxShort       = 200
)

// Validate refuses a request that no flow could have produced, with a
// message that says what is wrong; nothing is stored for it. It cleans
// what the resident wrote (answers, summary, contact details) with
// CleanText, in place, the same on every channel and store.
func (r *NewRequest) Validate() error {
	switch {
	case r.Key == "" || len(r.Key) > maxShort:
		return Errorf(EINVALID, "a request needs a submission key of at most %d bytes", maxShort)
	case !r.Topic.Valid():
		return Errorf(EINVALID, "unknown topic %q", r.Topic)
	case r.Priority.Rank() == 0:
		return Errorf(EINVALID, "unknown priority %q", r.Priority)
	case !r.Channel.Valid():
		return Errorf(EINVALID, "unknown channel %q", r.Channel)
	case r.Lang == "" || len(r.Lang) > 16:
		return Errorf(EINVALID, "a request needs the resident's language")
	case len(r.Answers) > MaxAnswers:
		return Errorf(ETOOLARGE, "%d answers; at most %d", len(r.Answers), MaxAnswers)
	case len(r.Summary) > MaxSummary:
		return Errorf(ETOOLARGE, "the summary is %d bytes; at most %d", len(r.Summary), MaxSummary)
	}
	// Codes and names the program made: no control characters at all.
	ids := []string{r.Key, r.Wijk, r.Postcode, r.FlowVersion, r.Lang}
	for _, a := range r.Answers {
		ids = append(ids, a.Flow, a.Step, a.Kind, a.Lang)
	}
	for _, s := range ids {
		if len(s) > maxShort*4 {
			return Errorf(ETOOLARGE, "a field is longer than %d bytes", maxShort*4)
		}
		if !utf8.ValidString(s) || hasControl(s) {
			return Errorf(EINVALID, "a code or name in the request holds characters it cannot (not UTF-8, or control characters)")
		}
	}
	short := []string{r.Route}
	if r.Contact != nil {
		short = append(short, r.Contact.Name, r.Contact.Phone, r.Contact.Email)
	}
	for _, s := range short {
		if len(s) > maxShort*4 {
			return Errorf(ETOOLARGE, "a field is longer than %d bytes", maxShort*4)
		}
		if !utf8.ValidString(s) {
			return Errorf(EINVALID, "a field is not valid UTF-8")
		}
	}
	if !utf8.ValidString(r.Summary) {
		return Errorf(EINVALID, "the summary is not valid UTF-8")
	}
	for _, a := range r.Answers {
		if len(a.Value) > MaxAnswerBytes {
			return Errorf(ETOOLARGE, "an answer is %d bytes; at most %d", len(a.Value), MaxAnswerBytes)
		}
		if !utf8.ValidString(a.Value) {
			return Errorf(EINVALID, "an answer is not valid UTF-8")
		}
	}
	r.clean()
	if r.Contact != nil && r.Contact.Name == "" {
		return Errorf(EINVALID, "contact details need a name")
	}
	return nil
}

// clean applies CleanText to what the resident wrote. The answers and the
// contact are copied first: they may be the caller's.
func (r *NewRequest) clean() {
	r.Summary = CleanText(r.Summary)
	if r.Answers != nil {
		answers := make([]Answer, len(r.Answers))
		for i, a := range r.Answers {
			a.Value = CleanText(a.Value)
			answers[i] = a
		}
		r.Answers = answers
	}
	if r.Contact != nil {
		r.Contact = &Contact{Name: CleanText(r.Contact.Name), Phone: CleanText(r.Contact.Phone), Email: CleanText(r.Contact.Email)}
	}
}

// Receipt is what the resident gets once the request is durably stored.
type Receipt struct {
	ID        int64
	Ticket    string
	PIN       string // shown once to the resident; stored only hashed
	Duplicate bool   // a retried submission: the first receipt again
}

// Request is a stored help request as staff see it. Contact details and
// the reply route are not in it: they are opened on purpose, and logged.
// Of an anonymous request every time is to the hour (EventTime), and the
// end of its PIN lock rounded up to the hour (PINLock.ToTheHour).
type Request struct {
	ID          int64 // random (NewID): it does not tell when the request came
	Ticket      string
	Topic       Topic
	Priority    Priority
	Status      Status
	Channel     Channel
	Lang        string
	Wijk        string
	Postcode    string
	Anonymous   bool
	Handoff     bool
	Summary     string
	Answers     []Answer
	AssignedTo  string
	FlowVersion string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DueAt       time.Time
	PausedAt    time.Time // zero unless waiting for the resident
	PINLock     PINLock   // wrong PINs tried on its ticket
}

// Overdue reports whether the request is past its due time at now.
func (r *Request) Overdue(now time.Time) bool {
	return r.Status.Open() && r.PausedAt.IsZero() && now.After(r.DueAt)
}

// ResponseTime is how long staff have to pick up a request, by priority.
// Waiting for the resident pauses the clock.
func ResponseTime(p Priority) time.Duration {
	switch p {
	case PriorityUrgent:
		return 24 * time.Hour
	case PriorityHigh:
		return 3 * 24 * time.Hour
	}
	return 5 * 24 * time.Hour
}

// InboxQuery selects a page of the staff inbox: open requests, most urgent
// first (priority, then due time). After continues from the last row of the
// previous page.
type InboxQuery struct {
	Statuses   []Status // default: every open status
	Topic      Topic
	Wijk       string
	NoWijk     bool // only requests without a neighbourhood (no postcode, no kiosk's)
	Channel    Channel
	Assigned   string // an actor (ActorOf)
	Unassigned bool   // only requests assigned to nobody
	Overdue    bool   // only open requests past their due time, clock not paused
	Limit      int    // default 50, at most 200
	After      *InboxCursor
}

// Change is what the console and the follow-up pages hear about as it
// happens, from every instance on the database: a new request, a new
// message in a thread, a new status or assignee, a reply's way to the
// resident. It names the request only.
type Change struct {
	Kind      ChangeKind
	RequestID int64 // 0 with ChangeGap
	// Anonymous is set for an anonymous request: a listener must not date
	// its resident more precisely than the hour (the console holds such a
	// change back), unless ByStaff.
	Anonymous bool
	// ByStaff is set for a change that staff or the delivery worker made
	// (a reply, a status, a reply sent or held), which tells nothing of
	// when the resident was there; a new request, a resident's message
	// and a reply shown on their open page do.
	ByStaff bool
}

// ChangeKind says what changed.
type ChangeKind string

const (
	ChangeRequest ChangeKind = "request" // a new request
	ChangeMessage ChangeKind = "message" // a resident wrote in a request's thread
	ChangeReply   ChangeKind = "reply"   // staff wrote in a request's thread
	ChangeStatus  ChangeKind = "status"  // a request's status changed
	ChangeAssign  ChangeKind = "assign"  // a request was claimed, assigned or given back
	// ChangeDelivery: a staff message's delivery state changed (sent,
	// held, retrying, or shown on the resident's follow-up page).
	ChangeDelivery ChangeKind = "delivery"
	// ChangeGap: changes may have been missed (a lost connection to the
	// database); read the store again.
	ChangeGap ChangeKind = "gap"
)

// Valid tells whether k is a kind a listener hears (ChangeGap is not sent).
func (k ChangeKind) Valid() bool {
	switch k {
	case ChangeRequest, ChangeMessage, ChangeReply, ChangeStatus, ChangeAssign, ChangeDelivery:
		return true
	}
	return false
}

// InboxCounts are the counts beside the inbox's filters: every request
// the store keeps by status, and the open ones by topic, neighbourhood and
// channel, assigned to one actor, to nobody, and overdue.
type InboxCounts struct {
	Status                    map[Status]int
	Topic                     map[Topic]int
	Wijk                      map[string]int
	Channel                   map[Channel]int
	Assigned                  map[string]int // open requests by the actor they are assigned to (none: "")
	Mine, Unassigned, Overdue int
}

// InboxCursor marks where a page ended.
type InboxCursor struct {
	Rank  int
	DueAt time.Time
	ID    int64
}

// InboxPage is one page of the inbox.
type InboxPage struct {
	Requests []*Request
	Next     *InboxCursor // nil on the last page
}

// RequestStore keeps help requests and dialog sessions. The SQLite and
// PostgreSQL implementations pass the same contract tests (storetest).
type RequestStore interface {
	ThreadStore
	PurgeStore
	KioskStore
	AccountStore
	BotStore

	// Changes calls fn with every change, made by this instance or any
	// other on the database, from now until ctx ends; fn must be quick.
	Changes(ctx context.Context, fn func(Change)) error

	// InboxCounts counts requests for the inbox's filters; actor is whose
	// "mine" is.
	InboxCounts(ctx context.Context, actor string) (InboxCounts, error)

	// Submit stores a new request durably before it returns a receipt.
	// A retried submission with the same Key returns the first receipt.
	Submit(ctx context.Context, r NewRequest) (Receipt, error)
	// RequestByTicket finds a request by ticket code and PIN; a wrong code
	// or PIN gives ENOTFOUND, without saying which was wrong. Wrong PINs
	// are counted per ticket, atomically across connections and instances
	// (PINLock.AfterWrongPIN); a locked ticket refuses every PIN, the right
	// one too, with ELOCKED (PINLock.Err), also on the wrong try that locks it.
	RequestByTicket(ctx context.Context, ticket, pin string) (*Request, error)
	// UnlockPIN lifts a ticket's lock and forgets its wrong PINs: a staff
	// action, recorded in the audit trail.
	UnlockPIN(ctx context.Context, id int64, actor string) error
	Request(ctx context.Context, id int64) (*Request, error)
	// RequestByCode finds a request by its ticket code alone: for staff,
	// when a resident reads their code out (to unlock it, say). Residents
	// always need the PIN too (RequestByTicket).
	RequestByCode(ctx context.Context, ticket string) (*Request, error)
	Inbox(ctx context.Context, q InboxQuery) (InboxPage, error)
	// SetStatus moves a request to a new status if the transition is
	// allowed (ECONFLICT otherwise) and records who did it.
	SetStatus(ctx context.Context, id int64, actor string, s Status) error

	// Dialog sessions, so a resident can continue after a reconnect or a
	// restart. Expired sessions are never returned.
	SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error
	LoadSession(ctx context.Context, id string) ([]byte, error)
	DeleteSession(ctx context.Context, id string) error
	PurgeSessions(ctx context.Context) (int, error)

	// Ping checks that the store answers, for health checks.
	Ping(ctx context.Context) error
	Close() error
}

// DueAfterStatus returns the due time and pause time (the zero time for
// none) after a request moves to status next at now: waiting for the
// resident pauses the clock, and leaving it adds the paused time.
func DueAfterStatus(next Status, due, paused, now time.Time) (time.Time, time.Time) {
	switch {
	case next == StatusWaiting && paused.IsZero():
		return due, now
	case next != StatusWaiting && !paused.IsZero():
		return due.Add(now.Sub(paused)), time.Time{}
	}
	return due, paused
}

// CheckSessionID reports what is wrong with the name of a stored dialog
// session, or nil: 1 to 200 bytes of UTF-8 without control characters.
// Every store checks it the same way, so that a NUL is refused alike
// rather than an internal error on one database and "not found" on the
// other.
func CheckSessionID(id string) error {
	if id == "" || len(id) > 200 || !plainWord(id) {
		return Errorf(EINVALID, "a session needs an ID of at most 200 bytes of text without control characters")
	}
	return nil
}

// Check reports what is wrong with an inbox query's filters, or nil: a
// known topic and status, and neighbourhood and staff names of at most 100
// bytes of text without control characters. The console passes what is in
// its address bar; every store refuses the same.
func (q InboxQuery) Check() error {
	if q.Topic != "" && !q.Topic.Valid() {
		return Errorf(EINVALID, "unknown topic %q", q.Topic)
	}
	for _, s := range q.Statuses {
		if !s.Valid() {
			return Errorf(EINVALID, "unknown status %q", s)
		}
	}
	for _, v := range []string{q.Wijk, q.Assigned} {
		if len(v) > 100 || !plainWord(v) {
			return Errorf(EINVALID, "a neighbourhood or staff name is at most 100 bytes of text without control characters")
		}
	}
	if q.Channel != "" && !q.Channel.Valid() {
		return Errorf(EINVALID, "unknown channel %q", q.Channel)
	}
	if q.Unassigned && q.Assigned != "" {
		return Errorf(EINVALID, "requests assigned to someone and to nobody at once")
	}
	if c := q.After; c != nil && (c.DueAt.IsZero() || c.ID <= 0) {
		return Errorf(EINVALID, "a page starts after a request with a due time and an ID")
	}
	return nil
}

// plainWord reports whether s is valid UTF-8 without control characters.
func plainWord(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
