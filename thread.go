package buurtloket

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Author says who wrote a message in a request's thread.
type Author string

const (
	AuthorResident Author = "resident"
	AuthorStaff    Author = "staff"
)

// DeliveryState is how far a staff message is on its way to the resident;
// the console shows it.
type DeliveryState string

const (
	DeliveryPending  DeliveryState = "pending"  // in the outbox, not yet tried
	DeliveryRetrying DeliveryState = "retrying" // a try failed; it will be tried again
	DeliverySent     DeliveryState = "sent"     // the resident's channel took it
	DeliveryHeld     DeliveryState = "held"     // no way to push it: the resident reads it with the ticket code
	// DeliveryUndeliverable: the channel refused it for good (the resident
	// blocked the bot); the resident can still read it with the code.
	DeliveryUndeliverable DeliveryState = "undeliverable"
)

// Message is one message in a request's thread. Its ID is random; a
// thread comes back in the order it was written. Of an anonymous request,
// CreatedAt is to the hour, as for notes and audit entries.
type Message struct {
	ID        int64
	RequestID int64
	Author    Author
	Staff     string // who wrote it, for staff messages; never shown to residents
	Body      string
	CreatedAt time.Time
	Delivery  DeliveryState // staff messages only
	Canned    string        // the canned reply a staff message is, by ID ("" for free text)
	Attempts  int
	LastError string
}

// Note is an internal note: staff only, never shown to the resident.
type Note struct {
	ID        int64
	RequestID int64
	Staff     string
	Body      string
	CreatedAt time.Time
}

// AuditEntry is one line of the append-only audit trail.
type AuditEntry struct {
	ID        int64
	RequestID int64 // 0 for entries about no single request, such as a purge
	Actor     string
	Action    string
	Detail    string
	At        time.Time
	Ticket    string // the request's code, in a listing across requests ("" once purged)
}

// Sensitive actions on a request, which a privacy officer reviews across
// requests (ThreadStore.SensitiveActions).
const (
	AuditViewedContact = "viewed contact"
	AuditPINUnlocked   = "pin unlocked"
)

// Delivery is a staff message that the delivery worker must bring to the
// resident's channel. Route is unsealed only here.
type Delivery struct {
	ID        int64 // the outbox entry
	RequestID int64
	MessageID int64
	Ticket    string
	Channel   Channel
	Route     string // empty: the channel cannot be reached, the resident reads it with the code
	Lang      string
	Body      string
	Attempts  int
}

// MaxMessageChars bounds a message or note.
const MaxMessageChars = 4000

// Bounds on a thread, so that no request grows without end: a resident may
// write MaxUnanswered messages before staff answer, and a thread holds
// MaxThread messages in all (about 2 MB at most).
const (
	MaxUnanswered = 20
	MaxThread     = 500
)

// CheckText validates the body of a message or note and returns it as it
// is stored: cleaned (CleanText) and trimmed.
func CheckText(body string) (string, error) {
	if !utf8.ValidString(body) {
		return "", Errorf(EINVALID, "the text is not valid UTF-8")
	}
	if body = CleanText(body); body == "" {
		return "", Errorf(EINVALID, "the text is empty: it holds no letters, digits or signs that can be shown")
	}
	if n := utf8.RuneCountInString(body); n > MaxMessageChars {
		return "", Errorf(ETOOLARGE, "the text is %d characters; at most %d", n, MaxMessageChars)
	}
	return body, nil
}

// CheckActor validates who does something in the console.
func CheckActor(actor string) error {
	if actor == "" || len(actor) > 100 || !utf8.ValidString(actor) || hasControl(actor) {
		return Errorf(EINVALID, "the action needs who did it")
	}
	return nil
}

// CheckAssignee validates whom a request is given to ("" for nobody).
func CheckAssignee(assignee string) error {
	if len(assignee) > 100 || !utf8.ValidString(assignee) || hasControl(assignee) {
		return Errorf(EINVALID, "the assignee's name is too long, or holds characters a name cannot")
	}
	return nil
}

// ThreadStore keeps what staff and residents say about a request. It is
// part of every RequestStore.
type ThreadStore interface {
	// Reply adds a staff message, and in the same transaction an outbox
	// entry that brings it to the resident; the request becomes answered.
	Reply(ctx context.Context, id int64, actor, body string) (*Message, error)
	// CannedReply is Reply with a canned reply's text, in the resident's
	// language; canned is its ID, so that staff see which one was sent.
	CannedReply(ctx context.Context, id int64, actor, canned, body string) (*Message, error)
	// StaffReply is CannedReply (canned "" for free text) sent from a page
	// that showed seen as the thread's newest message (0: none). When the
	// thread's newest message is another than seen and is this one (the
	// same staff member, canned reply and text), the same form was sent
	// twice (a double click, two tabs, a reload that posts again): the
	// resident gets it once, and StaffReply returns that message with
	// repeat set. The check and the write are one transaction.
	StaffReply(ctx context.Context, id int64, actor, canned, body string, seen int64) (m *Message, repeat bool, err error)
	// ResidentReply adds the resident's answer, found by code and PIN as
	// RequestByTicket finds it (wrong PINs count); the request goes back to
	// staff (in progress), and the clock runs again. A thread takes at most
	// MaxUnanswered resident messages in a row and MaxThread in all: more
	// gives ELIMITED.
	ResidentReply(ctx context.Context, ticket, pin, body string) (*Message, error)
	Thread(ctx context.Context, id int64) ([]*Message, error)
	// ThreadPage returns the last limit messages of a thread before the
	// message with ID before (0: the newest), oldest first, and whether
	// older ones remain. A page holds 1 to MaxThreadPage messages (EINVALID
	// otherwise); a before that is not in this thread gives ENOTFOUND.
	ThreadPage(ctx context.Context, id int64, before int64, limit int) ([]*Message, bool, error)
	AddNote(ctx context.Context, id int64, actor, body string) (*Note, error)
	Notes(ctx context.Context, id int64) ([]*Note, error)
	Assign(ctx context.Context, id int64, actor, assignee string) error
	// Contact opens the contact details of a named request, and records
	// who looked. An anonymous request has none: ENOTFOUND.
	Contact(ctx context.Context, id int64, actor string) (*Contact, error)
	Audit(ctx context.Context, id int64) ([]*AuditEntry, error)
	// SensitiveActions returns limit (1 to 1000) entries of every
	// request's audit trail that a privacy officer reviews: contact
	// details viewed and PIN locks lifted, newest first, by actor when
	// actor is not "", each with its request's ticket code; before an
	// entry (the last of the previous page) when before is not nil.
	SensitiveActions(ctx context.Context, actor string, before *AuditEntry, limit int) ([]*AuditEntry, error)

	// ClaimDeliveries takes up to limit due outbox entries for lease (so
	// that other workers, in this process or another, leave them alone).
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*Delivery, error)
	// DeliveryDone records how a message's way ended: sent, held for the
	// resident to read with the code, or undeliverable on its channel.
	DeliveryDone(ctx context.Context, outboxID int64, state DeliveryState) error
	// ForgetRoute removes the way back to the resident on request id when
	// it is route (the resident asked the channel to forget them); staff
	// replies are then held for the code.
	ForgetRoute(ctx context.Context, id int64, route string) error
	// DeliveryFailed records a failed try and when to try again.
	DeliveryFailed(ctx context.Context, outboxID int64, reason string, retryAt time.Time) error
	// ShownToResident records that the resident's follow-up page was sent
	// these staff messages of request id: a held one, and one still in the
	// outbox of a request without a route (the delivery worker would only
	// hold it), counts as delivered, and its outbox entry goes. Others
	// (on their way to a chat) are left to the delivery worker. It
	// returns how many it marked.
	ShownToResident(ctx context.Context, id int64, messageIDs []int64) (int, error)
}

// DeliveryReason bounds why a delivery failed, as shown in the console. A
// sender gives a reason without personal data (a status, not a chat id).
func DeliveryReason(reason string) string {
	reason = CleanText(reason)
	if len(reason) > 200 {
		reason = reason[:200]
	}
	return strings.ToValidUTF8(reason, "")
}

// NewMessage validates a message for a request's thread and returns it
// ready to store. Staff messages name their author and start pending
// delivery; a resident's message names nobody.
func NewMessage(requestID int64, author Author, staff, body string, now time.Time) (*Message, error) {
	body, err := CheckText(body)
	if err != nil {
		return nil, err
	}
	m := &Message{RequestID: requestID, Author: author, Body: body, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	if author == AuthorStaff {
		if err := CheckActor(staff); err != nil {
			return nil, err
		}
		m.Staff, m.Delivery = staff, DeliveryPending
	}
	return m, nil
}

// NewNote validates an internal note and returns it ready to store.
func NewNote(requestID int64, staff, body string, now time.Time) (*Note, error) {
	body, err := CheckText(body)
	if err != nil {
		return nil, err
	}
	if err := CheckActor(staff); err != nil {
		return nil, err
	}
	return &Note{RequestID: requestID, Staff: staff, Body: body, CreatedAt: now.UTC().Truncate(time.Millisecond)}, nil
}

// StatusAfterMessage says what a request in status cur becomes when someone
// writes in its thread: a staff reply answers it; the resident's answer
// brings it back to staff (a new request stays new). A closed request takes
// no messages.
func StatusAfterMessage(cur Status, author Author) (Status, error) {
	switch {
	case cur == StatusClosed && author == AuthorStaff:
		return cur, Errorf(ECONFLICT, "the request is closed: reopen it to reply")
	case cur == StatusClosed:
		return cur, Errorf(ECONFLICT, "the request is closed")
	case author == AuthorStaff:
		return StatusAnswered, nil
	case cur == StatusNew:
		return StatusNew, nil
	}
	return StatusInProgress, nil
}

// CheckThreadRoom refuses a message for a thread that holds total
// messages, unanswered of them the resident's since staff last wrote.
func CheckThreadRoom(author Author, total, unanswered int) error {
	if total >= MaxThread {
		return Errorf(ELIMITED, "this conversation holds %d messages, the most it can: continue by phone, or in a new request", MaxThread)
	}
	if author == AuthorResident && unanswered >= MaxUnanswered {
		return Errorf(ELIMITED, "%d messages are waiting for an answer: please wait until staff answer", unanswered)
	}
	return nil
}

// MaxThreadPage bounds a page of a thread.
const MaxThreadPage = 100

// CheckThreadPage validates the size of a page of a thread.
func CheckThreadPage(limit int) error {
	if limit < 1 || limit > MaxThreadPage {
		return Errorf(EINVALID, "a page of a thread has between 1 and %d messages", MaxThreadPage)
	}
	return nil
}

// CannedID reports whether id can name a canned reply ("" for none): at
// most 40 lower case letters, digits and _, as dialogs.Reply IDs are.
func CannedID(id string) bool {
	if len(id) > 40 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
