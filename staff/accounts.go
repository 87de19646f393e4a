package staff

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"buurtloket"
)

// Accounts: add, disable and reset, for admins. (The full admin pages come
// later; the command line does the same: buurtloket staff.)

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request, q *request) {
	s.renderAccounts(w, r, q, http.StatusOK, nil)
}

func (s *Server) renderAccounts(w http.ResponseWriter, r *http.Request, q *request, status int, data map[string]any) {
	list, err := s.cfg.Store.Accounts(r.Context())
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	changes, err := s.cfg.Store.AccountChanges(r.Context(), 50)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Accounts"] = list
	// Who did what to whom, by name: the trail keeps actor names.
	names := map[string]string{buurtloket.ActorCommandLine: s.cfg.Texts.Text(q.lang, "staff.accounts.by_cli"), buurtloket.ActorSystem: s.cfg.Texts.Text(q.lang, "staff.accounts.by_system")}
	for _, a := range list {
		names[a.Actor()] = a.Name
	}
	type change struct {
		At            time.Time
		Who, What, To string
	}
	var rows []change
	for _, c := range changes {
		what := c.Action // a newer version's action shows as stored
		if id := "staff.accounts.change." + c.Action; s.cfg.Texts.Has(id) {
			what = s.cfg.Texts.Text(q.lang, id)
		}
		rows = append(rows, change{At: c.At, Who: or(names[c.Actor], c.Actor), What: what, To: or(names[c.Detail], c.Detail)})
	}
	data["Changes"] = rows
	s.render(w, q, status, "accounts", data)
}

func (s *Server) addAccount(w http.ResponseWriter, r *http.Request, q *request) {
	password := OneTimePassword()
	a, err := AddAccount(r.Context(), s.cfg.Store, q.account.Actor(), r.PostForm.Get("email"), r.PostForm.Get("name"),
		buurtloket.Role(r.PostForm.Get("role")), password, s.cfg.Argon2)
	err = s.notRecorded(err)
	switch buurtloket.ErrorCode(err) {
	case "":
	case buurtloket.EINVALID:
		s.renderAccounts(w, r, q, http.StatusUnprocessableEntity, map[string]any{"Problem": "staff.accounts.invalid"})
		return
	case buurtloket.ECONFLICT:
		s.renderAccounts(w, r, q, http.StatusConflict, map[string]any{"Problem": "staff.accounts.taken"})
		return
	default:
		s.internal(w, r, q, err)
		return
	}
	s.cfg.Logger.Info("staff account added", "by", q.account.Actor(), "account", a.Actor())
	s.renderAccounts(w, r, q, http.StatusOK, map[string]any{"OneTime": password, "For": a})
}

// accountOf reads the account named in the path.
func (s *Server) accountOf(w http.ResponseWriter, r *http.Request, q *request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, q, http.StatusNotFound, "staff.error.not_found")
		return 0, false
	}
	return id, true
}

func (s *Server) disableAccount(w http.ResponseWriter, r *http.Request, q *request) {
	id, ok := s.accountOf(w, r, q)
	if !ok {
		return
	}
	if id == q.account.ID {
		s.renderAccounts(w, r, q, http.StatusConflict, map[string]any{"Problem": "staff.accounts.not_yourself"})
		return
	}
	a, err := DisableAccount(r.Context(), s.cfg.Store, q.account.Actor(), id)
	if err = s.notRecorded(err); err != nil {
		s.storeFailed(w, r, q, err)
		return
	}
	s.cfg.Logger.Info("staff account disabled", "by", q.account.Actor(), "account", a.Actor())
	http.Redirect(w, r, "/staff/accounts", http.StatusSeeOther)
}

func (s *Server) resetAccount(w http.ResponseWriter, r *http.Request, q *request) {
	id, ok := s.accountOf(w, r, q)
	if !ok {
		return
	}
	password := OneTimePassword()
	a, err := ResetAccount(r.Context(), s.cfg.Store, q.account.Actor(), id, password, s.cfg.Argon2)
	if err = s.notRecorded(err); err != nil {
		s.storeFailed(w, r, q, err)
		return
	}
	s.cfg.Logger.Info("staff account reset", "by", q.account.Actor(), "account", a.Actor())
	s.renderAccounts(w, r, q, http.StatusOK, map[string]any{"OneTime": password, "For": a})
}

// notRecorded logs an account change that is not in the audit trail,
// and returns any other error.
func (s *Server) notRecorded(err error) error {
	if errors.Is(err, ErrNotRecorded) {
		s.cfg.Logger.Error("an account change is not in the audit trail", "error", err)
		return nil
	}
	return err
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// storeFailed answers a store error: not found, or internal.
func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, q *request, err error) {
	if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
		s.fail(w, r, q, http.StatusNotFound, "staff.error.not_found")
		return
	}
	s.internal(w, r, q, err)
}

// The helpers below are what the console's admin pages and the command
// line do to accounts; each records who did it (by: an account's actor
// name, buurtloket.ActorCommandLine or buurtloket.ActorSystem) in the
// audit trail, after the change is done. When only the record failed,
// they return the account and an error that wraps ErrNotRecorded: the
// change stands, and the caller logs it.

// ErrNotRecorded: the account change was made, but the audit trail could
// not be written.
var ErrNotRecorded = errors.New("the change was made, but not recorded in the audit trail")

func record(ctx context.Context, store buurtloket.AccountStore, by string, c buurtloket.AccountChange, id int64) error {
	if err := store.RecordAccountChange(ctx, by, c, id); err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	return nil
}

// AddAccount makes an account with a one-time password, which must be
// changed at the first login.
func AddAccount(ctx context.Context, store buurtloket.AccountStore, by, email, name string, role buurtloket.Role, password string, p Argon2Params) (*buurtloket.Account, error) {
	a := &buurtloket.Account{Email: email, Name: name, Role: role, PasswordHash: HashPassword(password, p), MustChangePassword: true}
	if err := store.AddAccount(ctx, a); err != nil {
		return nil, err
	}
	return a, record(ctx, store, by, buurtloket.AccountAdded, a.ID)
}

// DisableAccount stops an account from logging in and ends its sessions.
func DisableAccount(ctx context.Context, store buurtloket.AccountStore, by string, id int64) (*buurtloket.Account, error) {
	a, err := store.UpdateAccount(ctx, id, func(a *buurtloket.Account) error { a.Disabled = true; return nil })
	if err != nil {
		return nil, err
	}
	if err := store.DeleteStaffSessions(ctx, id); err != nil {
		return nil, err
	}
	return a, record(ctx, store, by, buurtloket.AccountDisabled, id)
}

// ResetAccount gives an account a new one-time password and removes its
// two-factor login (a lost phone), ends its sessions and lifts a login
// lock; the account is enabled again.
func ResetAccount(ctx context.Context, store buurtloket.AccountStore, by string, id int64, password string, p Argon2Params) (*buurtloket.Account, error) {
	hash := HashPassword(password, p)
	a, err := store.UpdateAccount(ctx, id, func(a *buurtloket.Account) error {
		a.PasswordHash, a.MustChangePassword, a.Disabled = hash, true, false
		a.OneTimeUntil = time.Time{} // the store gives the new one its days
		a.TOTPSecret, a.RecoveryCodes = "", nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := store.DeleteStaffSessions(ctx, id); err != nil {
		return nil, err
	}
	if err := store.LiftLoginLock(ctx, accountKey(id)); err != nil {
		return nil, err
	}
	return a, record(ctx, store, by, buurtloket.AccountReset, id)
}
