package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"buurtloket"
)

func newAccount(email string, role buurtloket.Role) *buurtloket.Account {
	return &buurtloket.Account{Email: email, Name: "Anna de Vries", Role: role, PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", MustChangePassword: true}
}

// testAccounts: an account is stored as given, found by ID and by its
// address in any case, changed in one write, and its address is unique.
func testAccounts(t *testing.T, s Store, clock *Clock) {
	a := newAccount("Anna.de.Vries@Woonplus.nl", buurtloket.RoleAdmin)
	if err := s.AddAccount(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Email != "anna.de.vries@woonplus.nl" || !a.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("added %+v", a)
	}
	if err := s.AddAccount(ctx(t), newAccount("anna.de.vries@woonplus.nl", buurtloket.RoleStaff)); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("a second account for the same address: %v", err)
	}
	for _, bad := range []*buurtloket.Account{newAccount("not an address", buurtloket.RoleStaff), newAccount("b@woonplus.nl", "boss"),
		{Email: "c@woonplus.nl", Name: "", Role: buurtloket.RoleStaff, PasswordHash: "x"}, {Email: "d@woonplus.nl", Name: "D", Role: buurtloket.RoleStaff},
		{Email: "e@woonplus.nl", Name: "E\x00", Role: buurtloket.RoleStaff, PasswordHash: "x"}} {
		if err := s.AddAccount(ctx(t), bad); code(err) != buurtloket.EINVALID {
			t.Errorf("account %+v: %v, want EINVALID", bad, err)
		}
	}
	got, err := s.AccountByEmail(ctx(t), " ANNA.de.vries@woonplus.nl")
	if err != nil || got.ID != a.ID || got.Role != buurtloket.RoleAdmin || !got.MustChangePassword || got.TwoFactor() || got.PasswordHash != a.PasswordHash {
		t.Fatalf("by address: %v %+v", err, got)
	}
	// A one-time password works for OneTimePasswordLife.
	if want := clock.Now().Add(buurtloket.OneTimePasswordLife); !got.OneTimeUntil.Equal(want) || got.OneTimeExpired(want.Add(-time.Second)) || !got.OneTimeExpired(want) {
		t.Fatalf("a one-time password works until %v, want %v", got.OneTimeUntil, want)
	}
	if _, err := s.AccountByEmail(ctx(t), "nobody@woonplus.nl"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("no such address: %v", err)
	}
	if _, err := s.AccountByEmail(ctx(t), "x\x00@woonplus.nl"); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a NUL in the address: %v", err)
	}
	changed, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error {
		a.TOTPSecret, a.TOTPStep, a.RecoveryCodes, a.MustChangePassword = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 42, []string{"h1", "h2"}, false
		return nil
	})
	if err != nil || !changed.TwoFactor() {
		t.Fatalf("update: %v %+v", err, changed)
	}
	again, _ := s.Account(ctx(t), a.ID)
	if again.TOTPSecret != "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" || again.TOTPStep != 42 || !slices.Equal(again.RecoveryCodes, []string{"h1", "h2"}) || again.MustChangePassword ||
		!again.OneTimeUntil.IsZero() {
		t.Fatalf("after the update: %+v", again)
	}
	// A reset gives a new one-time password its own days; another change
	// leaves them.
	clock.Add(time.Hour)
	reset, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error { a.PasswordHash, a.MustChangePassword = "reset", true; return nil })
	if want := clock.Now().Add(buurtloket.OneTimePasswordLife); err != nil || !reset.OneTimeUntil.Equal(want) {
		t.Fatalf("after a reset: %v, until %v, want %v", err, reset.OneTimeUntil, want)
	}
	clock.Add(time.Hour)
	if other, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error { a.Name = "Anna"; return nil }); err != nil || !other.OneTimeUntil.Equal(reset.OneTimeUntil) {
		t.Fatalf("another change moved the one-time password's end: %v %+v", err, other)
	}
	if again, _ := s.Account(ctx(t), a.ID); !again.OneTimeUntil.Equal(reset.OneTimeUntil) {
		t.Fatalf("stored until %v, want %v", again.OneTimeUntil, reset.OneTimeUntil)
	}
	// A rehash of the one-time password (at its login) keeps its days; a
	// second reset (OneTimeUntil cleared) gets new ones.
	if rehashed, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error { a.PasswordHash = "rehashed"; return nil }); err != nil || !rehashed.OneTimeUntil.Equal(reset.OneTimeUntil) {
		t.Fatalf("a rehash moved the one-time password's end: %v %+v", err, rehashed)
	}
	again2, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error {
		a.PasswordHash, a.OneTimeUntil = "reset again", time.Time{}
		return nil
	})
	if want := clock.Now().Add(buurtloket.OneTimePasswordLife); err != nil || !again2.OneTimeUntil.Equal(want) {
		t.Fatalf("a second reset: %v, until %v, want %v", err, again2.OneTimeUntil, want)
	}
	if _, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error {
		a.TOTPStep = 43
		return buurtloket.Errorf(buurtloket.ECONFLICT, "no")
	}); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("a refused change: %v", err)
	}
	if again, _ := s.Account(ctx(t), a.ID); again.TOTPStep != 42 {
		t.Fatalf("a refused change was stored: %+v", again)
	}
	if _, err := s.UpdateAccount(ctx(t), a.ID, func(a *buurtloket.Account) error { a.Role = "boss"; return nil }); code(err) != buurtloket.EINVALID {
		t.Fatalf("an unknown role: %v", err)
	}
	if _, err := s.UpdateAccount(ctx(t), 12345, func(*buurtloket.Account) error { return nil }); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("no such account: %v", err)
	}
	if err := s.AddAccount(ctx(t), newAccount("bram@woonplus.nl", buurtloket.RoleStaff)); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Accounts(ctx(t)); len(list) != 2 {
		t.Fatalf("accounts: %+v", list)
	}
	if n, err := s.CountAccounts(ctx(t)); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}
	// Changes to accounts, newest first, apart from every request's trail.
	if err := s.RecordAccountChange(ctx(t), buurtloket.ActorCommandLine, buurtloket.AccountAdded, a.ID); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	if err := s.RecordAccountChange(ctx(t), a.Actor(), buurtloket.AccountPassword, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		actor  string
		action buurtloket.AccountChange
		id     int64
	}{{"", buurtloket.AccountAdded, a.ID}, {"cli", "promoted", a.ID}, {"cli", buurtloket.AccountAdded, 0}} {
		if err := s.RecordAccountChange(ctx(t), bad.actor, bad.action, bad.id); code(err) != buurtloket.EINVALID {
			t.Errorf("account change %+v: %v, want EINVALID", bad, err)
		}
	}
	changes, err := s.AccountChanges(ctx(t), 10)
	if err != nil || len(changes) != 2 || changes[0].Action != "password" || changes[0].Actor != a.Actor() || changes[0].Detail != a.Actor() ||
		changes[1].Action != "added" || changes[1].Actor != "cli" || !changes[0].At.Equal(clock.Now()) {
		t.Fatalf("account changes: %v %+v", err, changes)
	}
	if _, err := s.AccountChanges(ctx(t), 0); code(err) != buurtloket.EINVALID {
		t.Fatalf("no limit: %v", err)
	}
}

// testStaffSessions: a session ends after its idle time and at its
// absolute age, and all of an account's sessions end at once.
func testStaffSessions(t *testing.T, s Store, clock *Clock) {
	a := newAccount("anna@woonplus.nl", buurtloket.RoleStaff)
	if err := s.AddAccount(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"h1", "h2", "h3"} {
		if err := s.AddStaffSession(ctx(t), h, &buurtloket.StaffSession{AccountID: a.ID, CSRF: "c-" + h}); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := s.StaffSession(ctx(t), "h1", true)
	if err != nil || ss.AccountID != a.ID || ss.Full || ss.CSRF != "c-h1" {
		t.Fatalf("session: %v %+v", err, ss)
	}
	if err := s.CompleteStaffSession(ctx(t), "h1"); err != nil {
		t.Fatal(err)
	}
	if ss, _ := s.StaffSession(ctx(t), "h1", true); !ss.Full {
		t.Fatal("a completed session is not full")
	}
	// Touched every 20 minutes, a session lives on past the idle time,
	// until its absolute age.
	start := clock.Now()
	for clock.Now().Sub(start) < buurtloket.StaffSessionLife+time.Hour {
		clock.Add(20 * time.Minute)
		_, err := s.StaffSession(ctx(t), "h1", true)
		if age := clock.Now().Sub(start); age < buurtloket.StaffSessionLife && err != nil {
			t.Fatalf("a session touched every 20 minutes, at %v: %v", age, err)
		} else if age >= buurtloket.StaffSessionLife && code(err) != buurtloket.ENOTFOUND {
			t.Fatalf("a session %v old: %v", age, err)
		}
	}
	// Reading a session without marking it seen does not keep it alive,
	// and does not delete it (that is housekeeping's).
	if ss, err := s.StaffSession(ctx(t), "h3", false); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an idle session lives: %v %+v", err, ss)
	}
	// h2 was never touched: idle.
	if _, err := s.StaffSession(ctx(t), "h2", true); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an idle session: %v", err)
	}
	// Housekeeping removes the ended sessions, and only those: h3 (h1
	// and h2 went when they were read after their end).
	if err := s.AddStaffSession(ctx(t), "h5", &buurtloket.StaffSession{AccountID: a.ID, CSRF: "c"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeSessions(ctx(t)); err != nil || n != 1 {
		t.Fatalf("purged %d sessions (%v), want the 1 that ended", n, err)
	}
	if _, err := s.StaffSession(ctx(t), "h5", false); err != nil {
		t.Fatalf("a new session after housekeeping: %v", err)
	}
	// Read every 10 minutes without being seen (an open page refreshing
	// itself), a session goes idle all the same.
	for passed := time.Duration(0); passed < buurtloket.StaffIdleTimeout; passed += 10 * time.Minute {
		if _, err := s.StaffSession(ctx(t), "h5", false); err != nil {
			t.Fatalf("%v after its last use: %v", passed, err)
		}
		clock.Add(10 * time.Minute)
	}
	if _, err := s.StaffSession(ctx(t), "h5", true); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a session only read for %v lives on: %v", buurtloket.StaffIdleTimeout, err)
	}
	if err := s.AddStaffSession(ctx(t), "h4", &buurtloket.StaffSession{AccountID: a.ID, CSRF: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStaffSessions(ctx(t), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StaffSession(ctx(t), "h4", true); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("after logging out everywhere: %v", err)
	}
}

// testLoginThrottle: failures lock a key at its limit for the lockout, a
// good login forgets the failures but not a lock, and failures counted at
// once are all counted.
func testLoginThrottle(t *testing.T, s Store, clock *Clock) {
	keys := []string{"account:staff:1", "client:abc"}
	for i := 1; i <= 4; i++ {
		got, err := s.LoginFailed(ctx(t), keys, []int{5, 20})
		if err != nil || got[0].Failures != i || got[0].Locked(clock.Now()) || got[1].Failures != i {
			t.Fatalf("failure %d: %v %+v", i, err, got)
		}
	}
	got, _ := s.LoginFailed(ctx(t), keys, []int{5, 20})
	if !got[0].Locked(clock.Now()) || got[1].Locked(clock.Now()) {
		t.Fatalf("after 5 failures: %+v", got)
	}
	if err := s.ClearLoginFailures(ctx(t), keys[0]); err != nil {
		t.Fatal(err)
	}
	if th, _ := s.LoginThrottles(ctx(t), keys[:1]); !th[0].Locked(clock.Now()) {
		t.Fatal("a good login lifted a lock")
	}
	clock.Add(buurtloket.LoginLockout)
	if th, _ := s.LoginThrottles(ctx(t), keys); th[0].Locked(clock.Now()) || th[1].Failures != 5 {
		t.Fatalf("after the lockout: %+v", th)
	}
	if th, _ := s.LoginThrottles(ctx(t), []string{"never"}); th[0] != (buurtloket.LoginThrottle{}) {
		t.Fatalf("a key without failures: %+v", th)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); s.LoginFailed(ctx(t), []string{"client:many"}, []int{100}) }()
	}
	wg.Wait()
	if th, _ := s.LoginThrottles(ctx(t), []string{"client:many"}); th[0].Failures != 10 {
		t.Fatalf("10 failures at once counted as %d", th[0].Failures)
	}
	if err := s.LiftLoginLock(ctx(t), "client:many"); err != nil {
		t.Fatal(err)
	}
	if th, _ := s.LoginThrottles(ctx(t), []string{"client:many"}); th[0].Failures != 0 {
		t.Fatalf("after lifting: %+v", th)
	}
	// Housekeeping forgets failures that no longer count, never a lock in
	// force nor failures that still count.
	if _, err := s.LoginFailed(ctx(t), []string{"client:old"}, []int{20}); err != nil {
		t.Fatal(err)
	}
	clock.Add(buurtloket.LoginWindow)
	for range 5 {
		if _, err := s.LoginFailed(ctx(t), []string{"email:locked", "client:recent"}, []int{5, 20}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PurgeSessions(ctx(t)); err != nil {
		t.Fatal(err)
	}
	th, _ := s.LoginThrottles(ctx(t), []string{"client:old", "email:locked", "client:recent"})
	if th[0].Failures != 0 || !th[1].Locked(clock.Now()) || th[2].Failures != 5 {
		t.Fatalf("after housekeeping: %+v", th)
	}
}

// SharedLoginThrottle: wrong passwords tried alternately at two processes
// on one database lock the account as soon as at one.
func SharedLoginThrottle(t *testing.T, a, b Store) {
	key := "account:staff:7"
	for i := 0; i < buurtloket.LoginFailuresPerKey; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		if _, err := s.LoginFailed(ctx(t), []string{key}, []int{buurtloket.LoginFailuresPerKey}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []Store{a, b} {
		th, err := s.LoginThrottles(ctx(t), []string{key})
		if err != nil || !th[0].Locked(time.Now()) {
			t.Fatalf("after %d failures at two processes: %v %+v", buurtloket.LoginFailuresPerKey, err, th)
		}
	}
}
