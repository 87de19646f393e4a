package kiosk

// Limits that keep one client from spoiling the page for others: wrong
// codes and PINs, new sessions, submissions and replies. They are kept in
// this process's memory, per client (a paired kiosk, or else the client's
// address); an address is never logged or stored. The limits that must
// hold across instances are in the store: wrong PINs per ticket, and the
// bounds on a thread. The numbers and why are in docs/kiosk.md.

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"buurtloket/internal/limit"
)

type guards struct {
	wrongPhone  limit.Keyed // wrong codes or PINs, per phone address
	wrongKiosk  limit.Keyed // the same per kiosk, where many residents share one screen
	sessions    limit.Keyed // new sessions (cookies) per address
	submitPhone limit.Keyed // requests stored, per phone address
	submitKiosk limit.Keyed // requests stored, per kiosk
	replies     limit.Keyed // resident replies, per ticket
}

func newGuards() *guards {
	return &guards{
		wrongPhone:  limit.Keyed{Burst: 10, Every: 6 * time.Minute},
		wrongKiosk:  limit.Keyed{Burst: 30, Every: 2 * time.Minute},
		sessions:    limit.Keyed{Burst: 20, Every: time.Minute},
		submitPhone: limit.Keyed{Burst: 5, Every: 12 * time.Minute},
		submitKiosk: limit.Keyed{Burst: 30, Every: 2 * time.Minute},
		replies:     limit.Keyed{Burst: 5, Every: 12 * time.Second},
	}
}

// wrong is the limit on wrong codes and PINs for this connection's client.
func (c *conn) wrong() *limit.Keyed {
	if c.kiosk != nil {
		return &c.s.guards.wrongKiosk
	}
	return &c.s.guards.wrongPhone
}

func (c *conn) submissions() *limit.Keyed {
	if c.kiosk != nil {
		return &c.s.guards.submitKiosk
	}
	return &c.s.guards.submitPhone
}

// clientKey names the client of a connection for the limits: its kiosk,
// or its address.
func clientKey(r *http.Request, trustProxy bool, kioskID int64) string {
	if kioskID != 0 {
		return "kiosk:" + strconv.FormatInt(kioskID, 10)
	}
	return "addr:" + clientAddr(r, trustProxy)
}

// clientAddr is the client's address: the peer's, or behind a reverse
// proxy that the operator trusts, the X-Real-IP it sets (docs/deploy.md).
// An IPv6 client counts per /64, the block one household gets.
func clientAddr(r *http.Request, trustProxy bool) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if trustProxy {
		if real := strings.TrimSpace(r.Header.Get("X-Real-IP")); real != "" {
			host = real
		}
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// noticeProxy warns once when pages seem to come through a reverse proxy
// that buurtloket does not trust: every resident then has the proxy's
// address, and the limits per address count them all as one.
func (s *Server) noticeProxy(r *http.Request) {
	if s.cfg.TrustProxy || (r.Header.Get("X-Real-IP") == "" && r.Header.Get("X-Forwarded-For") == "") {
		return
	}
	s.proxyNoted.Do(func() {
		s.cfg.Logger.Warn("pages come through a reverse proxy, but --trust-proxy is off: the limits per address count every resident as the proxy; start serve with --trust-proxy (docs/deploy.md)")
	})
}
