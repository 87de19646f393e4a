package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"buurtloket"
)

// Cookies: the session's token (the store keeps only its hash), and
// before login a token that the login form repeats (CSRF on the login
// form itself, so that no other site can log a browser in).
const (
	sessionCookie = "buurtloket_staff"
	loginCookie   = "buurtloket_staff_login"
	maxFormBytes  = 64 << 10
)

// request is what a handler knows about who is asking.
type request struct {
	lang    string
	token   string // the hash of the session's token; "" without a session
	session *buurtloket.StaffSession
	account *buurtloket.Account
	csrf    string // the token this request's forms carry
}

type handler func(w http.ResponseWriter, r *http.Request, q *request)

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// guard opens a route to those its access allows, and checks every form
// post: its size, its origin and its CSRF token.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: with no-referrer, Chromium sends
		// "Origin: null" on form posts, and sameOrigin could not tell.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		q := &request{lang: s.lang(r)}
		if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) <= 64 {
			// A page that listens or refreshes itself (console.js) is not
			// someone at work: it must not keep the session from going idle.
			s.loadSession(r.Context(), c.Value, !rt.quiet && r.Header.Get(refreshHeader) == "", q)
		}
		post := r.Method == http.MethodPost
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				s.fail(w, r, q, http.StatusRequestEntityTooLarge, "staff.error.form")
				return
			}
		}
		switch {
		case rt.access == public:
		case q.session == nil && post:
			s.fail(w, r, q, http.StatusForbidden, "staff.error.login_first")
			return
		case q.session == nil:
			http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
			return
		case rt.access >= member && !q.session.Full:
			http.Redirect(w, r, s.nextStep(q), http.StatusSeeOther)
			return
		case rt.access == admin && q.account.Role != buurtloket.RoleAdmin:
			s.fail(w, r, q, http.StatusForbidden, "staff.error.admins_only")
			return
		}
		if post && !s.formIsOurs(r, q) {
			s.fail(w, r, q, http.StatusForbidden, "staff.error.csrf")
			return
		}
		rt.handle(w, r, q)
	})
}

// refreshHeader marks console.js's own reading of a page for a live
// update.
const refreshHeader = "X-Buurtloket-Refresh"

// loadSession fills q from a session cookie whose session is live and
// whose account may log in; seen: someone is at work.
func (s *Server) loadSession(ctx context.Context, token string, seen bool, q *request) {
	hash := hashToken(token)
	ss, err := s.cfg.Store.StaffSession(ctx, hash, seen)
	if err != nil {
		return
	}
	a, err := s.cfg.Store.Account(ctx, ss.AccountID)
	if err != nil && buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		return // a moment's trouble with the database ends no session
	}
	if err != nil || a.Disabled {
		s.cfg.Store.DeleteStaffSession(ctx, hash)
		return
	}
	q.token, q.session, q.account, q.csrf = hash, ss, a, ss.CSRF
}

// formIsOurs checks that a form was posted from the console's own pages:
// its origin, and the CSRF token of its session (or, on the login form,
// the token of the login cookie), compared in constant time.
func (s *Server) formIsOurs(r *http.Request, q *request) bool {
	if !s.sameOrigin(r) {
		return false
	}
	want := q.csrf
	if q.session == nil || r.URL.Path == "/staff/login" { // the login form carries its own cookie's token
		c, err := r.Cookie(loginCookie)
		if err != nil {
			return false
		}
		want = c.Value
	}
	got := r.PostForm.Get("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// nextStep is where a session whose login is not done goes next.
func (s *Server) nextStep(q *request) string {
	switch a := q.account; {
	case a.MustChangePassword:
		return "/staff/password"
	case a.TwoFactor():
		return "/staff/code"
	case a.Role == buurtloket.RoleAdmin:
		return "/staff/two-factor" // admins must have two-factor login
	}
	return "/staff/"
}

// startSession gives the browser a new session: a new token at every step
// of the login, so that a token seen before login is worth nothing after.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, q *request, full bool) error {
	ctx := r.Context()
	if q.token != "" {
		if err := s.cfg.Store.DeleteStaffSession(ctx, q.token); err != nil {
			return err
		}
	}
	token := newToken()
	ss := &buurtloket.StaffSession{AccountID: q.account.ID, Full: full, CSRF: newToken()}
	if err := s.cfg.Store.AddStaffSession(ctx, hashToken(token), ss); err != nil {
		return err
	}
	q.token, q.session, q.csrf = hashToken(token), ss, ss.CSRF
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/staff/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.public.Secure(r)})
	return nil
}

// continueLogin sends a session on to its next step, or, when every step
// is done, makes it a full session.
func (s *Server) continueLogin(w http.ResponseWriter, r *http.Request, q *request) {
	next := s.nextStep(q)
	if next == "/staff/" || q.session.Full {
		if !q.session.Full {
			if err := s.startSession(w, r, q, true); err != nil {
				s.internal(w, r, q, err)
				return
			}
		}
		next = "/staff/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/staff/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.public.Secure(r)})
}

// lang is the console's language for the request: English when the
// browser prefers it, else Dutch.
func (s *Server) lang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.Split(part, ";")[0]))
		switch {
		case strings.HasPrefix(tag, "nl"):
			return "nl"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "nl"
}
