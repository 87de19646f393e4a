package buurtloket

import (
	"fmt"
	"time"
)

// Guessing a PIN. A ticket code and its four-digit PIN open a request; the
// store counts wrong PINs per ticket (across connections, channels and
// instances on one database) and locks the ticket after a few, for longer
// each time, until staff unlock it; and after MaxLifetimeWrongPINs in the
// ticket's whole life, for good, whatever staff do. The arithmetic is in
// docs/storage.md: a guesser compares at most 10 of the 10,000 PINs over
// the ticket's life, a chance of at most 1 in 1,000.
const (
	FreeWrongPINs        = 5  // a resident who mistypes gets this many before a wait
	MaxWrongPINs         = 8  // after this many (since an unlock) only staff can unlock the ticket
	MaxLifetimeWrongPINs = 10 // after this many in all the ticket stays locked: no unlock resets it
)

// PINLock is where a ticket stands with wrong PINs. Staff see it on the
// request; the resident sees only how long to wait.
type PINLock struct {
	Wrong     int       // wrong PINs since the request was made or staff last unlocked it
	Total     int       // wrong PINs in the ticket's whole life: no unlock resets it
	Until     time.Time // locked until then; zero when not locked for a time
	StaffOnly bool      // locked until staff unlock it
}

// Locked reports whether the ticket refuses every PIN at now.
func (l PINLock) Locked(now time.Time) bool {
	return l.StaffOnly || l.Spent() || now.Before(l.Until)
}

// Spent reports whether the ticket has had all the wrong PINs of its life:
// it stays locked, and staff cannot unlock it (they answer the resident in
// the thread, or reach a named resident another way).
func (l PINLock) Spent() bool { return l.Total >= MaxLifetimeWrongPINs }

// Unlocked returns the lock once staff lift it: the wrong PINs since the
// last unlock are forgotten, those of the ticket's life are not; a spent
// ticket cannot be unlocked (ECONFLICT).
func (l PINLock) Unlocked() (PINLock, error) {
	if l.Spent() {
		return l, Errorf(ECONFLICT, "this code had %d wrong PINs in its life: it stays locked; answer the resident in the thread, or reach them another way", l.Total)
	}
	return PINLock{Total: l.Total}, nil
}

// AfterWrongPIN returns the lock after one more wrong PIN at now: the
// first FreeWrongPINs cost nothing, then the ticket is locked for 15
// minutes, an hour and a day, and after MaxWrongPINs until staff unlock it;
// after MaxLifetimeWrongPINs in all, for good.
func (l PINLock) AfterWrongPIN(now time.Time) PINLock {
	l.Wrong++
	l.Total++
	switch {
	case l.Wrong >= MaxWrongPINs || l.Spent():
		l.Until, l.StaffOnly = time.Time{}, true
	case l.Wrong > FreeWrongPINs+1:
		l.Until = now.Add(24 * time.Hour)
	case l.Wrong > FreeWrongPINs:
		l.Until = now.Add(time.Hour)
	case l.Wrong == FreeWrongPINs:
		l.Until = now.Add(15 * time.Minute)
	}
	return l
}

// Err is the refusal a locked ticket gives, for the resident's channel to
// put in words (how long to wait, that staff can help).
func (l PINLock) Err() error {
	if l.StaffOnly {
		return &Error{Code: ELOCKED, Message: "too many wrong PINs: staff can unlock this code"}
	}
	return &Error{Code: ELOCKED, Message: "too many wrong PINs: try again later", Until: l.Until}
}

// NoSuchTicket is the refusal for a code that is unknown or malformed, and
// for a wrong PIN: the same words for each, so that a guesser cannot tell
// which was wrong.
func NoSuchTicket() error {
	return &Error{Code: ENOTFOUND, Message: "no request has this code and PIN"}
}

// WellFormedPIN reports whether pin could be a PIN at all (four digits). A
// store refuses any other as NoSuchTicket without counting it: it cannot
// be right, so it costs a guesser nothing and a resident who mistyped no try.
func WellFormedPIN(pin string) bool {
	if len(pin) != 4 {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	return true
}

// Try decides one PIN tried at now on a ticket whose lock is l. A store
// calls it inside the write transaction that holds the ticket's row, so
// that concurrent tries are counted one after the other. A locked ticket
// refuses without comparing (matches is not called); a wrong PIN counts.
// It returns the lock to store (when it differs from l) and the refusal:
// nil for the right PIN, NoSuchTicket for a wrong one, and Err for a locked
// ticket, also on the wrong try that locks it.
func (l PINLock) Try(now time.Time, matches func() bool) (PINLock, error) {
	if l.Locked(now) {
		return l, l.Err()
	}
	if matches() {
		return l, nil
	}
	next := l.AfterWrongPIN(now)
	if next.Locked(now) {
		return next, next.Err()
	}
	return next, NoSuchTicket()
}

// Describe says how long a lock that starts at now holds, for the audit
// trail: "15m", "1h", "24h", "staff" or "for good". It says nothing
// about who tried.
func (l PINLock) Describe(now time.Time) string {
	switch d := l.Until.Sub(now).Round(time.Minute); {
	case l.Spent():
		return "for good"
	case l.StaffOnly:
		return "staff"
	case d <= 0:
		return "none"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	default:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
}

// ToTheHour is the lock as staff see it on an anonymous request: its end
// rounded up to the hour. The store keeps the exact end to enforce it,
// and the resident who tried is told the exact end (Err).
func (l PINLock) ToTheHour() PINLock {
	if t := l.Until.UTC().Truncate(time.Hour); t.Before(l.Until) {
		l.Until = t.Add(time.Hour)
	}
	return l
}
