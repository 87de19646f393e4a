package buurtloket

import (
	"testing"
	"time"
)

func TestPINLockTry(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 17, 42, 0, time.UTC)
	right := func() bool { return true }
	wrong := func() bool { return false }
	never := func() bool { t.Fatal("a locked ticket compared a PIN"); return false }
	tests := []struct {
		name    string
		lock    PINLock
		matches func() bool
		want    PINLock
		code    string
	}{
		{"right", PINLock{Wrong: 3, Total: 3}, right, PINLock{Wrong: 3, Total: 3}, ""},
		{"wrong", PINLock{Wrong: 3, Total: 3}, wrong, PINLock{Wrong: 4, Total: 4}, ENOTFOUND},
		{"the wrong one that locks", PINLock{Wrong: 4, Total: 4}, wrong, PINLock{Wrong: 5, Total: 5, Until: now.Add(15 * time.Minute)}, ELOCKED},
		{"locked for a time", PINLock{Wrong: 5, Total: 5, Until: now.Add(time.Minute)}, never, PINLock{Wrong: 5, Total: 5, Until: now.Add(time.Minute)}, ELOCKED},
		{"the time is up", PINLock{Wrong: 5, Total: 5, Until: now}, right, PINLock{Wrong: 5, Total: 5, Until: now}, ""},
		{"wrong after a wait", PINLock{Wrong: 5, Total: 5, Until: now}, wrong, PINLock{Wrong: 6, Total: 6, Until: now.Add(time.Hour)}, ELOCKED},
		{"the last wrong one", PINLock{Wrong: 7, Total: 7, Until: now}, wrong, PINLock{Wrong: 8, Total: 8, StaffOnly: true}, ELOCKED},
		{"staff only", PINLock{Wrong: 8, Total: 8, StaffOnly: true}, never, PINLock{Wrong: 8, Total: 8, StaffOnly: true}, ELOCKED},
		// After an unlock the schedule starts again, but the life's count goes on.
		{"wrong after an unlock", PINLock{Total: 8}, wrong, PINLock{Wrong: 1, Total: 9}, ENOTFOUND},
		{"the life's last wrong one", PINLock{Wrong: 1, Total: 9}, wrong, PINLock{Wrong: 2, Total: 10, StaffOnly: true}, ELOCKED},
		{"spent", PINLock{Wrong: 0, Total: 10}, never, PINLock{Wrong: 0, Total: 10}, ELOCKED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.lock.Try(now, tt.matches)
			if got != tt.want || ErrorCode(err) != tt.code {
				t.Fatalf("%+v %v, want %+v %q", got, err, tt.want, tt.code)
			}
			if until, ok := Until(err); tt.code == ELOCKED && (!ok || !until.Equal(got.Until)) {
				t.Fatalf("locked until %v, want %v", until, got.Until)
			}
			if tt.code == ENOTFOUND && ErrorMessage(err) != ErrorMessage(NoSuchTicket()) {
				t.Fatalf("a wrong PIN says %q", ErrorMessage(err))
			}
		})
	}
}

// TestPINLockUnlocked: an unlock forgets the wrong PINs since the last
// one, never those of the ticket's life; a spent ticket stays locked.
func TestPINLockUnlocked(t *testing.T) {
	got, err := PINLock{Wrong: 8, Total: 8, StaffOnly: true}.Unlocked()
	if err != nil || got != (PINLock{Total: 8}) {
		t.Fatalf("unlocked: %+v %v", got, err)
	}
	if _, err := (PINLock{Wrong: 2, Total: MaxLifetimeWrongPINs, StaffOnly: true}).Unlocked(); ErrorCode(err) != ECONFLICT {
		t.Fatalf("a spent ticket was unlocked: %v", err)
	}
	// The arithmetic of docs/storage.md: whatever staff do, a guesser
	// compares at most MaxLifetimeWrongPINs PINs with a ticket.
	now := time.Date(2026, 3, 2, 10, 17, 42, 0, time.UTC)
	lock, compared := PINLock{}, 0
	for i := 0; i < 100; i++ {
		next, err := lock.Try(now, func() bool { compared++; return false })
		if ErrorCode(err) == ELOCKED && next.Locked(now) {
			if u, err := next.Unlocked(); err == nil {
				next = u // staff unlock it every time
			}
		}
		lock = next
		now = now.Add(25 * time.Hour) // every wait is over
	}
	if compared != MaxLifetimeWrongPINs {
		t.Fatalf("a guesser whom staff keep unlocking compared %d PINs; want at most %d", compared, MaxLifetimeWrongPINs)
	}
}

func TestPINLockDescribe(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 17, 42, 0, time.UTC)
	for lock, want := range map[PINLock]string{
		{Until: now.Add(15 * time.Minute)}: "15m",
		{Until: now.Add(time.Hour)}:        "1h",
		{Until: now.Add(24 * time.Hour)}:   "24h",
		{StaffOnly: true}:                  "staff",
		{Total: MaxLifetimeWrongPINs}:      "for good",
		{}:                                 "none",
	} {
		if got := lock.Describe(now); got != want {
			t.Errorf("%+v: %q, want %q", lock, got, want)
		}
	}
}

func TestPINLockToTheHour(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }
	for _, tt := range []struct{ until, want time.Time }{
		{at(10, 32), at(11, 0)},
		{at(11, 0), at(11, 0)},
		{time.Time{}, time.Time{}},
	} {
		if got := (PINLock{Wrong: 5, Until: tt.until}).ToTheHour(); !got.Until.Equal(tt.want) || got.Wrong != 5 {
			t.Errorf("%v: %+v, want until %v", tt.until, got, tt.want)
		}
	}
}

func TestWellFormedPIN(t *testing.T) {
	for pin, want := range map[string]bool{"0000": true, "4821": true, "": false, "123": false, "12345": false, "12a4": false, "١٢٣٤": false} {
		if got := WellFormedPIN(pin); got != want {
			t.Errorf("%q: %v", pin, got)
		}
	}
}
