// Package origin answers, alike for the kiosk page and the staff console,
// what a server that may sit behind a reverse proxy must know of a
// request: whether it comes from the server's own pages, whether cookies
// must be Secure, and which client sent it.
package origin

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Public is the origin of the address residents and staff use
// ("https://buurtloket.example.nl"), from --public-url; "" when none is
// given.
type Public string

// Parse takes the public URL's scheme and host; anything that is no
// http(s) URL with a host gives "".
func Parse(publicURL string) Public {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return Public(u.Scheme + "://" + u.Host)
}

// Same tells whether the request's Origin is this server's: its Host's
// (either scheme), or the public origin, for a proxy that does not pass
// the Host on. A request without an Origin is not.
func (p Public) Same(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	return o == "http://"+r.Host || o == "https://"+r.Host || (p != "" && strings.EqualFold(o, string(p)))
}

// Secure tells whether cookies must be Secure: the request came over TLS,
// or the public address is https (TLS ends at a proxy in front).
func (p Public) Secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(string(p)), "https://")
}

// Addr is the client's address: the peer's, or behind a reverse proxy
// that the operator trusts, the X-Real-IP it sets (docs/deploy.md), but
// only when that is an address: any other value would let a client that
// gets a header through name a new one at each try. false: the peer's
// address is no IP address (a test's pipe).
func Addr(r *http.Request, trustProxy bool) (netip.Addr, bool) {
	if trustProxy {
		if real, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get("X-Real-IP"))); err == nil {
			return real.Unmap(), true
		}
	}
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// Client names the client for the limits that count per client: its
// address (Addr) as a Household.
func Client(r *http.Request, trustProxy bool) string {
	a, ok := Addr(r, trustProxy)
	if !ok {
		return r.RemoteAddr
	}
	return Household(a)
}

// Household names an address as the limits count it: an IPv4 address
// itself, an IPv6 one by its /64, the block one household gets.
func Household(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
