package kiosk

import (
	"io/fs"
	"net/http"
	"strings"

	"buurtloket/pictograms"
)

// Handler returns the web channel's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handlePage(s.cfg.Phone))
	mux.HandleFunc("GET /kiosk/{$}", s.handlePage(s.cfg.Kiosk))
	mux.HandleFunc("GET /kiosk/pair", s.handlePairPage)
	mux.HandleFunc("POST /kiosk/pair", s.handlePair)
	mux.HandleFunc("POST /leave", s.handleLeave(&s.cfg.Phone))
	mux.HandleFunc("GET /ws", s.serveWebSocket(&s.cfg.Phone))
	mux.HandleFunc("GET /kiosk/ws", s.serveWebSocket(&s.cfg.Kiosk))
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheable(http.FileServerFS(static))))
	mux.Handle("GET /pictograms/", http.StripPrefix("/pictograms/", cacheable(http.FileServerFS(pictograms.FS))))
	if s.cfg.Speech != nil {
		mux.Handle("GET /speech/", s.cfg.Speech)
	}
	return mux
}

// cacheable serves assets that hold nothing of a resident: browsers may
// keep them. Folders are not listed, and no asset may be taken for
// another type or run script of its own (an SVG opened by itself).
func cacheable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; sandbox")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
