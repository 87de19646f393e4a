package buurtloket

import (
	"testing"
	"time"
)

// TestSealedPerTicket: what Prepare seals opens with the same ticket and
// label only: not as another kind of secret, not for another ticket.
func TestSealedPerTicket(t *testing.T) {
	s, err := NewSealer(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(NewRequest{Key: "k1", Topic: TopicMoney, Priority: PriorityNormal, Channel: ChannelTelegram, Lang: "nl",
		Contact: &Contact{Name: "Fatima", Phone: "0612345678"}, Route: "chat:4711", Summary: "Huurachterstand"}, s, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := OpenContact(s, p.ContactSealed, p.Ticket); err != nil || c.Name != "Fatima" || c.Phone != "0612345678" {
		t.Fatalf("contact: %v %+v", err, c)
	}
	if r, err := OpenRoute(s, p.RouteSealed, p.Ticket); err != nil || r != "chat:4711" {
		t.Fatalf("route: %v %q", err, r)
	}
	if pin, err := OpenPIN(s, p.PINSealed, p.Ticket); err != nil || pin != p.PIN {
		t.Fatalf("pin: %v %q", err, pin)
	}
	other := NewTicket()
	for name, err := range map[string]error{
		"a route opened as a contact": func() error { _, err := OpenContact(s, p.RouteSealed, p.Ticket); return err }(),
		"a contact opened as a route": func() error { _, err := OpenRoute(s, p.ContactSealed, p.Ticket); return err }(),
		"a PIN for another ticket":    func() error { _, err := OpenPIN(s, p.PINSealed, other); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
