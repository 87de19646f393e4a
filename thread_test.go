package buurtloket

import (
	"strings"
	"testing"
	"time"
)

func TestStatusAfterMessage(t *testing.T) {
	tests := []struct {
		cur    Status
		author Author
		want   Status
		code   string
	}{
		{StatusNew, AuthorStaff, StatusAnswered, ""},
		{StatusWaiting, AuthorStaff, StatusAnswered, ""},
		{StatusAnswered, AuthorStaff, StatusAnswered, ""},
		{StatusNew, AuthorResident, StatusNew, ""},
		{StatusAnswered, AuthorResident, StatusInProgress, ""},
		{StatusWaiting, AuthorResident, StatusInProgress, ""},
		{StatusClosed, AuthorStaff, StatusClosed, ECONFLICT},
		{StatusClosed, AuthorResident, StatusClosed, ECONFLICT},
	}
	for _, tt := range tests {
		got, err := StatusAfterMessage(tt.cur, tt.author)
		if got != tt.want || ErrorCode(err) != tt.code {
			t.Errorf("%s by %s: %s %v, want %s %q", tt.cur, tt.author, got, err, tt.want, tt.code)
		}
		// Every outcome is a status the request may take, or no change.
		if err == nil && got != tt.cur && !tt.cur.CanBecome(got) {
			t.Errorf("%s cannot become %s", tt.cur, got)
		}
	}
}

func TestNewMessage(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 17, 42, 123456789, time.UTC)
	m, err := NewMessage(7, AuthorStaff, "staff:anna", "  We bellen morgen. ", now)
	if err != nil || m.Body != "We bellen morgen." || m.Staff != "staff:anna" || m.Delivery != DeliveryPending || m.CreatedAt.Nanosecond() != 123000000 {
		t.Fatalf("%+v %v", m, err)
	}
	r, err := NewMessage(7, AuthorResident, "ignored", "Dank u", now)
	if err != nil || r.Staff != "" || r.Delivery != "" {
		t.Fatalf("a resident's message names nobody: %+v %v", r, err)
	}
	for _, c := range []struct{ staff, body string }{{"", "x"}, {"staff:anna", " "}, {"staff:anna", "a\xffb"}, {"staff:anna", strings.Repeat("x", MaxMessageChars+1)}} {
		if _, err := NewMessage(7, AuthorStaff, c.staff, c.body, now); err == nil {
			t.Errorf("accepted %q by %q", c.body, c.staff)
		}
	}
	if _, err := NewNote(7, "", "x", now); ErrorCode(err) != EINVALID {
		t.Errorf("a note needs its author: %v", err)
	}
}
