package kiosk

import (
	"context"
	"net/http"
	"strings"
	"time"

	"buurtloket"

	"github.com/gorilla/websocket"
)

const kioskCookie = "buurtloket_kiosk"

// handlePairPage answers the pairing link that `buurtloket kiosk add` (or
// `kiosk link`) printed: a page that asks whoever opened it to press a
// button, which pairs this screen (handlePair). The link itself spends
// nothing: a mail scanner or a chat's link preview that fetches it does
// not use it up before it reaches the kiosk. A screen that is paired
// already goes to the start screen.
func (s *Server) handlePairPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if _, err := s.kiosk(r); err == nil {
		http.Redirect(w, r, "/kiosk/", http.StatusSeeOther)
		return
	} else if buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		s.refuseKiosk(w, r, err) // the store could not tell: "one moment"
		return
	}
	if !buurtloket.WellFormedKioskToken(token) {
		s.refuseKiosk(w, r, buurtloket.Errorf(buurtloket.ENOTFOUND, "not a pairing link"))
		return
	}
	e := s.cfg.Engine()
	cat := e.Content().Catalog
	src := cat.SourceLanguage()
	pageHeaders(w.Header())
	// This page's one form posts to this server, with its Origin: under
	// no-referrer, Chromium sends "Origin: null" with a form.
	w.Header().Set("Content-Security-Policy", strings.Replace(w.Header().Get("Content-Security-Policy"), "form-action 'none'", "form-action 'self'", 1))
	w.Header().Set("Referrer-Policy", "same-origin")
	s.page.Execute(w, map[string]any{"Lang": src, "Mode": "kiosk", "Title": cat.Text(src, "ui.page.title"), "Unpaired": true,
		"Texts": []string{cat.Text(src, "ui.kiosk.pair_confirm"), cat.Text("en", "ui.kiosk.pair_confirm")}, "PairToken": token,
		"PairButton": cat.Text(src, "ui.kiosk.pair_button") + " · " + cat.Text("en", "ui.kiosk.pair_button")})
}

// handlePair pairs this browser as a kiosk, when the button of the pairing
// page is pressed: the link's secret token works once. The store exchanges
// it for a device token, which the browser keeps in a cookie that only
// /kiosk/ sees; pairing another device with a new link ends this one. The
// cookie says which kiosk this is, nothing about the residents who use it.
// Only a form of this server's own page may post here.
func (s *Server) handlePair(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		http.Error(w, "pair from the pairing page", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	k, device, err := s.cfg.Store.PairKiosk(r.Context(), r.PostFormValue("token"))
	if err != nil {
		// A spent link opened again on the kiosk it paired (a bookmark, a
		// restart that opens the same address): that kiosk is paired still.
		if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
			_, paired := s.kiosk(r)
			if paired == nil {
				http.Redirect(w, r, "/kiosk/", http.StatusSeeOther)
				return
			} else if buurtloket.ErrorCode(paired) != buurtloket.ENOTFOUND {
				err = paired // the store could not tell: "one moment", not "not paired"
			}
		} else {
			s.cfg.Logger.Error("pairing a kiosk", "error", err)
		}
		s.refuseKiosk(w, r, err)
		return
	}
	s.cfg.Logger.Info("kiosk paired", "kiosk", k.ID)
	http.SetCookie(w, &http.Cookie{Name: kioskCookie, Value: device, Path: "/kiosk/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.public.Secure(r), Expires: time.Now().AddDate(10, 0, 0)})
	// The spent token leaves the address bar and the history at once.
	http.Redirect(w, r, "/kiosk/", http.StatusSeeOther)
}

// kiosk returns the kiosk this browser is paired as. The error is
// ENOTFOUND when it is not paired (no cookie, an unknown token, a revoked
// kiosk), and another one when the store could not tell.
func (s *Server) kiosk(r *http.Request) (*buurtloket.Kiosk, error) {
	c, err := r.Cookie(kioskCookie)
	if err != nil || len(c.Value) > 100 {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "this kiosk is not paired")
	}
	k, err := s.cfg.Store.KioskByToken(r.Context(), c.Value)
	if err != nil {
		if buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
			s.cfg.Logger.Error("checking a kiosk's pairing", "error", err)
		}
		return nil, err
	}
	return k, nil
}

// closeUnpaired is the close code that tells a kiosk page it was revoked
// while it was open: the page reloads and shows the "not paired" screen.
const closeUnpaired = 4001

// stillPaired records that this connection's kiosk is in use now (for
// `buurtloket kiosk list`, LAST SEEN), and tells whether it still may be:
// the store refuses to record a revoked kiosk. A store that does not
// answer revokes nothing: the kiosk keeps working, and a submission fails
// on its own. A phone is always "paired".
func (c *conn) stillPaired(ctx context.Context) bool {
	if c.kiosk == nil {
		return true
	}
	err := c.s.cfg.Store.KioskSeen(ctx, c.kiosk.ID)
	switch buurtloket.ErrorCode(err) {
	case "":
		return true
	case buurtloket.ENOTFOUND:
		return false
	}
	c.s.cfg.Logger.Error("recording a kiosk as seen", "kiosk", c.kiosk.ID, "error", err)
	return true
}

// unpair ends the connection of a revoked kiosk: whatever the resident was
// doing there is not stored, and the page shows the "not paired" screen.
func (c *conn) unpair() {
	c.s.cfg.Logger.Warn("kiosk revoked: its page is closed", "kiosk", c.kiosk.ID)
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeUnpaired, "not paired"), time.Now().Add(time.Second))
	c.ws.Close()
}
