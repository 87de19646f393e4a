package kiosk

import (
	"io/fs"
	"net/http"

	"buurtloket/pictograms"
)

// Handler returns the web channel's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handlePage(s.cfg.Phone))
	mux.HandleFunc("GET /kiosk/{$}", s.handlePage(s.cfg.Kiosk))
	mux.HandleFunc("GET /kiosk/pair", s.handlePair)
	mux.HandleFunc("POST /leave", s.handleLeave(&s.cfg.Phone))
	mux.HandleFunc("GET /ws", s.serveWebSocket(&s.cfg.Phone))
	mux.HandleFunc("GET /kiosk/ws", s.serveWebSocket(&s.cfg.Kiosk))
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheable(http.FileServerFS(static))))
	mux.Handle("GET /pictograms/", http.StripPrefix("/pictograms/", cacheable(http.FileServerFS(pictograms.FS))))
	return mux
}

// cacheable lets browsers keep assets that hold nothing of a resident.
func cacheable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
