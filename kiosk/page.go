package kiosk

import (
	"net/http"
	"strconv"
	"strings"

	"buurtloket"
)

// handlePage serves the page shell. Everything a resident sees comes over
// the WebSocket; the shell holds nothing of theirs, and is never cached.
func (s *Server) handlePage(mode Mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if mode.Channel == buurtloket.ChannelKiosk {
			if _, err := s.kiosk(r); err != nil {
				s.refuseKiosk(w, r, err)
				return
			}
		}
		if s.sessionCookie(w, r, &mode) == "" {
			s.refuseBusy(w)
			return
		}
		e := s.cfg.Engine()
		lang := e.Content().Catalog.SourceLanguage()
		pageHeaders(w.Header())
		err := s.page.Execute(w, map[string]any{
			"Lang":  lang,
			"Mode":  mode.Name,
			"Title": e.Content().Catalog.Text(lang, "ui.page.title"),
		})
		if err != nil {
			s.cfg.Logger.Error("page", "error", err)
		}
	}
}

// pageHeaders are the headers of every page the server renders: never
// cached, no referrer, and only the server's own scripts and styles.
func pageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
}

// handleLeave ends the phone page's stored conversation: "leave quickly"
// sends it as a beacon when its WebSocket is down, since the page goes
// away at once. The session cookie is SameSite=Strict, so another site
// cannot end a resident's conversation.
func (s *Server) handleLeave(mode *Mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cookie, ok := s.validCookie(r)
		if !ok {
			w.WriteHeader(http.StatusNoContent) // nothing to end
			return
		}
		if err := s.cfg.Store.DeleteSession(r.Context(), storeKey(mode, cookie)); err != nil && buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
			s.cfg.Logger.Error("ending a session", "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// refuseKiosk answers a kiosk page that cannot be served. Not paired: it
// tells whoever stands at the kiosk what to do, in Dutch and English (the
// page cannot know their language yet). The store not answering: a calm
// "one moment". Both look again by themselves (static/retry.js), so that a
// kiosk does not stay stuck on a screen that no longer holds.
func (s *Server) refuseKiosk(w http.ResponseWriter, r *http.Request, err error) {
	if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
		s.refuse(w, "kiosk", http.StatusForbidden, "ui.kiosk.unpaired", 60)
		return
	}
	s.refuse(w, "kiosk", http.StatusServiceUnavailable, "ui.page.reconnecting", 10)
}

// refuseBusy answers a phone page from an address that asked for too many
// new sessions lately; it looks again by itself after a minute.
func (s *Server) refuseBusy(w http.ResponseWriter) {
	s.cfg.Logger.Warn("too many new sessions from one address: page refused") // never the address
	s.metrics.turnedAway.WithLabelValues("sessions").Inc()
	s.refuse(w, "phone", http.StatusTooManyRequests, "ui.page.busy", 60)
}

// refuse serves the page that says why the page cannot be served now, in
// Dutch and English, with the emergency numbers, and looks again by itself
// every retry seconds.
func (s *Server) refuse(w http.ResponseWriter, mode string, status int, messageID string, retry int) {
	e := s.cfg.Engine()
	cat := e.Content().Catalog
	src := cat.SourceLanguage()
	pageHeaders(w.Header())
	// The emergency numbers are on every screen, this one too.
	type call struct{ Label, Number, Tel string }
	var calls []call
	for _, a := range strip(e, src) {
		c := call{Label: a.Label, Tel: telDigits(a.Phone)}
		if !strings.Contains(a.Label, a.Phone) {
			c.Number = a.Phone // a kiosk cannot dial: the number shows
		}
		calls = append(calls, c)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	w.WriteHeader(status)
	s.page.Execute(w, map[string]any{"Lang": src, "Mode": mode, "Title": cat.Text(src, "ui.page.title"), "Unpaired": true, "Strip": calls,
		"Retry": retry, "Texts": []string{cat.Text(src, messageID), cat.Text("en", messageID)}})
}

// telDigits keeps what a tel: link may hold of a phone number.
func telDigits(phone string) string {
	return strings.Map(func(r rune) rune {
		if r == '+' || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, phone)
}
