package origin

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Public{
		"https://buurtloket.example.nl/":         "https://buurtloket.example.nl",
		"https://buurtloket.example.nl:8443/x?y": "https://buurtloket.example.nl:8443",
		"http://127.0.0.1:8080":                  "http://127.0.0.1:8080",
		"":                                       "",
		"buurtloket.example.nl":                  "",
		"ftp://buurtloket.example.nl":            "",
		"https://":                               "",
	} {
		if got := Parse(in); got != want {
			t.Errorf("Parse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSame(t *testing.T) {
	p := Parse("https://buurtloket.example.nl")
	for origin, want := range map[string]bool{
		"http://internal:8080":          true, // the Host, as the proxy passed it
		"https://internal:8080":         true,
		"https://BUURTLOKET.example.nl": true,
		"https://evil.example":          false,
		"null":                          false,
		"":                              false,
	} {
		r := httptest.NewRequest("POST", "http://internal:8080/staff/login", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if got := p.Same(r); got != want {
			t.Errorf("Origin %q: %v, want %v", origin, got, want)
		}
	}
}

func TestSecure(t *testing.T) {
	r := httptest.NewRequest("GET", "http://internal/", nil)
	if Parse("http://x").Secure(r) || Public("").Secure(r) {
		t.Fatal("plain HTTP without an https public address is Secure")
	}
	if !Parse("https://x").Secure(r) {
		t.Fatal("behind a TLS proxy (https public address): not Secure")
	}
	r.TLS = &tls.ConnectionState{}
	if !Public("").Secure(r) {
		t.Fatal("over TLS: not Secure")
	}
}

func TestClient(t *testing.T) {
	for _, c := range []struct {
		remote, real string
		trust        bool
		want         string
	}{
		{"192.0.2.7:4242", "", false, "192.0.2.7"},
		{"192.0.2.7:4242", "198.51.100.9", false, "192.0.2.7"}, // an untrusted header counts for nothing
		{"192.0.2.7:4242", "198.51.100.9", true, "198.51.100.9"},
		{"192.0.2.7:4242", "not an address", true, "192.0.2.7"}, // nor does one that is no address
		{"[2001:db8:1:2:3:4:5:6]:4242", "", false, "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:4242", "", false, "192.0.2.7"},
		{"192.0.2.7:4242", " 2001:db8:9:9::1 ", true, "2001:db8:9:9::/64"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.real != "" {
			r.Header.Set("X-Real-IP", c.real)
		}
		if got := Client(r, c.trust); got != c.want {
			t.Errorf("%s, X-Real-IP %q, trusted %v: %q, want %q", c.remote, c.real, c.trust, got, c.want)
		}
	}
}
