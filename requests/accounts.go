package requests

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"buurtloket"
)

// Staff accounts, their sessions and the login throttle
// (buurtloket.AccountStore). The TOTP secret is sealed, bound to its
// account; passwords and recovery codes arrive hashed.

const accountColumns = `id, email, name, role, password_hash, must_change, totp_sealed, totp_step, recovery_codes, disabled, created_at, one_time_until`

func (s *Store) scanAccount(row Row) (*buurtloket.Account, error) {
	var a buurtloket.Account
	var sealed []byte
	var codes string
	err := row.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.PasswordHash, &a.MustChangePassword, &sealed, &a.TOTPStep, &codes, &a.Disabled, s.st(&a.CreatedAt), s.st(&a.OneTimeUntil))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such account")
	} else if err != nil {
		return nil, err
	}
	if sealed != nil {
		secret, err := s.sealer.Open(sealed, totpContext(a.ID))
		if err != nil {
			return nil, err
		}
		a.TOTPSecret = string(secret)
	}
	if err := json.Unmarshal([]byte(codes), &a.RecoveryCodes); err != nil {
		return nil, err
	}
	return &a, nil
}

func totpContext(id int64) string { return "totp:" + strconv.FormatInt(id, 10) }

// accountValues are the stored forms of what UpdateAccount may change.
func (s *Store) accountValues(a *buurtloket.Account) (sealed []byte, codes string, err error) {
	if a.TOTPSecret != "" {
		sealed = s.sealer.Seal([]byte(a.TOTPSecret), totpContext(a.ID))
	}
	if a.RecoveryCodes == nil {
		a.RecoveryCodes = []string{}
	}
	b, err := json.Marshal(a.RecoveryCodes)
	return sealed, string(b), err
}

// AddAccount stores a new account and fills in its ID; see buurtloket.AccountStore.
func (s *Store) AddAccount(ctx context.Context, a *buurtloket.Account) error {
	email, name, err := buurtloket.CheckAccount(a.Email, a.Name, a.Role)
	if err != nil {
		return err
	}
	if a.PasswordHash == "" {
		return buurtloket.Errorf(buurtloket.EINVALID, "an account needs a password")
	}
	a.Email, a.Name, a.CreatedAt = email, name, s.now()
	a.OneTimeUntil = time.Time{}
	if a.MustChangePassword {
		a.OneTimeUntil = a.CreatedAt.Add(buurtloket.OneTimePasswordLife)
	}
	return s.db.Write(ctx, func(tx Querier) error {
		for attempt := 0; attempt < 5; attempt++ {
			a.ID = s.newID()
			sealed, codes, err := s.accountValues(a)
			if err != nil {
				return err
			}
			n, err := tx.Exec(ctx, `INSERT INTO staff_accounts (`+accountColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT DO NOTHING`, a.ID, a.Email, a.Name, a.Role, a.PasswordHash, a.MustChangePassword, sealed, a.TOTPStep, codes, a.Disabled, s.t(a.CreatedAt), s.t(a.OneTimeUntil))
			if err != nil || n == 1 {
				return err
			}
			var taken int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM staff_accounts WHERE email = $1`, a.Email).Scan(&taken); err != nil {
				return err
			}
			if taken > 0 {
				return buurtloket.Errorf(buurtloket.ECONFLICT, "there is an account for %s already", a.Email)
			}
		}
		return errors.New("no free random ID in five tries")
	})
}

// Account returns an account by ID.
func (s *Store) Account(ctx context.Context, id int64) (*buurtloket.Account, error) {
	return s.scanAccount(s.read.QueryRow(ctx, `SELECT `+accountColumns+` FROM staff_accounts WHERE id = $1`, id))
}

// AccountByEmail returns an account by its login address.
func (s *Store) AccountByEmail(ctx context.Context, email string) (*buurtloket.Account, error) {
	email, err := buurtloket.NormalizeEmail(email)
	if err != nil {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such account")
	}
	return s.scanAccount(s.read.QueryRow(ctx, `SELECT `+accountColumns+` FROM staff_accounts WHERE email = $1`, email))
}

// Accounts lists every account, by name.
func (s *Store) Accounts(ctx context.Context) ([]*buurtloket.Account, error) {
	rows, err := s.read.Query(ctx, `SELECT `+accountColumns+` FROM staff_accounts ORDER BY name, email`)
	if err != nil {
		return nil, err
	}
	return collect(rows, s.scanAccount)
}

// CountAccounts says how many accounts there are.
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRow(ctx, `SELECT count(*) FROM staff_accounts`).Scan(&n)
	return n, err
}

// UpdateAccount changes an account in one write; see buurtloket.AccountStore.
// The address, the ID and the creation time stay.
func (s *Store) UpdateAccount(ctx context.Context, id int64, change func(a *buurtloket.Account) error) (*buurtloket.Account, error) {
	var out *buurtloket.Account
	err := s.db.Write(ctx, func(tx Querier) error {
		a, err := s.scanAccount(tx.QueryRow(ctx, s.sql.lockAccount, id))
		if err != nil {
			return err
		}
		before := *a
		if err := change(a); err != nil {
			return err
		}
		// A new one-time password (a reset clears OneTimeUntil) works for
		// OneTimePasswordLife; a rehash of one keeps its days; a password
		// of one's own has no such limit.
		switch {
		case !a.MustChangePassword:
			a.OneTimeUntil = time.Time{}
		case a.OneTimeUntil.IsZero() || !before.MustChangePassword:
			a.OneTimeUntil = s.now().Add(buurtloket.OneTimePasswordLife)
		}
		if _, name, err := buurtloket.CheckAccount(a.Email, a.Name, a.Role); err != nil {
			return err
		} else {
			a.Name = name
		}
		sealed, codes, err := s.accountValues(a)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE staff_accounts SET name = $2, role = $3, password_hash = $4, must_change = $5,
			totp_sealed = $6, totp_step = $7, recovery_codes = $8, disabled = $9, one_time_until = $10 WHERE id = $1`,
			id, a.Name, a.Role, a.PasswordHash, a.MustChangePassword, sealed, a.TOTPStep, codes, a.Disabled, s.t(a.OneTimeUntil)); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// AddStaffSession stores a new login session.
func (s *Store) AddStaffSession(ctx context.Context, tokenHash string, ss *buurtloket.StaffSession) error {
	now := s.now()
	ss.CreatedAt, ss.SeenAt = now, now
	_, err := s.db.Exec(ctx, `INSERT INTO staff_sessions (id, account_id, complete, csrf, created_at, seen_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		tokenHash, ss.AccountID, ss.Full, ss.CSRF, s.t(now))
	return err
}

// StaffSession returns a live session, and with seen marks it seen; see
// buurtloket.AccountStore. Seen is written at most once a minute, so that
// a page of the console is a read, not a write.
func (s *Store) StaffSession(ctx context.Context, tokenHash string, seen bool) (*buurtloket.StaffSession, error) {
	var ss buurtloket.StaffSession
	err := s.read.QueryRow(ctx, `SELECT account_id, complete, csrf, created_at, seen_at FROM staff_sessions WHERE id = $1`, tokenHash).
		Scan(&ss.AccountID, &ss.Full, &ss.CSRF, s.st(&ss.CreatedAt), s.st(&ss.SeenAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "the session has ended")
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case ss.Expired(now) && !seen:
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "the session has ended")
	case ss.Expired(now):
		if err := s.DeleteStaffSession(ctx, tokenHash); err != nil {
			return nil, err
		}
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "the session has ended")
	case seen && now.Sub(ss.SeenAt) >= time.Minute:
		ss.SeenAt = now
		if _, err := s.db.Exec(ctx, `UPDATE staff_sessions SET seen_at = $2 WHERE id = $1`, tokenHash, s.t(now)); err != nil {
			return nil, err
		}
	}
	return &ss, nil
}

// CompleteStaffSession marks a session's login done.
func (s *Store) CompleteStaffSession(ctx context.Context, tokenHash string) error {
	n, err := s.db.Exec(ctx, `UPDATE staff_sessions SET complete = TRUE WHERE id = $1`, tokenHash)
	if err == nil && n == 0 {
		err = buurtloket.Errorf(buurtloket.ENOTFOUND, "the session has ended")
	}
	return err
}

// DeleteStaffSession ends a session (log out).
func (s *Store) DeleteStaffSession(ctx context.Context, tokenHash string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM staff_sessions WHERE id = $1`, tokenHash)
	return err
}

// DeleteStaffSessions ends every session of an account.
func (s *Store) DeleteStaffSessions(ctx context.Context, accountID int64) error {
	_, err := s.db.Exec(ctx, `DELETE FROM staff_sessions WHERE account_id = $1`, accountID)
	return err
}

// throttleKey is how a throttle's key is kept: a keyed hash, so that a
// copy of the database shows no address or e-mail address someone tried.
func (s *Store) throttleKey(key string) string {
	return hex.EncodeToString(s.sealer.Sign("login-throttle", []byte(key))[:16])
}

// LoginFailed counts a failed login against each key; see buurtloket.AccountStore.
func (s *Store) LoginFailed(ctx context.Context, keys []string, limits []int) ([]buurtloket.LoginThrottle, error) {
	if len(keys) != len(limits) {
		return nil, errors.New("a limit for each key")
	}
	out := make([]buurtloket.LoginThrottle, len(keys))
	err := s.db.Write(ctx, func(tx Querier) error {
		now := s.now()
		for i, key := range keys {
			// The row is made first, so that it can be locked: failures
			// counted at the same moment by two processes follow each other.
			if _, err := tx.Exec(ctx, `INSERT INTO login_throttle (key, failures) VALUES ($1, 0) ON CONFLICT DO NOTHING`, s.throttleKey(key)); err != nil {
				return err
			}
			var t buurtloket.LoginThrottle
			if err := tx.QueryRow(ctx, s.sql.lockThrottle, s.throttleKey(key)).Scan(&t.Failures, s.st(&t.Since), s.st(&t.LockedUntil)); err != nil {
				return err
			}
			t = t.Fail(now, limits[i])
			if _, err := tx.Exec(ctx, `UPDATE login_throttle SET failures = $2, since = $3, locked_until = $4 WHERE key = $1`,
				s.throttleKey(key), t.Failures, s.t(t.Since), s.t(t.LockedUntil)); err != nil {
				return err
			}
			out[i] = t
		}
		return nil
	})
	return out, err
}

// LoginThrottles returns the keys' throttles (the zero one for a key
// without failures).
func (s *Store) LoginThrottles(ctx context.Context, keys []string) ([]buurtloket.LoginThrottle, error) {
	out := make([]buurtloket.LoginThrottle, len(keys))
	for i, key := range keys {
		err := s.read.QueryRow(ctx, `SELECT failures, since, locked_until FROM login_throttle WHERE key = $1`, s.throttleKey(key)).
			Scan(&out[i].Failures, s.st(&out[i].Since), s.st(&out[i].LockedUntil))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return out, nil
}

// ClearLoginFailures forgets a key's failures; a lock in force stays.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `UPDATE login_throttle SET failures = 0, since = NULL WHERE key = $1`, s.throttleKey(key))
	return err
}

// LiftLoginLock forgets a key's failures and its lock.
func (s *Store) LiftLoginLock(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM login_throttle WHERE key = $1`, s.throttleKey(key))
	return err
}

// RecordAccountChange records a change to an account in the audit trail;
// see buurtloket.AccountStore.
func (s *Store) RecordAccountChange(ctx context.Context, actor string, action buurtloket.AccountChange, accountID int64) error {
	if err := buurtloket.CheckActor(actor); err != nil {
		return err
	}
	if !action.Valid() || accountID <= 0 {
		return buurtloket.Errorf(buurtloket.EINVALID, "an account change needs what was done, and to which account")
	}
	return s.db.Write(ctx, func(tx Querier) error {
		return s.audit(ctx, tx, 0, held{}, s.now(), actor, accountAction(action), buurtloket.ActorOf(accountID))
	})
}

func accountAction(c buurtloket.AccountChange) string { return "account " + string(c) }

// AccountChanges returns the latest account changes; see buurtloket.AccountStore.
func (s *Store) AccountChanges(ctx context.Context, limit int) ([]*buurtloket.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "between 1 and 1000 account changes")
	}
	rows, err := s.read.Query(ctx, `SELECT id, 0, actor, action, detail, at FROM audit
		WHERE request_id IS NULL AND action LIKE 'account %' ORDER BY at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row Row) (*buurtloket.AuditEntry, error) {
		var e buurtloket.AuditEntry
		err := row.Scan(&e.ID, &e.RequestID, &e.Actor, &e.Action, &e.Detail, s.st(&e.At))
		e.Action = strings.TrimPrefix(e.Action, "account ")
		return &e, err
	})
}
