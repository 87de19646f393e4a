package buurtloket

import (
	"encoding/json"
	"strings"
	"time"
)

// Prepared is a validated new request made ready to store: ticket and PIN
// drawn, secrets sealed, times set. Every store inserts exactly this.
type Prepared struct {
	NewRequest
	ID            int64 // random (NewID)
	Ticket        string
	PIN           string
	PINHash       string
	PINSealed     []byte
	ContactSealed []byte // nil for anonymous requests
	RouteSealed   []byte // nil without a route
	AnswersJSON   []byte
	Anonymous     bool
	CreatedAt     time.Time
	DueAt         time.Time
}

// Prepare validates r and prepares it for storing at now. Anonymous
// requests keep their time only to the hour, as anonymous-tip practice
// asks: an exact time can tell who was at the kiosk.
func Prepare(r NewRequest, s *Sealer, now time.Time) (*Prepared, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	p := &Prepared{NewRequest: r, Anonymous: r.Contact == nil}
	p.Postcode = pc4(r.Postcode)
	p.CreatedAt = EventTime(p.Anonymous, now)
	p.DueAt = p.CreatedAt.Add(ResponseTime(r.Priority))
	answers := r.Answers
	if answers == nil {
		answers = []Answer{}
	}
	var err error
	if p.AnswersJSON, err = json.Marshal(answers); err != nil {
		return nil, err
	}
	p.Redraw(s)
	return p, nil
}

// Redraw draws a new ID, ticket and PIN and seals again for them; a store
// calls it when an ID or a ticket code happens to be taken already.
func (p *Prepared) Redraw(s *Sealer) {
	p.ID, p.Ticket, p.PIN = NewID(), NewTicket(), NewPIN()
	p.PINHash = s.HashPIN(p.Ticket, p.PIN)
	p.PINSealed = s.Seal([]byte(p.PIN), pinLabel+p.Ticket)
	p.ContactSealed, p.RouteSealed = nil, nil
	if p.Contact != nil {
		data, _ := json.Marshal(p.Contact)
		p.ContactSealed = s.Seal(data, contactLabel+p.Ticket)
	}
	if p.Route != "" {
		p.RouteSealed = s.Seal([]byte(p.Route), routeLabel+p.Ticket)
	}
}

// What is sealed for a request is bound to its ticket code and to what it
// is: a PIN cannot be opened as a contact, nor one request's route as
// another's.
const (
	pinLabel     = "pin:"
	contactLabel = "contact:"
	routeLabel   = "route:"
)

// OpenPIN opens the PIN Prepare sealed for a ticket.
func OpenPIN(s *Sealer, sealed []byte, ticket string) (string, error) {
	pin, err := s.Open(sealed, pinLabel+ticket)
	return string(pin), err
}

// OpenContact opens the contact details Prepare sealed for a ticket.
func OpenContact(s *Sealer, sealed []byte, ticket string) (*Contact, error) {
	plain, err := s.Open(sealed, contactLabel+ticket)
	if err != nil {
		return nil, err
	}
	var c Contact
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// OpenRoute opens the reply route Prepare sealed for a ticket.
func OpenRoute(s *Sealer, sealed []byte, ticket string) (string, error) {
	route, err := s.Open(sealed, routeLabel+ticket)
	return string(route), err
}

// pc4 keeps the four digits of a Dutch postcode: enough for the
// neighbourhood, too little to find a house.
func pc4(postcode string) string {
	postcode = strings.TrimSpace(postcode)
	if len(postcode) >= 4 && strings.Trim(postcode[:4], "0123456789") == "" {
		return postcode[:4]
	}
	return ""
}
