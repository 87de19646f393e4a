package staff

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// parseTemplates reads every page: each is layout.html with the page's
// own "content".
func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"t": func(lang, id string) string { return s.cfg.Texts.Text(lang, id) },
		"tf": func(lang, id string, kv ...any) string {
			data := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				data[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return s.cfg.Texts.Format(lang, id, data)
		},
		"plural": func(lang, id string, n int) string { return s.cfg.Texts.Plural(lang, id, n, nil) },
		"hour": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(amsterdam).Format("2006-01-02 15:04")
		},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return err
		}
		s.pages[page] = t
	}
	return nil
}

// amsterdam is the console's time zone; without the zone database (a
// minimal container) times are shown in UTC.
var amsterdam = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return l
	}
	return time.UTC
}()

// render writes a page. Every page gets the language, the CSRF token of its
// forms and who is logged in.
func (s *Server) render(w http.ResponseWriter, q *request, status int, page string, data map[string]any) {
	t, ok := s.pages[page]
	if !ok {
		panic("no page " + page)
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Lang"], data["CSRF"], data["Page"] = q.lang, q.csrf, page
	if q.session != nil && q.session.Full {
		data["Account"] = q.account
	}
	data["LoggedIn"] = q.session != nil // a login step can be left, too
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.cfg.Logger.Error("a console page did not render", "page", page, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows an error page with one message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, q *request, status int, message string) {
	s.render(w, q, status, "error", map[string]any{"Message": message})
}

// internal logs an error that staff cannot act on, and says something went
// wrong; the error itself is never shown.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, q *request, err error) {
	s.cfg.Logger.Error("console request failed", "path", r.URL.Path, "error", err)
	s.fail(w, r, q, http.StatusInternalServerError, "staff.error.internal")
}
