// Package staff is the staff console at /staff/: the pages in which
// housing-corporation and municipal staff log in and answer residents'
// requests. Pages are rendered on the server (html/template, embedded),
// with a little plain JavaScript; every route is listed once in
// routes.go with who may open it, and a test walks that list.
package staff

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/internal/origin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the console needs.
type Config struct {
	Store buurtloket.RequestStore
	// Texts are the console's messages (locales/staff): Dutch, and English.
	Texts *dialogs.Catalog
	// Content is the current flow content (it changes on reload): the
	// canned replies and the residents' texts they are sent in.
	Content func() *dialogs.Content
	Logger  *slog.Logger
	// PublicURL is the address staff reach buurtloket at; an https one
	// makes the cookies Secure behind a proxy that ends TLS.
	PublicURL string
	// TrustProxy takes the client's address from X-Real-IP, for the login
	// throttle per address (docs/deploy.md).
	TrustProxy bool
	// Argon2 is the cost of password hashes; zero: DefaultArgon2.
	Argon2 Argon2Params
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Server serves the console.
type Server struct {
	cfg       Config
	pages     map[string]*template.Template
	routes    []route
	mux       *http.ServeMux
	public    origin.Public
	open      pageSet       // the open pages' event streams (events.go)
	held      heldBack      // changes to anonymous requests, until the hour (events.go)
	closing   chan struct{} // closed by CloseStreams
	heartbeat time.Duration // of the event streams
	closeOnce sync.Once
}

// New returns the console.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Texts == nil || cfg.Content == nil {
		return nil, errors.New("the console needs a store, its texts and the content")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), closing: make(chan struct{}), heartbeat: heartbeat}
	s.public = origin.Parse(cfg.PublicURL)
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /staff/static/", http.StripPrefix("/staff/static/", staticFiles(http.FileServerFS(static))))
	return s, nil
}

// Handler serves everything under /staff/.
func (s *Server) Handler() http.Handler { return s.mux }

// staticFiles adds the console's security headers to its static files.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// sameOrigin checks a form post's Origin (or, without it, Sec-Fetch-Site):
// a form posted from another site is refused even before its CSRF token is
// looked at.
func (s *Server) sameOrigin(r *http.Request) bool {
	if r.Header.Get("Origin") != "" {
		return s.public.Same(r)
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

// clientKey names the client's address for the login throttle, hashed:
// the count needs no address in the clear. An IPv6 client counts per /64.
func (s *Server) clientKey(r *http.Request) string {
	sum := sha256.Sum256([]byte("buurtloket login client:" + origin.Client(r, s.cfg.TrustProxy)))
	return "client:" + hex.EncodeToString(sum[:12])
}

func accountKey(id int64) string { return "account:" + buurtloket.ActorOf(id) }

// emailKey counts the failures for an e-mail address without an account
// (the store keeps every throttle key as a keyed hash).
func emailKey(email string) string { return "email:" + strings.ToLower(email) }

// codeKey counts an account's wrong second-factor codes.
func codeKey(id int64) string { return "code:" + buurtloket.ActorOf(id) }
