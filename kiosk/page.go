package kiosk

import (
	"net/http"

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
		s.sessionCookie(w, r)
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
		c, err := r.Cookie(cookieName)
		if err != nil || len(c.Value) != 43 {
			w.WriteHeader(http.StatusNoContent) // nothing to end
			return
		}
		if err := s.cfg.Store.DeleteSession(r.Context(), storeKey(mode, c.Value)); err != nil && buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
			s.cfg.Logger.Error("ending a session", "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
