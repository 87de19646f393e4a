package kiosk

// Limits that keep one client from spoiling the page for others: wrong
// codes and PINs, new sessions, submissions and replies. They are kept in
// this process's memory, per client (a paired kiosk, or else the client's
// address); an address is never logged or stored. The limits that must
// hold across instances are in the store: wrong PINs per ticket, and the
// bounds on a thread. The numbers and why are in docs/kiosk.md.

import (
	"net/http"
	"strconv"
	"time"

	"buurtloket/internal/limit"
	"buurtloket/internal/origin"
)

type guards struct {
	wrongTalk    limit.Keyed // wrong codes or PINs per conversation (a kiosk's next resident starts anew)
	wrongPhone   limit.Keyed // the same per phone address: one phone, one resident
	wrongShared  limit.Keyed // the same per kiosk or shared network, where many residents share one address
	sessions     limit.Keyed // new sessions (cookies) per phone address
	sessShared   limit.Keyed // the same per shared network
	submitPhone  limit.Keyed // requests stored, per phone address
	submitShared limit.Keyed // requests stored, per kiosk or shared network
	replies      limit.Keyed // resident replies, per ticket
}

func newGuards() *guards {
	return &guards{
		wrongTalk:    limit.Keyed{Burst: 10, Every: 6 * time.Minute},
		wrongPhone:   limit.Keyed{Burst: 10, Every: 6 * time.Minute},
		wrongShared:  limit.Keyed{Burst: 100, Every: 36 * time.Second},
		sessions:     limit.Keyed{Burst: 20, Every: time.Minute},
		sessShared:   limit.Keyed{Burst: 200, Every: 6 * time.Second},
		submitPhone:  limit.Keyed{Burst: 5, Every: 12 * time.Minute},
		submitShared: limit.Keyed{Burst: 30, Every: 2 * time.Minute},
		replies:      limit.Keyed{Burst: 5, Every: 12 * time.Second},
	}
}

// spendWrongTry spends a wrong try of this conversation and of its client
// before the store is asked, so that tries at once cannot pass on one last
// token; refundWrongTry gives both back when the PIN was right. It returns
// false, and when the next try comes, when either is spent.
func (c *conn) spendWrongTry(now time.Time) (bool, time.Time) {
	g := c.s.guards
	if ok, next := g.wrongTalk.Allow(c.conversation(), now); !ok {
		return false, next
	}
	if ok, next := c.wrongClient().Allow(c.client, now); !ok {
		g.wrongTalk.Refund(c.conversation(), now)
		return false, next
	}
	return true, time.Time{}
}

func (c *conn) refundWrongTry(now time.Time) {
	c.s.guards.wrongTalk.Refund(c.conversation(), now)
	c.wrongClient().Refund(c.client, now)
}

// conversation names this conversation for the limits: the page's session
// and the conversation in it, which a stop or a wipe renews.
func (c *conn) conversation() string { return c.key + "/" + c.sess.ID }

func (c *conn) wrongClient() *limit.Keyed {
	if c.shared {
		return &c.s.guards.wrongShared
	}
	return &c.s.guards.wrongPhone
}

func (c *conn) submissions() *limit.Keyed {
	if c.shared {
		return &c.s.guards.submitShared
	}
	return &c.s.guards.submitPhone
}

// client names who the limits count a page against, and whether many
// residents share it: a paired kiosk, or an address in one of the
// operator's shared networks (the buurthuis Wi-Fi), which counts as a
// whole; else the address itself.
func (s *Server) client(r *http.Request, kioskID int64) (string, bool) {
	if kioskID != 0 {
		return "kiosk:" + strconv.FormatInt(kioskID, 10), true
	}
	a, ok := origin.Addr(r, s.cfg.TrustProxy)
	if !ok {
		return "addr:" + r.RemoteAddr, false
	}
	for _, n := range s.cfg.SharedNetworks {
		if n.Contains(a) {
			return "net:" + n.String(), true
		}
	}
	return "addr:" + origin.Household(a), false
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
