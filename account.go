package buurtloket

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a staff account may do in the console: staff answer
// requests; admins also manage accounts.
type Role string

const (
	RoleStaff Role = "staff"
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleStaff || r == RoleAdmin }

// Account is a staff member's login to the console.
type Account struct {
	ID    int64
	Email string // the login name, in lower case
	Name  string // shown to colleagues
	Role  Role
	// PasswordHash is the argon2id hash with its parameters
	// (staff.HashPassword); never the password.
	PasswordHash string
	// MustChangePassword is set for a one-time password (a new account, a
	// reset): the first login asks for a new one before anything else.
	MustChangePassword bool
	// OneTimeUntil is when the one-time password stops working: the store
	// sets it to OneTimePasswordLife after one is given, and clears it
	// when the password is changed (zero: none, or no limit).
	OneTimeUntil time.Time
	// TOTPSecret is the base32 secret of the account's authenticator app
	// ("" until two-factor login is set up); the store keeps it sealed.
	TOTPSecret string
	// TOTPStep is the last time step whose code was accepted: a code
	// works once.
	TOTPStep int64
	// RecoveryCodes are the hashes of the recovery codes not yet used.
	RecoveryCodes []string
	Disabled      bool
	CreatedAt     time.Time
}

// AccountChange is what was done to an account, for the audit trail.
type AccountChange string

const (
	AccountAdded     AccountChange = "added"
	AccountDisabled  AccountChange = "disabled"
	AccountReset     AccountChange = "reset"      // a new one-time password, two-step login off
	AccountPassword  AccountChange = "password"   // the account's own new password
	AccountTwoFactor AccountChange = "two_factor" // two-step login set up or replaced
)

// Valid reports whether c is a known account change.
func (c AccountChange) Valid() bool {
	switch c {
	case AccountAdded, AccountDisabled, AccountReset, AccountPassword, AccountTwoFactor:
		return true
	}
	return false
}

// Actors that are not staff accounts, for account changes made outside
// the console.
const (
	ActorCommandLine = "cli"    // buurtloket staff …, by whoever runs the server
	ActorSystem      = "system" // buurtloket itself (the first start)
)

// OneTimePasswordLife is how long a one-time password works: long enough
// to pass it on in person, short enough that one forgotten in a log or a
// drawer does not stay a way in.
const OneTimePasswordLife = 72 * time.Hour

// OneTimeExpired reports whether the account's one-time password no
// longer works at now.
func (a *Account) OneTimeExpired(now time.Time) bool {
	return a.MustChangePassword && !a.OneTimeUntil.IsZero() && !now.Before(a.OneTimeUntil)
}

// Actor is how the account is named in the audit trail, in assignments
// and on replies: by ID, which stays when the name or address changes.
func (a *Account) Actor() string { return ActorOf(a.ID) }

// ActorOf is the actor name of account id.
func ActorOf(id int64) string { return "staff:" + strconv.FormatInt(id, 10) }

// AccountOfActor returns the account ID of an actor name ActorOf made,
// and only of such a name: "staff:01" or "staff:+1" is no account's (the
// store records and matches the one spelling).
func AccountOfActor(actor string) (int64, bool) {
	s, ok := strings.CutPrefix(actor, "staff:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0 && ActorOf(id) == actor
}

// TwoFactor reports whether the account logs in with a second factor.
func (a *Account) TwoFactor() bool { return a.TOTPSecret != "" }

// NormalizeEmail checks a login address and returns it in lower case.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 200 || hasControl(email) {
		return "", Errorf(EINVALID, "%q is not an e-mail address", email)
	}
	return email, nil
}

// CheckAccount checks a new account's name, address and role, and returns
// the address as it is stored.
func CheckAccount(email, name string, role Role) (string, string, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) || hasControl(name) {
		return "", "", Errorf(EINVALID, "an account needs a name of at most 100 characters")
	}
	if !role.Valid() {
		return "", "", Errorf(EINVALID, "the role is %q; it must be staff or admin", role)
	}
	return email, name, nil
}

// StaffSession is a login to the console. The cookie holds a random token;
// the store keeps only its hash.
type StaffSession struct {
	AccountID int64
	// Full is set once every step of the login is done (password, a new
	// password if one was asked, two-factor). Before, the session opens
	// only those steps.
	Full      bool
	CSRF      string // the token every form of this session carries
	CreatedAt time.Time
	SeenAt    time.Time
}

// Staff sessions end after an idle time and at an absolute age, whatever
// happens in them.
const (
	StaffIdleTimeout = 30 * time.Minute
	StaffSessionLife = 12 * time.Hour
)

// Expired reports whether a session has ended at now.
func (s *StaffSession) Expired(now time.Time) bool {
	return now.Sub(s.SeenAt) >= StaffIdleTimeout || now.Sub(s.CreatedAt) >= StaffSessionLife
}

// LoginThrottle counts failed logins for one key (an account, or a client
// address): after Limit failures within Window, logins for the key are
// refused until LockedUntil, whether the next password is right or not.
type LoginThrottle struct {
	Failures    int
	Since       time.Time // the first failure of the window
	LockedUntil time.Time
}

// Login throttling: per account, 5 wrong tries in 15 minutes lock it for
// 15 minutes; per client address, 20 (colleagues share an office's address).
const (
	LoginWindow         = 15 * time.Minute
	LoginLockout        = 15 * time.Minute
	LoginFailuresPerKey = 5
	LoginFailuresPerIP  = 20
)

// Locked reports whether the key is locked at now.
func (t LoginThrottle) Locked(now time.Time) bool { return now.Before(t.LockedUntil) }

// Fail counts one more failure at now against limit.
func (t LoginThrottle) Fail(now time.Time, limit int) LoginThrottle {
	if t.Since.IsZero() || now.Sub(t.Since) >= LoginWindow {
		t = LoginThrottle{Since: now, LockedUntil: t.LockedUntil}
	}
	t.Failures++
	if t.Failures >= limit {
		t.LockedUntil = now.Add(LoginLockout)
		t.Failures, t.Since = 0, time.Time{}
	}
	return t
}

// AccountStore keeps staff accounts, their sessions and the login
// throttle. It is part of every RequestStore.
type AccountStore interface {
	// AddAccount stores a new account; ECONFLICT when the address is taken.
	AddAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, id int64) (*Account, error)
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	Accounts(ctx context.Context) ([]*Account, error)
	// UpdateAccount runs change on the account's current state and stores
	// the result, all in one write; an error from change stores nothing.
	UpdateAccount(ctx context.Context, id int64, change func(a *Account) error) (*Account, error)
	// CountAccounts says how many accounts there are, disabled ones too.
	CountAccounts(ctx context.Context) (int, error)
	// RecordAccountChange records in the audit trail that actor did
	// action (an AccountChange) to an account.
	RecordAccountChange(ctx context.Context, actor string, action AccountChange, accountID int64) error
	// AccountChanges returns the latest limit account changes, newest
	// first; an entry's Detail is the account's actor name.
	AccountChanges(ctx context.Context, limit int) ([]*AuditEntry, error)

	// Sessions, by the hash of their token.
	AddStaffSession(ctx context.Context, tokenHash string, s *StaffSession) error
	// StaffSession returns a session that has not expired, ENOTFOUND
	// otherwise. With seen it marks the session seen now (someone at work;
	// an expired one is deleted); without, it only reads: a page left open
	// that listens or refreshes itself is not someone at work.
	StaffSession(ctx context.Context, tokenHash string, seen bool) (*StaffSession, error)
	// CompleteStaffSession marks a session's login done.
	CompleteStaffSession(ctx context.Context, tokenHash string) error
	DeleteStaffSession(ctx context.Context, tokenHash string) error
	// DeleteStaffSessions ends every session of an account (log out
	// everywhere; a disabled account; a new password).
	DeleteStaffSessions(ctx context.Context, accountID int64) error

	// LoginFailed counts a failed login against each key with its limit,
	// and returns the keys' throttles after it.
	LoginFailed(ctx context.Context, keys []string, limits []int) ([]LoginThrottle, error)
	// LoginThrottles returns the keys' throttles.
	LoginThrottles(ctx context.Context, keys []string) ([]LoginThrottle, error)
	// ClearLoginFailures forgets the failures of a key (a good login); a
	// lock in force stays.
	ClearLoginFailures(ctx context.Context, key string) error
	// LiftLoginLock forgets a key's failures and lock (an admin's reset).
	LiftLoginLock(ctx context.Context, key string) error
}
