// Package kiosk is the web channel: the touchscreen page in the community
// centre (/kiosk/) and the same page in a phone browser (/). The engine runs
// on the server; the page only renders views and sends inputs over a
// WebSocket. Sessions are stored, so a page that loses its connection, or a
// server that restarts, continues where the resident was.
package kiosk

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/internal/origin"

	"github.com/gorilla/websocket"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/page.html
var pageTemplate string

// Mode is how the page behaves: a shared kiosk forgets quickly, a phone
// gives the resident time.
type Mode struct {
	Name     string
	Channel  buurtloket.Channel
	Idle     time.Duration // no touch for this long: the "are you still there" warning
	Warning  time.Duration // how long the warning waits before everything is wiped
	Sessions time.Duration // how long a stored session lives without an input or a touch
	Ping     time.Duration // how often the page is pinged; see pongWait
}

// pongWait is how long a page may be silent, pongs included: a ping
// period and a ninth more (60 s for the default 54 s), and at least a
// second more, so that a pong on a busy machine is not late.
func (m *Mode) pongWait() time.Duration { return m.Ping + max(m.Ping/9, time.Second) }

// stillEvery is how often touches ("still") are written to the store at
// most: once a minute, and often enough that the stored session does not
// end while the resident is still there.
func (m *Mode) stillEvery() time.Duration { return min(time.Minute, m.Sessions/2) }

var (
	// A kiosk's stored session ends when the page's idle warning would
	// have wiped it, also when the page cannot (a crash, a lost network):
	// the server forgets on its own. The page reports touches.
	KioskMode = Mode{Name: "kiosk", Channel: buurtloket.ChannelKiosk, Idle: 60 * time.Second, Warning: 30 * time.Second, Sessions: 90 * time.Second, Ping: 54 * time.Second}
	PhoneMode = Mode{Name: "phone", Channel: buurtloket.ChannelWeb, Idle: 20 * time.Minute, Warning: 60 * time.Second, Sessions: 24 * time.Hour, Ping: 54 * time.Second}
)

// Neighbourhoods finds the neighbourhood of a postcode ("" when unknown).
type Neighbourhoods interface {
	Lookup(postcode string) string
}

// Config is what the web channel needs.
type Config struct {
	Engine func() *dialogs.Engine // the current engine (it changes on reload)
	Store  buurtloket.RequestStore
	Wijken Neighbourhoods
	Logger *slog.Logger
	Kiosk  Mode // default KioskMode; tests shorten its timings
	Phone  Mode // default PhoneMode
	// PublicURL is the address residents reach the phone page at; the end
	// screen's QR code leads there. Empty: no QR code.
	PublicURL string
	// MaxPhonePages caps the phone pages connected at once (0: no cap).
	// More are refused with 503, and the page retries calmly; kiosks are
	// never refused. It keeps a flood of connections from taking the
	// memory the kiosks need.
	MaxPhonePages int
	// FollowLink, when set, is where the QR code leads instead: the
	// Telegram bot's deep link for the ticket, once a bot is configured.
	// It gets the ticket code only, never the PIN.
	FollowLink func(ticket string) string
	// Sealer signs the session cookies, so that only cookies this
	// service issued (any instance with the same key) name a session.
	// Nil: a key of this process's own, as in tests.
	Sealer *buurtloket.Sealer
	// TrustProxy takes the client's address from the X-Real-IP header a
	// reverse proxy in front sets (docs/deploy.md), for the limits per
	// client. Without a proxy it must stay off: a client could set it.
	TrustProxy bool
	// MaxKioskPages caps the pages one paired kiosk may have open at once
	// (default 3: a kiosk shows one, and a reconnect may overlap). A
	// leaked pairing cookie cannot open many.
	MaxKioskPages int
	// SharedNetworks are networks where many residents share one address,
	// such as the buurthuis Wi-Fi: the limits per client count such a
	// network as a whole, with a kiosk's higher numbers.
	SharedNetworks []netip.Prefix
	// Speech reads the screens aloud (nil: read-aloud is off, and the
	// page shows no button for it).
	Speech Speaker
}

// Server serves the page and its WebSocket.
type Server struct {
	cfg      Config
	page     *template.Template
	upgrader websocket.Upgrader
	// public is PublicURL's scheme and host ("https://buurtloket.example.nl").
	public origin.Public

	mu     sync.Mutex
	conns  map[*conn]struct{}
	phones int           // phone pages admitted and not yet gone
	kiosks map[int64]int // pages open per kiosk
	// followers are the pages following each request (push.go).
	followers map[int64]map[*conn]struct{}

	guards     *guards
	proxyNoted sync.Once

	// work runs the inputs of every connection on a few goroutines, so
	// that the deep stacks of the engine, JSON and storage are not kept
	// once per connection. Each connection waits for its own input, so
	// the order per connection stays.
	work chan func()
	stop chan struct{}

	metrics *metrics
}

// New returns the web channel.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kiosk.Name == "" {
		cfg.Kiosk = KioskMode
	}
	if cfg.Phone.Name == "" {
		cfg.Phone = PhoneMode
	}
	for _, m := range []*Mode{&cfg.Kiosk, &cfg.Phone} {
		if m.Ping <= 0 {
			m.Ping = KioskMode.Ping
		}
	}
	if cfg.Sealer == nil {
		cfg.Sealer, _ = buurtloket.NewSealer(buurtloket.NewKey())
	}
	if cfg.MaxKioskPages <= 0 {
		cfg.MaxKioskPages = 3
	}
	s := &Server{cfg: cfg, page: template.Must(template.New("page").Parse(pageTemplate)), conns: map[*conn]struct{}{},
		kiosks: map[int64]int{}, followers: map[int64]map[*conn]struct{}{}, guards: newGuards(), work: make(chan func()), stop: make(chan struct{}), metrics: newMetrics()}
	s.public = origin.Parse(cfg.PublicURL)
	for i := 0; i < 4*runtime.GOMAXPROCS(0); i++ {
		go s.worker()
	}
	s.upgrader = websocket.Upgrader{
		// A small read buffer of its own (net/http's 4 KB one is then
		// freed): an input frame is a few hundred bytes, and larger ones
		// (up to maxFrame) are read past the buffer. A write buffer is lent
		// by the pool only while a frame is written. Thousands of idle
		// kiosks and phones cost little.
		ReadBufferSize:  256,
		WriteBufferSize: 0,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     s.sameOrigin,
	}
	return s
}

// sameOrigin accepts WebSockets and the pairing form from pages this
// server served: a page on another site cannot drive a resident's session.
func (s *Server) sameOrigin(r *http.Request) bool { return s.public.Same(r) }

const cookieName = "buurtloket_session"

// The session cookie is a random name and the server's signature on it:
// 32 random bytes and a 16-byte MAC, base64 without padding, with a dot.
const (
	cookieRandom = 43 // base64 of 32 bytes
	cookieLen    = cookieRandom + 1 + 22
)

// sessionCookie returns the browser's session cookie if the server issued
// it, and otherwise issues a new one, unless this address asked for too
// many new sessions lately: then it returns "" and the caller refuses the
// page. The cookie holds no data: only a random name for the stored
// session (which is written once the resident does something).
func (s *Server) sessionCookie(w http.ResponseWriter, r *http.Request, mode *Mode) string {
	if v, ok := s.validCookie(r); ok {
		return v
	}
	legacy := s.legacySession(r, mode)
	if mode.Channel != buurtloket.ChannelKiosk && legacy == nil {
		s.noticeProxy(r)
		limit := &s.guards.sessions
		client, shared := s.client(r, 0)
		if shared {
			limit = &s.guards.sessShared
		}
		if ok, _ := limit.Allow(client, time.Now()); !ok {
			return ""
		}
	}
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	v += "." + base64.RawURLEncoding.EncodeToString(s.cfg.Sealer.Sign("session cookie", []byte(v))[:16])
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.public.Secure(r)})
	if legacy != nil {
		// The conversation moves to the signed cookie's name; if that
		// fails, the resident starts anew, as before.
		if err := s.cfg.Store.SaveSession(r.Context(), storeKey(mode, v), legacy, time.Now().Add(mode.Sessions)); err == nil {
			s.cfg.Store.DeleteSession(r.Context(), storeKey(mode, legacyCookie(r)))
		}
	}
	return v
}

// legacySession returns the stored conversation of a cookie from before
// the server signed its cookies (a bare 32-byte name), so that an upgrade
// does not end the conversations in progress: such a page gets a signed
// cookie and keeps its conversation, once. A made-up name has no stored
// conversation, and gets nothing.
func (s *Server) legacySession(r *http.Request, mode *Mode) []byte {
	name := legacyCookie(r)
	if name == "" {
		return nil
	}
	data, err := s.cfg.Store.LoadSession(r.Context(), storeKey(mode, name))
	if err != nil {
		return nil
	}
	return data
}

func legacyCookie(r *http.Request) string {
	if c, err := r.Cookie(cookieName); err == nil && len(c.Value) == cookieRandom && !strings.Contains(c.Value, ".") {
		return c.Value
	}
	return ""
}

// validCookie returns the request's session cookie if this service
// issued it: any other value names no session and stores nothing.
func (s *Server) validCookie(r *http.Request) (string, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || len(c.Value) != cookieLen || c.Value[cookieRandom] != '.' {
		return "", false
	}
	mac, err := base64.RawURLEncoding.DecodeString(c.Value[cookieRandom+1:])
	if err != nil || !hmac.Equal(mac, s.cfg.Sealer.Sign("session cookie", []byte(c.Value[:cookieRandom]))[:16]) {
		return "", false
	}
	return c.Value, true
}

// storeKey is the stored session's name: a hash of the cookie, so that a
// copy of the database cannot be used to take over a session.
func storeKey(mode *Mode, cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return "web:" + mode.Name + ":" + hex.EncodeToString(sum[:])
}

// newID returns a random ID for a new conversation; submissions are keyed
// by it, so it must never repeat.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CloseConnections tells every connected page that the server is going
// away and closes its WebSocket; the pages reconnect (to this server when it
// comes back, or to another behind the same address) and resume. The HTTP
// server's Shutdown does not do this for WebSockets: call it on shutdown.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server going away"), time.Now().Add(time.Second))
		c.ws.Close()
	}
}

// admit takes a place for a new page, and says why not (a reason for the
// metrics) when the phone pages are at MaxPhonePages or the kiosk has
// MaxKioskPages open. Kiosks are never refused for phones: a flood of
// phone connections must not lock out the buurthuis.
func (s *Server) admit(mode *Mode, kiosk *buurtloket.Kiosk) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case kiosk != nil && s.kiosks[kiosk.ID] >= s.cfg.MaxKioskPages:
		s.metrics.turnedAway.WithLabelValues("kiosk").Inc()
		return "kiosk"
	case kiosk != nil:
		s.kiosks[kiosk.ID]++
	case s.cfg.MaxPhonePages > 0 && s.phones >= s.cfg.MaxPhonePages:
		s.metrics.turnedAway.WithLabelValues("phones").Inc()
		return "phones"
	default:
		s.phones++
	}
	return ""
}

// leave gives the place of a page back.
func (s *Server) leave(kiosk *buurtloket.Kiosk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if kiosk != nil {
		if s.kiosks[kiosk.ID]--; s.kiosks[kiosk.ID] <= 0 {
			delete(s.kiosks, kiosk.ID)
		}
		return
	}
	s.phones--
}

func (s *Server) track(c *conn, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.conns[c] = struct{}{}
		s.metrics.connections.WithLabelValues(c.mode.Name).Inc()
	} else {
		delete(s.conns, c)
		s.metrics.connections.WithLabelValues(c.mode.Name).Dec()
	}
}

func (s *Server) worker() {
	for {
		select {
		case f := <-s.work:
			f()
		case <-s.stop:
			return
		}
	}
}

// Close stops the workers. Connections should be closed first.
func (s *Server) Close() {
	s.CloseConnections()
	close(s.stop)
}
