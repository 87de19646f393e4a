package kiosk

import (
	"net/http"
	"time"

	"buurtloket"
)

const kioskCookie = "buurtloket_kiosk"

// handlePair pairs this browser as a kiosk: the link that `buurtloket kiosk
// add` printed carries a secret token; the browser keeps it in a cookie that
// only /kiosk/ sees. The cookie says which kiosk this is, nothing about
// the residents who use it.
func (s *Server) handlePair(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if len(token) > 100 {
		token = ""
	}
	if _, err := s.cfg.Store.KioskByToken(r.Context(), token); err != nil {
		s.notPaired(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: kioskCookie, Value: token, Path: "/kiosk/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, Expires: time.Now().AddDate(10, 0, 0)})
	// The token leaves the address bar and the history at once.
	http.Redirect(w, r, "/kiosk/", http.StatusSeeOther)
}

// kiosk returns the kiosk this browser is paired as, or nil.
func (s *Server) kiosk(r *http.Request) *buurtloket.Kiosk {
	c, err := r.Cookie(kioskCookie)
	if err != nil || len(c.Value) > 100 {
		return nil
	}
	k, err := s.cfg.Store.KioskByToken(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return k
}

// notPaired tells whoever stands at an unpaired (or revoked) kiosk what to
// do, in Dutch and English: the page cannot know their language yet.
func (s *Server) notPaired(w http.ResponseWriter, r *http.Request) {
	e := s.cfg.Engine()
	cat := e.Content().Catalog
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusForbidden)
	src := cat.SourceLanguage()
	s.page.Execute(w, map[string]any{
		"Lang": src, "Mode": "kiosk", "Title": cat.Text(src, "ui.page.title"), "Unpaired": true,
		"Texts": []string{cat.Text(src, "ui.kiosk.unpaired"), cat.Text("en", "ui.kiosk.unpaired")},
	})
}
