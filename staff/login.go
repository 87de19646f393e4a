package staff

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strings"

	"buurtloket"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, q *request) {
	if q.session != nil && q.session.Full {
		http.Redirect(w, r, "/staff/", http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, q, http.StatusOK, "", "")
}

// renderLogin shows the login form with a fresh login token.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, q *request, status int, problem, email string) {
	token := newToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/staff/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.public.Secure(r)})
	q.csrf = token
	s.render(w, q, status, "login", map[string]any{"Problem": problem, "Email": email})
}

// login checks an address and password. Failures are counted per account
// and per client address, in the store (so every instance counts them); a
// locked key is refused whether the password is right or not, and a
// missing account costs the same hash as a wrong password.
func (s *Server) login(w http.ResponseWriter, r *http.Request, q *request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	keys, limits := []string{s.clientKey(r)}, []int{buurtloket.LoginFailuresPerIP}
	a, err := s.cfg.Store.AccountByEmail(ctx, email)
	if err != nil && buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		s.internal(w, r, q, err)
		return
	}
	// An address without an account locks like one with: "locked" must
	// not tell a guesser which addresses have accounts.
	key := emailKey(email)
	if a != nil {
		key = accountKey(a.ID)
	}
	keys, limits = append(keys, key), append(limits, buurtloket.LoginFailuresPerKey)
	if locked, err := s.lockedOut(ctx, keys); err != nil {
		s.internal(w, r, q, err)
		return
	} else if locked {
		PasswordMatches("", password, s.cfg.Argon2)
		s.renderLogin(w, r, q, http.StatusTooManyRequests, "staff.login.locked", email)
		return
	}
	hash := ""
	if a != nil && !a.Disabled {
		hash = a.PasswordHash
	}
	ok, rehash := PasswordMatches(hash, password, s.cfg.Argon2)
	if !ok {
		if _, err := s.cfg.Store.LoginFailed(ctx, keys, limits); err != nil {
			s.internal(w, r, q, err)
			return
		}
		s.cfg.Logger.Info("staff login failed")
		s.renderLogin(w, r, q, http.StatusUnauthorized, "staff.login.wrong", email)
		return
	}
	if a.OneTimeExpired(s.cfg.Now()) {
		// Right, but too old: an admin gives a new one (staff reset).
		s.cfg.Logger.Info("staff login refused: the one-time password has expired", "account", a.Actor())
		s.renderLogin(w, r, q, http.StatusUnauthorized, "staff.login.expired", email)
		return
	}
	if err := s.cfg.Store.ClearLoginFailures(ctx, accountKey(a.ID)); err != nil {
		s.internal(w, r, q, err)
		return
	}
	if rehash {
		newHash := HashPassword(password, s.cfg.Argon2)
		if a, err = s.cfg.Store.UpdateAccount(ctx, a.ID, func(a *buurtloket.Account) error { a.PasswordHash = newHash; return nil }); err != nil {
			s.internal(w, r, q, err)
			return
		}
	}
	q.account = a
	if err := s.startSession(w, r, q, false); err != nil {
		s.internal(w, r, q, err)
		return
	}
	s.continueLogin(w, r, q)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, q *request) {
	if err := s.cfg.Store.DeleteStaffSession(r.Context(), q.token); err != nil {
		s.internal(w, r, q, err)
		return
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
}

// logoutEverywhere ends every session of the account, on every device.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request, q *request) {
	if err := s.cfg.Store.DeleteStaffSessions(r.Context(), q.account.ID); err != nil {
		s.internal(w, r, q, err)
		return
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, q *request) {
	s.render(w, q, http.StatusOK, "password", map[string]any{"Forced": q.account.MustChangePassword})
}

// changePassword sets a new password: at the first login (a one-time
// password), or later with the current one. Every other session of the
// account ends.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, q *request) {
	ctx := r.Context()
	forced := q.account.MustChangePassword
	if !forced && !q.session.Full {
		http.Redirect(w, r, s.nextStep(q), http.StatusSeeOther)
		return
	}
	problem := ""
	next, again := r.PostForm.Get("new"), r.PostForm.Get("again")
	status := http.StatusUnprocessableEntity
	if !forced {
		ok, locked, err := s.currentPassword(ctx, q, r.PostForm.Get("current"))
		if err != nil {
			s.internal(w, r, q, err)
			return
		}
		if locked {
			problem, status = "staff.login.locked", http.StatusTooManyRequests
		} else if !ok {
			problem = "staff.password.current_wrong"
		}
	}
	if problem == "" {
		problem = newPasswordProblem(next, q.account.Email)
	}
	if problem == "" && next != again {
		problem = "staff.password.differ"
	}
	if problem == "" {
		if same, _ := PasswordMatches(q.account.PasswordHash, next, s.cfg.Argon2); same {
			problem = "staff.password.same"
		}
	}
	if problem != "" {
		s.render(w, q, status, "password", map[string]any{"Forced": forced, "Problem": problem})
		return
	}
	hash := HashPassword(next, s.cfg.Argon2)
	a, err := s.cfg.Store.UpdateAccount(ctx, q.account.ID, func(a *buurtloket.Account) error {
		a.PasswordHash, a.MustChangePassword = hash, false
		return nil
	})
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	full := q.session.Full
	if err := s.cfg.Store.DeleteStaffSessions(ctx, a.ID); err != nil {
		s.internal(w, r, q, err)
		return
	}
	q.account, q.token = a, ""
	if err := s.startSession(w, r, q, full); err != nil {
		s.internal(w, r, q, err)
		return
	}
	s.recordChange(ctx, a.Actor(), buurtloket.AccountPassword, a.ID)
	s.continueLogin(w, r, q)
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request, q *request) {
	if !q.account.TwoFactor() || q.session.Full || q.account.MustChangePassword {
		http.Redirect(w, r, s.nextStep(q), http.StatusSeeOther)
		return
	}
	s.render(w, q, http.StatusOK, "code", nil)
}

// checkCode takes the second factor: a code from the authenticator app,
// which works once, or a recovery code, which is then used up. Wrong codes
// count against the account as wrong passwords do.
func (s *Server) checkCode(w http.ResponseWriter, r *http.Request, q *request) {
	ctx := r.Context()
	if !q.account.TwoFactor() || q.session.Full || q.account.MustChangePassword {
		http.Redirect(w, r, s.nextStep(q), http.StatusSeeOther)
		return
	}
	// Wrong codes count under keys of their own, which a right password
	// does not clear (else a guesser with the password could log in again
	// every 4 codes), for the account and for the client's address.
	keys := []string{codeKey(q.account.ID), s.clientKey(r)}
	limits := []int{buurtloket.LoginFailuresPerKey, buurtloket.LoginFailuresPerIP}
	if locked, err := s.lockedOut(ctx, keys); err != nil {
		s.internal(w, r, q, err)
		return
	} else if locked {
		s.render(w, q, http.StatusTooManyRequests, "code", map[string]any{"Problem": "staff.login.locked"})
		return
	}
	now := s.cfg.Now()
	code := r.PostForm.Get("code")
	accepted := false
	a, err := s.cfg.Store.UpdateAccount(ctx, q.account.ID, func(a *buurtloket.Account) error {
		if step := totpStep(a.TOTPSecret, code, now, a.TOTPStep); step != 0 {
			a.TOTPStep, accepted = step, true
		} else if rest, ok := useRecovery(a.RecoveryCodes, code); ok {
			a.RecoveryCodes, accepted = rest, true
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	if !accepted {
		if _, err := s.cfg.Store.LoginFailed(ctx, keys, limits); err != nil {
			s.internal(w, r, q, err)
			return
		}
		s.render(w, q, http.StatusUnauthorized, "code", map[string]any{"Problem": "staff.code.wrong"})
		return
	}
	if err := s.cfg.Store.ClearLoginFailures(ctx, codeKey(a.ID)); err != nil {
		s.internal(w, r, q, err)
		return
	}
	q.account = a
	if err := s.startSession(w, r, q, true); err != nil {
		s.internal(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/staff/", http.StatusSeeOther)
}

// twoFactorPage shows a new secret for the authenticator app, as a QR code
// and as text. An account that has two-factor login already may only
// replace it from a full session: else a stolen password would be enough
// to set up a second factor of one's own.
func (s *Server) twoFactorPage(w http.ResponseWriter, r *http.Request, q *request) {
	if (q.account.TwoFactor() && !q.session.Full) || q.account.MustChangePassword {
		http.Redirect(w, r, s.nextStep(q), http.StatusSeeOther)
		return
	}
	key, err := newTOTP(q.account.Email)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	s.renderTwoFactor(w, q, http.StatusOK, key.Secret(), key.URL(), "")
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, q *request, status int, secret, url, problem string) {
	data := map[string]any{"Secret": secret, "Problem": problem, "Required": q.account.Role == buurtloket.RoleAdmin,
		"Replace": q.account.TwoFactor()}
	if key, err := otpKey(url); err == nil {
		if img, err := key.Image(220, 220); err == nil {
			var buf bytes.Buffer
			if png.Encode(&buf, img) == nil {
				// A PNG this server drew: html/template would refuse a data: address.
				data["QR"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
			}
		}
	}
	s.render(w, q, status, "two_factor", data)
}

// setUpTwoFactor stores the new secret once the app shows a right code
// for it, and shows the recovery codes, once.
func (s *Server) setUpTwoFactor(w http.ResponseWriter, r *http.Request, q *request) {
	if (q.account.TwoFactor() && !q.session.Full) || q.account.MustChangePassword {
		http.Redirect(w, r, s.nextStep(q), http.StatusSeeOther)
		return
	}
	secret := strings.TrimSpace(r.PostForm.Get("secret"))
	if !validSecret(secret) {
		s.fail(w, r, q, http.StatusBadRequest, "staff.error.form")
		return
	}
	// Replacing a second factor asks for the password again, so that
	// someone at a console left open cannot make one of their own.
	replace := q.account.TwoFactor()
	if replace {
		ok, locked, err := s.currentPassword(r.Context(), q, r.PostForm.Get("password"))
		if err != nil {
			s.internal(w, r, q, err)
			return
		}
		if locked {
			s.renderTwoFactor(w, q, http.StatusTooManyRequests, secret, totpURL(q.account.Email, secret), "staff.login.locked")
			return
		} else if !ok {
			s.renderTwoFactor(w, q, http.StatusUnprocessableEntity, secret, totpURL(q.account.Email, secret), "staff.password.current_wrong")
			return
		}
	}
	now := s.cfg.Now()
	step := totpStep(secret, r.PostForm.Get("code"), now, 0)
	if step == 0 {
		s.renderTwoFactor(w, q, http.StatusUnprocessableEntity, secret, totpURL(q.account.Email, secret), "staff.code.wrong")
		return
	}
	codes, hashes := recoveryCodes(10)
	a, err := s.cfg.Store.UpdateAccount(r.Context(), q.account.ID, func(a *buurtloket.Account) error {
		a.TOTPSecret, a.TOTPStep, a.RecoveryCodes = secret, step, hashes
		return nil
	})
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	q.account = a
	if replace {
		// Every other session ends: a second factor set up elsewhere
		// must not stay logged in.
		if err := s.cfg.Store.DeleteStaffSessions(r.Context(), a.ID); err != nil {
			s.internal(w, r, q, err)
			return
		}
		q.token = ""
	}
	if replace || !q.session.Full {
		if err := s.startSession(w, r, q, true); err != nil {
			s.internal(w, r, q, err)
			return
		}
	}
	s.recordChange(r.Context(), a.Actor(), buurtloket.AccountTwoFactor, a.ID)
	s.render(w, q, http.StatusOK, "recovery", map[string]any{"Codes": codes})
}

// recordChange records a change a staff member made to their own account,
// after it is done (the other sessions ended): a trail that cannot be
// written is logged, and undoes nothing.
func (s *Server) recordChange(ctx context.Context, by string, c buurtloket.AccountChange, id int64) {
	if err := s.cfg.Store.RecordAccountChange(ctx, by, c, id); err != nil {
		s.cfg.Logger.Error("an account change is not in the audit trail", "account", buurtloket.ActorOf(id), "change", string(c), "error", err)
	}
}

// currentPassword checks the password a logged-in staff member types to
// confirm a change (a new password, a new second factor). Wrong ones count
// against the account as wrong logins do, and a locked account's is not
// even compared: a console left open is no way to guess the password.
func (s *Server) currentPassword(ctx context.Context, q *request, password string) (ok, locked bool, err error) {
	key := accountKey(q.account.ID)
	if locked, err := s.lockedOut(ctx, []string{key}); err != nil || locked {
		if locked {
			PasswordMatches("", password, s.cfg.Argon2) // the same time as a comparison
		}
		return false, locked, err
	}
	if ok, _ := PasswordMatches(q.account.PasswordHash, password, s.cfg.Argon2); ok {
		return true, false, nil
	}
	_, err = s.cfg.Store.LoginFailed(ctx, []string{key}, []int{buurtloket.LoginFailuresPerKey})
	return false, false, err
}

// lockedOut reports whether any of the keys is locked by failed logins now.
func (s *Server) lockedOut(ctx context.Context, keys []string) (bool, error) {
	throttles, err := s.cfg.Store.LoginThrottles(ctx, keys)
	if err != nil {
		return false, err
	}
	now := s.cfg.Now()
	for _, t := range throttles {
		if t.Locked(now) {
			return true, nil
		}
	}
	return false, nil
}
